import { ErrorCode, type OrganisationPolicy } from '@kaigi/protocol';

/** Refusal when a second factor is needed and this sign-in had none (B5). */
export const TWO_FACTOR_REQUIRED = 'TWO_FACTOR_REQUIRED' as ErrorCode;
export const TWO_FACTOR_REQUIRED_MESSAGE =
  'This needs a sign-in with a second factor. Set one up on the Security page if you have none, then sign out and sign in again with it.';

/** Whether the organisation's policy refuses this caller as a host: it signed in without a second factor. */
export const hostRefusedForTwoFactor = (policy: OrganisationPolicy, signedInWithTwoFactor: boolean): boolean =>
  policy.requireTwoFactorForHosts && !signedInWithTwoFactor;
