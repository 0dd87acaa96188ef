import type { ConfidentialityLevel, ReportStatus } from '@kaigi/protocol';
import { useI18n } from '../../../i18n';

// The security report's own labels (F3), in both UI languages.

const en = {
  title: 'Security report',
  intro:
    'Each clause of the IPA guidance on web meetings and of Kyoto University’s notes, whether this meeting meets it, and the evidence the server holds. Clauses that are each participant’s own duty are marked as such, not claimed.',
  print: 'Print',
  dataMapLink: 'Data map',
  dashboardLink: 'Your meetings',
  meetingHeading: 'Meeting',
  meetingTitle: 'Title',
  meetingId: 'Meeting ID',
  level: 'Confidentiality level',
  generatedAt: 'Generated',
  node: 'Server node',
  region: 'Region',
  levelsAllowed: 'Levels the organisation allows',
  summaryHeading: 'Summary',
  clausesHeading: 'Clauses',
  clausesCaption: 'Clauses of the guidance, with this meeting’s status and the evidence',
  colClause: 'Clause',
  colAsks: 'What it asks',
  colStatus: 'Status',
  colEvidence: 'Evidence',
  requirements: 'Requirements',
  dataHeading: 'Data map',
  objectsCaption: 'Stored objects',
  noObjects: 'Nothing is stored for this meeting.',
  colKind: 'Kind',
  colName: 'Name',
  colSize: 'Size',
  colProtection: 'Protection',
  colWhere: 'Node / region / location',
  colPurge: 'Purged at',
  purgeAtEnd: 'When the meeting ends (per retention)',
  loading: 'Loading…',
  status: { met: 'Met', not_met: 'Not met', not_applicable: 'Not applicable', participant: 'Each participant’s duty' } satisfies Record<ReportStatus, string>,
  levels: { high: 'High', medium: 'Medium', low: 'Low' } satisfies Record<ConfidentialityLevel, string>,
};

export type ReportStrings = typeof en;

const ja: ReportStrings = {
  title: 'セキュリティレポート',
  intro:
    'IPA の Web 会議のセキュリティ上の注意事項と京都大学の注意喚起の各項目について、この会議が満たしているかとサーバが持つ根拠を示します。各参加者自身の責任である項目は、満たしたとは主張せずその旨を示します。',
  print: '印刷',
  dataMapLink: 'データマップ',
  dashboardLink: '会議一覧',
  meetingHeading: '会議',
  meetingTitle: '会議名',
  meetingId: '会議 ID',
  level: '機密性レベル',
  generatedAt: '作成日時',
  node: 'サーバノード',
  region: 'リージョン',
  levelsAllowed: '組織が許可するレベル',
  summaryHeading: '概要',
  clausesHeading: '項目',
  clausesCaption: 'ガイダンスの各項目と、この会議の状況および根拠',
  colClause: '項目',
  colAsks: '求められていること',
  colStatus: '状況',
  colEvidence: '根拠',
  requirements: '要件',
  dataHeading: 'データマップ',
  objectsCaption: '保存されているオブジェクト',
  noObjects: 'この会議で保存されているものはありません。',
  colKind: '種類',
  colName: '名前',
  colSize: 'サイズ',
  colProtection: '保護',
  colWhere: 'ノード / リージョン / 場所',
  colPurge: '削除予定',
  purgeAtEnd: '会議終了時(保存期間に従う)',
  loading: '読み込み中…',
  status: { met: '満たしている', not_met: '満たしていない', not_applicable: '対象外', participant: '各参加者の責任' },
  levels: { high: '高', medium: '中', low: '低' },
};

export const REPORT_STRINGS: Record<'en' | 'ja', ReportStrings> = { en, ja };

/** The report's labels in the UI language. */
export function useReportStrings(): ReportStrings {
  return REPORT_STRINGS[useI18n().locale];
}
