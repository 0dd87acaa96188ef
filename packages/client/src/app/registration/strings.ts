import type { EntryKind, RegistrationMode, RegistrationStatus } from '@kaigi/protocol';
import { interpolate, useI18n } from '../../i18n';

// Members-only meetings and pre-registration (B3, B5, B6): this module's own labels, in both UI
// languages.

const en = {
  // How each person entered (B6); guest and member come from the main dictionary.
  entryRegistrant: 'Registrant',
  entryMember2fa: 'Member (2FA)',
  entryRegistrantTitle: 'Joined with a personal registration link',
  entryMember2faTitle: 'Signed-in member who used two factors',

  // The host's panel.
  panelHeading: 'Entry and registration',
  membersOnly: 'Signed-in members only (guests are refused before the waiting room)',
  emailDomains: 'Only these email domains (one per line; empty: any account)',
  emailDomainsHint: 'A domain also admits its subdomains. An account without an email on file is refused when domains are listed.',
  groups: 'Only members of these groups (one per line; empty: any account)',
  groupsHint:
    'Group names as your organisation spells them (capitals count); a member needs one of them. Accounts get groups from single sign-on or from an administrator, never from what they say. With email domains listed too, a member needs both: an email in one of the domains and one of the groups.',
  registrationMode: 'Registration',
  modes: {
    off: 'Off: the password lets people in',
    approval: 'On: I approve each registrant and send the link',
    automatic: 'On: registrants get their link at once',
  } satisfies Record<RegistrationMode, string>,
  modeHint: 'With registration on, everyone but you needs an approved personal link; the name they registered is their name in the meeting.',
  save: 'Save',
  saved: 'Saved.',
  formLink: 'Public registration page',
  copy: 'Copy',
  copied: 'Copied',
  copyFailed: 'Copying is not allowed here: select the text and copy it.',
  copyLinkOf: 'Copy the personal link of {name}',
  registrantsHeading: 'Registrants',
  refresh: 'Refresh',
  noRegistrants: 'No one has registered yet.',
  colName: 'Name',
  colEmail: 'Email',
  colStatus: 'Status',
  colUsed: 'Link used',
  colActions: 'Actions',
  status: { pending: 'Waiting for approval', approved: 'Approved', revoked: 'Revoked' } satisfies Record<RegistrationStatus, string>,
  usedTimes: '{n} times, last {at}',
  neverUsed: 'Not yet',
  approve: 'Approve',
  approveOf: 'Approve {name}',
  revoke: 'Revoke',
  revokeOf: 'Revoke the registration of {name}',
  revokeTitle: 'Revoke this registration?',
  revokeBody: '{name}’s personal link stops working at once. If they are in the meeting or waiting, they are taken out now (they are not banned).',
  revokeConfirm: 'Revoke',
  loading: 'Loading…',
  alert: '{name}’s personal link is in use from {n} places at once.',
  alertWhere: 'Check each before admitting:',
  alertWaiting: 'waiting',
  alertInMeeting: 'in the meeting',
  alertGone: 'no longer here',
  dismiss: 'Dismiss',

  // The public registration page.
  registerTitle: 'Register for a meeting',
  registerIntro:
    'The name you give is the name you will have in the meeting. The host approves registrations and sends each person their own link; some meetings give the link at once.',
  name: 'Your name',
  email: 'Email address',
  register: 'Register',
  received: 'Thank you. If this meeting takes registrations, the host will send your personal link.',
  yourLink: 'Your personal link',
  yourLinkHint: 'This link is yours alone: do not forward it. Using it from two places at once is shown to the host.',
  joinNow: 'Join the meeting',

  // The join page.
  joiningWithLink: 'You are joining with your personal registration link: the name you registered with will be used.',
  signInToJoin: 'Sign in to join',
  notInRule: 'You are signed in, but this meeting admits only some members (by email domain or group), and your account is not among them. If it should be, ask the host or your administrator.',

  // The data map.
  dataMapHeading: 'Registrations',
  dataMapCounts: '{approved} approved, {pending} waiting for approval, {revoked} revoked.',
  dataMapNone: 'Nobody has registered for this meeting.',
  dataMapNote:
    "Each registration holds the person's name and email address on this server until the meeting is deleted. Revoked registrations are kept too, so that their link stays dead; deleting the meeting deletes them all.",
};

export type RegistrationStrings = typeof en;

const ja: RegistrationStrings = {
  entryRegistrant: '登録者',
  entryMember2fa: 'メンバー（二要素）',
  entryRegistrantTitle: '個人用の登録リンクで参加',
  entryMember2faTitle: '二要素でサインインしたメンバー',

  panelHeading: '参加条件と事前登録',
  membersOnly: 'サインインしたメンバーのみ（ゲストは待機室の前で拒否）',
  emailDomains: '次のメールドメインのみ（1 行に 1 つ。空欄: どのアカウントでも可）',
  emailDomainsHint: 'ドメインにはそのサブドメインも含まれます。ドメインを指定すると、メールアドレスが登録されていないアカウントは拒否されます。',
  groups: '次のグループのメンバーのみ（1 行に 1 つ。空欄: どのアカウントでも可）',
  groupsHint:
    'グループ名は組織での表記どおりに入力してください（大文字と小文字は区別されます）。いずれか 1 つのグループに属していれば参加できます。アカウントのグループはシングルサインオンまたは管理者が設定し、本人の申告は使いません。メールドメインも指定した場合は、そのドメインのメールアドレスとグループの両方が必要です。',
  registrationMode: '事前登録',
  modes: {
    off: 'なし: パスワードで参加',
    approval: 'あり: 登録者を一人ずつ承認してリンクを送る',
    automatic: 'あり: 登録するとすぐにリンクを受け取る',
  },
  modeHint: '事前登録ありの会議では、あなた以外の全員に承認済みの個人用リンクが必要です。会議での名前は登録した名前になります。',
  save: '保存',
  saved: '保存しました。',
  formLink: '公開の登録ページ',
  copy: 'コピー',
  copied: 'コピーしました',
  copyFailed: 'ここではコピーできません。テキストを選択してコピーしてください。',
  copyLinkOf: '{name} さんの個人用リンクをコピー',
  registrantsHeading: '登録者',
  refresh: '更新',
  noRegistrants: 'まだ登録はありません。',
  colName: '名前',
  colEmail: 'メール',
  colStatus: '状態',
  colUsed: 'リンクの使用',
  colActions: '操作',
  status: { pending: '承認待ち', approved: '承認済み', revoked: '取り消し済み' },
  usedTimes: '{n} 回（最終 {at}）',
  neverUsed: 'まだ使われていません',
  approve: '承認',
  approveOf: '{name} さんを承認',
  revoke: '取り消す',
  revokeOf: '{name} さんの登録を取り消す',
  revokeTitle: 'この登録を取り消しますか？',
  revokeBody: '{name} さんの個人用リンクはすぐに使えなくなります。会議中または待機中であれば、いま退出させます（参加禁止にはなりません）。',
  revokeConfirm: '取り消す',
  loading: '読み込み中…',
  alert: '{name} さんの個人用リンクが {n} か所から同時に使われています。',
  alertWhere: '参加を許可する前にそれぞれを確認してください:',
  alertWaiting: '待機中',
  alertInMeeting: '会議中',
  alertGone: 'すでにいません',
  dismiss: '閉じる',

  registerTitle: '会議への参加登録',
  registerIntro:
    '入力した名前が会議での名前になります。ホストが登録を承認し、一人ひとりに専用のリンクを送ります。会議によってはすぐにリンクが表示されます。',
  name: 'お名前',
  email: 'メールアドレス',
  register: '登録する',
  received: 'ありがとうございました。この会議が登録を受け付けていれば、ホストから個人用リンクが届きます。',
  yourLink: 'あなたの個人用リンク',
  yourLinkHint: 'このリンクはあなた専用です。転送しないでください。2 か所から同時に使うとホストに通知されます。',
  joinNow: '会議に参加する',

  joiningWithLink: '個人用の登録リンクで参加します。登録した名前が使われます。',
  signInToJoin: 'サインインして参加',
  notInRule: 'サインイン済みですが、この会議は一部のメンバー（メールドメインまたはグループ）だけが参加でき、あなたのアカウントは対象外です。対象のはずであれば、ホストまたは管理者にお問い合わせください。',

  dataMapHeading: '事前登録',
  dataMapCounts: '承認済み {approved} 件、承認待ち {pending} 件、取り消し {revoked} 件。',
  dataMapNone: 'この会議に登録した人はいません。',
  dataMapNote:
    '各登録は、会議が削除されるまで、本人の名前とメールアドレスをこのサーバーに保存します。取り消した登録もリンクを無効のままにするため保存され、会議を削除するとすべて削除されます。',
};

const STRINGS = { en, ja } as const;

/** This module's strings in the page's language, and a {var} filler. */
export function useRegistrationStrings(): { s: RegistrationStrings; fill: (text: string, vars: Record<string, string | number>) => string; locale: 'en' | 'ja' } {
  const { locale } = useI18n();
  return { s: STRINGS[locale], fill, locale };
}

const fill = (text: string, vars: Record<string, string | number>): string => interpolate(text, vars);

/** Entry kinds this module names (guest and member are in the main dictionary). */
export type OwnEntryKind = Extract<EntryKind, 'registrant' | 'member2fa'>;
