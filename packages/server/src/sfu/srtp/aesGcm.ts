// Picks the AES-128-GCM implementation for Kaigi's SRTP (issue 15 item 2, A6): the native addon
// (packages/server/native, one OpenSSL context per key, built by `npm ci`) when it loads, else
// node:crypto. The server logs which one at start and the bench prints it.

import { createRequire } from 'node:module';
import { createNodeAesGcm } from './nodeAesGcm.js';
import type { AesGcm } from './types.js';

/** What the addon exports (native/aes_gcm.c). Its methods validate every argument and throw on a bad call. */
interface NativeBinding {
  AesGcm: new (key: Buffer) => AesGcm;
  openssl: string;
}

type NativeLoad = { binding: NativeBinding; error: null } | { binding: null; error: string };

/** Same relative path from src/sfu/srtp (tsx) and dist/sfu/srtp (built server). */
const ADDON_PATH = '../../../native/build/Release/kaigi_aes_gcm.node';

function loadNative(): NativeLoad {
  try {
    const binding = createRequire(import.meta.url)(ADDON_PATH) as NativeBinding;
    if (typeof binding.AesGcm !== 'function') return { binding: null, error: 'the addon has no AesGcm' };
    return { binding, error: null };
  } catch (err) {
    return { binding: null, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Loaded once per module instance (per worker thread); a constant afterwards. */
const NATIVE: NativeLoad = loadNative();

export type AesGcmImplementation = 'native' | 'node:crypto';

/** Which implementation createAesGcm uses in this process. */
export function aesGcmImplementation(): AesGcmImplementation {
  return NATIVE.binding ? 'native' : 'node:crypto';
}

/** Why the addon did not load (for the start-up log), or null when it did. */
export function nativeAesGcmLoadError(): string | null {
  return NATIVE.error;
}

/** One line for the start-up log: which AES-GCM SRTP uses and, when not native, why. */
export function describeAesGcm(): string {
  return NATIVE.binding
    ? `native (${NATIVE.binding.openssl}, one context per key)`
    : `node:crypto (native addon not loaded: ${NATIVE.error})`;
}

/** The native implementation, or null when the addon is not built (tests and the bench compare both). */
export function createNativeAesGcm(key: Buffer): AesGcm | null {
  return NATIVE.binding ? new NATIVE.binding.AesGcm(key) : null;
}

export { createNodeAesGcm };
export type { AesGcm, AesGcmFactory } from './types.js';

/** AES-128-GCM under `key`: native when available, else node:crypto. */
export function createAesGcm(key: Buffer): AesGcm {
  return createNativeAesGcm(key) ?? createNodeAesGcm(key);
}
