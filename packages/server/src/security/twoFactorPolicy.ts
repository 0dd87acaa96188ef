import type { OrganisationPolicy } from '@kaigi/protocol';

/**
 * Whether the organisation's policy refuses this caller as a host (B5): it requires two factors
 * and this session was signed in without a second one. Callers answer TWO_FACTOR_REQUIRED.
 */
export const hostRefusedForTwoFactor = (policy: OrganisationPolicy, signedInWithTwoFactor: boolean): boolean =>
  policy.requireTwoFactorForHosts && !signedInWithTwoFactor;
