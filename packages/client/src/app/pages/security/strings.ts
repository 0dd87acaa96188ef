import { interpolate, useI18n } from '../../../i18n';

// Labels of two-factor sign-in and the Security page (B5), in both UI languages.

const en = {
  // header link
  navSecurity: 'Security',
  // second step of signing in
  secondStepTitle: 'Confirm it is you',
  secondStepIntro: 'Your account has two-factor authentication. Finish signing in with one of these.',
  totpCode: 'Code from your authenticator app',
  totpHint: '6 digits; a new one every 30 seconds.',
  verify: 'Verify',
  recoveryCode: 'Recovery code',
  recoveryHint: 'Each recovery code works once.',
  useRecoveryCode: 'Use a recovery code',
  useTotp: 'Use your authenticator app',
  usePasskey: 'Use a passkey',
  startAgain: 'Start again',
  wrongCode: 'That is not right. Check the code and try again.',
  ticketExpired: 'This sign-in took too long or was already finished. Enter your password again.',
  passkeyCancelled: 'The passkey was not used (cancelled or not available on this device).',
  passkeyRefused: 'This passkey was not accepted.',
  // Security page
  title: 'Security',
  intro: 'A second factor keeps your account safe even if someone learns your password. Your organisation may require one for hosting meetings.',
  sessionStrong: 'You signed in to this session with two factors.',
  sessionWeak: 'You signed in to this session with your password only.',
  sessionWeakChange:
    'To change your two-factor settings, sign out and sign in again with your second factor.',
  loading: 'Loading…',
  back: 'Your meetings',
  // TOTP
  totpHeading: 'Authenticator app',
  totpOn: 'On: sign-in asks for a code from your app.',
  totpOff: 'Off.',
  totpSetUp: 'Set up an authenticator app',
  totpReplace: 'Replace with a new secret',
  totpRemove: 'Turn off the authenticator app',
  totpStep1: 'Add this account to your authenticator app: open the link on your phone, or type in the secret key.',
  secretLabel: 'Secret key',
  uriLabel: 'Setup link (otpauth)',
  totpStep2: 'Then enter the code the app shows now.',
  confirmCode: 'Confirm and turn on',
  cancel: 'Cancel',
  totpEnabled: 'The authenticator app is on.',
  totpRemoved: 'The authenticator app is off.',
  // recovery codes
  recoveryHeading: 'Recovery codes',
  recoveryLeft: 'Unused recovery codes: {n}.',
  recoveryNone: 'Recovery codes come with your first second factor.',
  recoveryNew: 'Make new recovery codes',
  recoveryNewConfirm: 'Make new recovery codes? The old ones stop working.',
  recoveryShownOnce:
    'Save these recovery codes somewhere safe, apart from your devices. Each works once, in place of your second factor. They are shown only now.',
  recoveryListLabel: 'Your recovery codes',
  recoverySaved: 'I have saved them',
  // passkeys
  passkeysHeading: 'Passkeys',
  passkeysNone: 'No passkeys yet.',
  passkeysCaption: 'Your passkeys',
  colName: 'Name',
  colAdded: 'Added',
  colLastUsed: 'Last used',
  colActions: 'Actions',
  never: 'Never',
  passkeyName: 'Name for the new passkey (optional)',
  passkeyAdd: 'Add a passkey',
  passkeyAdded: 'Passkey added.',
  passkeyRemove: 'Remove passkey {name}',
  passkeyRemoveConfirm: 'Remove the passkey “{name}”?',
  passkeyRemoved: 'Passkey removed.',
  passkeyUnsupported: 'This browser cannot use passkeys here.',
  failed: 'That did not work. Try again.',
};

export type SecurityStrings = { readonly [K in keyof typeof en]: string };

const ja: SecurityStrings = {
  navSecurity: 'セキュリティ',
  secondStepTitle: '本人確認',
  secondStepIntro: 'このアカウントは二要素認証を使っています。次のいずれかでサインインを完了してください。',
  totpCode: '認証アプリのコード',
  totpHint: '6桁の数字です。30秒ごとに変わります。',
  verify: '確認',
  recoveryCode: 'リカバリーコード',
  recoveryHint: 'リカバリーコードはそれぞれ1回だけ使えます。',
  useRecoveryCode: 'リカバリーコードを使う',
  useTotp: '認証アプリを使う',
  usePasskey: 'パスキーを使う',
  startAgain: '最初からやり直す',
  wrongCode: '正しくありません。コードを確かめて、もう一度入力してください。',
  ticketExpired: 'サインインに時間がかかりすぎたか、すでに完了しています。パスワードからやり直してください。',
  passkeyCancelled: 'パスキーは使われませんでした（キャンセルされたか、この端末では使えません）。',
  passkeyRefused: 'このパスキーは受け付けられませんでした。',
  title: 'セキュリティ',
  intro: '第二要素があれば、パスワードを知られてもアカウントは守られます。会議を主催するには第二要素が必要な組織もあります。',
  sessionStrong: 'このセッションには二要素でサインインしています。',
  sessionWeak: 'このセッションにはパスワードだけでサインインしています。',
  sessionWeakChange: '二要素認証の設定を変えるには、いったんサインアウトし、第二要素を使ってサインインし直してください。',
  loading: '読み込み中…',
  back: '自分の会議',
  totpHeading: '認証アプリ',
  totpOn: 'オン：サインイン時に認証アプリのコードを求めます。',
  totpOff: 'オフ',
  totpSetUp: '認証アプリを設定する',
  totpReplace: '新しい秘密鍵に置き換える',
  totpRemove: '認証アプリをオフにする',
  totpStep1: 'このアカウントを認証アプリに追加してください。スマートフォンでリンクを開くか、秘密鍵を入力します。',
  secretLabel: '秘密鍵',
  uriLabel: '設定用リンク（otpauth）',
  totpStep2: '次に、アプリに表示されている現在のコードを入力してください。',
  confirmCode: '確認してオンにする',
  cancel: 'キャンセル',
  totpEnabled: '認証アプリをオンにしました。',
  totpRemoved: '認証アプリをオフにしました。',
  recoveryHeading: 'リカバリーコード',
  recoveryLeft: '未使用のリカバリーコード：{n}個',
  recoveryNone: 'リカバリーコードは、最初の第二要素を設定したときに発行されます。',
  recoveryNew: 'リカバリーコードを作り直す',
  recoveryNewConfirm: 'リカバリーコードを作り直しますか？ 古いコードは使えなくなります。',
  recoveryShownOnce:
    'これらのリカバリーコードを、端末とは別の安全な場所に保管してください。それぞれ1回だけ、第二要素の代わりに使えます。表示されるのは今だけです。',
  recoveryListLabel: 'あなたのリカバリーコード',
  recoverySaved: '保管しました',
  passkeysHeading: 'パスキー',
  passkeysNone: 'パスキーはまだありません。',
  passkeysCaption: 'あなたのパスキー',
  colName: '名前',
  colAdded: '追加日時',
  colLastUsed: '最終使用',
  colActions: '操作',
  never: 'なし',
  passkeyName: '新しいパスキーの名前（任意）',
  passkeyAdd: 'パスキーを追加',
  passkeyAdded: 'パスキーを追加しました。',
  passkeyRemove: 'パスキー「{name}」を削除',
  passkeyRemoveConfirm: 'パスキー「{name}」を削除しますか？',
  passkeyRemoved: 'パスキーを削除しました。',
  passkeyUnsupported: 'このブラウザーでは、ここでパスキーを使えません。',
  failed: 'うまくいきませんでした。もう一度お試しください。',
};

const DICTS = { en: en as SecurityStrings, ja };

/** The strings for the current UI language. */
export function useSecurityStrings(): SecurityStrings {
  return DICTS[useI18n().locale];
}

/** Fills {name} placeholders, as the main dictionary does. */
export const fill = interpolate;
