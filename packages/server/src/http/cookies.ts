import type { CookieSerializeOptions } from '@fastify/cookie';

// __Host- cookies: Secure, Path=/, no Domain, so no other host or path can set or read them.
export const SESSION_COOKIE = '__Host-kaigi_session';
export const DEVICE_COOKIE = '__Host-kaigi_device';

export const secureCookie = (maxAgeSeconds?: number): CookieSerializeOptions => ({
  httpOnly: true,
  secure: true,
  sameSite: 'strict',
  path: '/',
  ...(maxAgeSeconds !== undefined && { maxAge: maxAgeSeconds }),
});

export const DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600;
export const isDeviceValue = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9_-]{43}$/.test(v);
