import type { Locale } from '../../../i18n';

// Labels of the invitation panel (G1, G2), kept here so the panel does not touch the shared
// dictionaries. Pick with `invitationStrings[useI18n().locale]`.

export interface InvitationStrings {
  disclosure: string;
  heading: string;
  loading: string;
  language: string;
  subject: string;
  body: string;
  passwordMessage: string;
  passwordMessageHint: string;
  copySubject: string;
  copyBody: string;
  copyPasswordMessage: string;
  copy: string;
  copied: string;
  copyFailed: string;
  downloadIcs: string;
  highNote: string;
}

export const invitationStrings: Record<Locale, InvitationStrings> = {
  en: {
    disclosure: 'Invitation',
    heading: 'Invitation',
    loading: 'Preparing the invitation…',
    language: 'Language of the invitation',
    subject: 'Subject',
    body: 'Invitation text',
    passwordMessage: 'Password message',
    passwordMessageHint: 'Send this through a different channel than the invitation (for example by phone or another chat app).',
    copySubject: 'Copy subject',
    copyBody: 'Copy invitation',
    copyPasswordMessage: 'Copy password message',
    copy: 'Copy',
    copied: 'Copied',
    copyFailed: 'Copying is not allowed here: select the text and copy it yourself.',
    downloadIcs: 'Download .ics',
    highNote:
      'This is a High confidentiality meeting: the password is left out of the invitation and the calendar file. Send the password message through another channel.',
  },
  ja: {
    disclosure: '招待状',
    heading: '招待状',
    loading: '招待状を作成しています…',
    language: '招待状の言語',
    subject: '件名',
    body: '招待文',
    passwordMessage: 'パスワードのお知らせ',
    passwordMessageHint: '招待状とは別の経路（電話や別のチャットなど）で送ってください。',
    copySubject: '件名をコピー',
    copyBody: '招待状をコピー',
    copyPasswordMessage: 'パスワードのお知らせをコピー',
    copy: 'コピー',
    copied: 'コピーしました',
    copyFailed: 'ここではコピーできません。テキストを選択してコピーしてください。',
    downloadIcs: '.ics をダウンロード',
    highNote:
      'この会議は機密レベル「高」のため、パスワードを招待状とカレンダーファイルに含めていません。パスワードのお知らせは、招待状とは別の経路で送ってください。',
  },
};
