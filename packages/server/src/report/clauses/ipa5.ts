import {
  checkerVerdict,
  dataCentreCountryVerdict,
  e2eeVerdict,
  guestsCheckedVerdict,
  invitationDuty,
  noMaterialsVerdict,
  passwordAndWaitingRoom,
  tlsVerdict,
} from '../common.js';
import { type Evaluator, met, names, notMet } from '../derive.js';

// IPA 5.1-5.3: what each confidentiality level asks. The report makes these 'not_applicable'
// for meetings of other levels before calling them (clause.levels in guidance.ts).

export const IPA5: Record<string, Evaluator> = {
  // ---- 5.1 High ----------------------------------------------------------------------------
  'IPA-5.1(1)-a': (c) => {
    const e = e2eeVerdict(c);
    if (e.status !== 'met') return e;
    const serverRec = c.a.recordingStarts.filter((s) => s.mode === 'server');
    if (serverRec.length > 0 || c.serverReadable.length > 0) {
      return notMet(
        `Server-readable data exists: ${names([...serverRec.map(() => 'server recording'), ...c.serverReadable.map((o) => o.name)])}.`,
        `サーバで読めるデータがあります: ${names([...serverRec.map(() => 'サーバ録画'), ...c.serverReadable.map((o) => o.name)])}。`,
      );
    }
    return met(
      `${e.evidence.en} Nothing of this meeting is decrypted or stored readable on the server.`,
      `${e.evidence.ja} この会議のデータがサーバで復号・可読の形で保存されることはありません。`,
    );
  },

  'IPA-5.1(1)-b': (c) => noMaterialsVerdict(c),

  'IPA-5.1(2)-a': (c) => e2eeVerdict(c),

  'IPA-5.1(2)-b': (c) => dataCentreCountryVerdict(c, { en: 'in Japan', ja: '国内のデータセンター' }),

  'IPA-5.1(3)-a': (c) => passwordAndWaitingRoom(c),

  'IPA-5.1(3)-b': (c) =>
    c.f.policy.passwordSeparate && c.f.product.invitation.separatePasswordMessage
      ? met(
          'The invitation of a High meeting never contains the password; Kaigi gives it as a separate message to send through another channel.',
          '機密性「高」の会議の案内にはパスワードが含まれません。Kaigi は別経路で送るための別メッセージとしてパスワードを出力します。',
        )
      : notMet('The invitation may carry the password.', '案内にパスワードが含まれる可能性があります。'),

  'IPA-5.1(3)-c': (c) => guestsCheckedVerdict(c, true),

  // ---- 5.2 Medium --------------------------------------------------------------------------
  'IPA-5.2(1)-a': (c) => noMaterialsVerdict(c),

  'IPA-5.2(1)-b': (c) => dataCentreCountryVerdict(c, { en: 'in Group A countries (export control)', ja: '輸出管理上のグループ A の国のデータセンター' }),

  'IPA-5.2(2)-a': (c) =>
    c.f.meeting.e2ee
      ? met(
          'This meeting is end-to-end encrypted: the server cannot decrypt, stricter than the level requires. Every participant sees the mode.',
          'この会議はエンドツーエンド暗号化されており、サーバは復号できません(レベルの要求より厳格)。方式は全参加者に表示されます。',
        )
      : met(
          'Server-decryptable mode: media and chat are decrypted on this server (the organisation\'s own) to be forwarded, and every participant is shown so.',
          'サーバで復号される方式です。映像・音声とチャットは転送のためこのサーバ(組織自身のもの)で復号され、その旨が全参加者に表示されます。',
        ),

  'IPA-5.2(2)-b': (c) => tlsVerdict(c),

  'IPA-5.2(3)-a': (c) => passwordAndWaitingRoom(c),

  'IPA-5.2(3)-b': () =>
    invitationDuty(
      'Deliver the invitation securely, to the participants only.',
      '案内は参加者のみに、安全に届けてください。',
    ),

  'IPA-5.2(3)-c': (c) => checkerVerdict(c),

  // ---- 5.3 Low -----------------------------------------------------------------------------
  'IPA-5.3(1)': (c) => {
    const p = c.f.policy;
    const off = [!p.fileSharing && 'file sharing', !p.serverRecording && 'server recording', !p.chatKeeping && 'keeping chat'].filter(Boolean);
    if (off.length > 0) return notMet(`The level does not allow: ${off.join(', ')}.`, `レベルが許可しない機能: ${off.join(', ')}。`);
    return met(
      `All features are available: audio/video, screen sharing, chat (kept if the host chooses), file sharing and recording${c.f.meeting.e2ee ? ' (E2EE: files encrypted in the browser, recording in the host\'s browser)' : ''}; regions ${p.regions.join(', ')}.`,
      `すべての機能を利用できます: 映像・音声、画面共有、チャット(主催者の選択で保存)、ファイル共有、録画${c.f.meeting.e2ee ? '(E2EE: ファイルはブラウザで暗号化、録画は主催者のブラウザで)' : ''}。リージョン ${p.regions.join(', ')}。`,
    );
  },

  'IPA-5.3(2)': (c) => tlsVerdict(c),

  'IPA-5.3(3)-a': (c) =>
    c.f.meeting.rules.registration !== 'off'
      ? met(
          `Registration is required (${c.f.meeting.rules.registration === 'approval' ? 'each registrant approved by the host' : 'approved automatically'}).`,
          `事前登録が必要です（${c.f.meeting.rules.registration === 'approval' ? '登録者ごとに主催者が承認' : '自動承認'}）。`,
        )
      : notMet(
          'Registration is off for this meeting: turn it on under "Entry and registration" in the host view.',
          'この会議は事前登録がオフです。主催者画面の「参加と登録」でオンにしてください。',
        ),

  'IPA-5.3(3)-b': (c) =>
    c.f.meeting.rules.registration !== 'off'
      ? met('Each registrant joins with a personal link that can be revoked on its own.', '登録者は個別に取り消せる個人用リンクで参加します。')
      : invitationDuty(
          'Registration is off, so there are no personal links: send the join URL only to the registered participants.',
          '事前登録がオフのため個人用リンクはありません。参加 URL は登録済みの参加者のみに送ってください。',
        ),

  'IPA-5.3(3)-c': (c) => checkerVerdict(c),
};
