import type { SsoError } from '@kaigi/protocol';
import { useI18n } from '../../../i18n';

// Labels of single sign-on on the sign-in page (B5), in both UI languages.

const en = {
  or: 'or',
  signInWith: 'Sign in with {name}',
  providersFailed: 'Single sign-on could not be loaded. Reload the page to try again.',
  sso_unavailable: 'Single sign-on is not available right now: this server cannot reach the sign-in provider. Try again later, or ask your administrator.',
  sso_state: 'This sign-in expired, was already used, or was started in another browser. Start again with the single sign-on button.',
  sso_refused: 'The sign-in provider’s answer could not be verified, so you were not signed in. Start again; if it keeps happening, tell your administrator.',
  sso_cancelled: 'The sign-in was cancelled or refused at the sign-in provider.',
  sso_domain: 'Your account’s email address is not in a domain this organisation allows to sign in here.',
  sso_disabled: 'Your Kaigi account is disabled. Ask your administrator.',
  sso_rate_limited: 'Too many sign-ins failed from this address. Wait a few minutes, then try again.',
};

const ja: SsoStrings = {
  or: 'または',
  signInWith: '{name} でサインイン',
  providersFailed: 'シングルサインオンを読み込めませんでした。ページを再読み込みしてください。',
  sso_unavailable: '現在シングルサインオンを使えません。このサーバーからサインインプロバイダーに接続できません。しばらくしてからお試しいただくか、管理者にお問い合わせください。',
  sso_state: 'このサインインは期限切れか、すでに使われたか、別のブラウザーで始められたものです。シングルサインオンのボタンからやり直してください。',
  sso_refused: 'サインインプロバイダーの応答を検証できなかったため、サインインしませんでした。やり直しても続く場合は管理者にお知らせください。',
  sso_cancelled: 'サインインプロバイダーでサインインが取り消されたか、拒否されました。',
  sso_domain: 'アカウントのメールアドレスが、この組織でサインインを許可されたドメインではありません。',
  sso_disabled: 'Kaigi のアカウントが無効になっています。管理者にお問い合わせください。',
  sso_rate_limited: 'このアドレスからのサインインの失敗が多すぎます。数分待ってからお試しください。',
};

export type SsoStrings = { readonly [K in keyof typeof en]: string } & Record<SsoError, string>;

const DICTS = { en: en as SsoStrings, ja };

/** The strings for the current UI language. */
export function useSsoStrings(): SsoStrings {
  return DICTS[useI18n().locale];
}
