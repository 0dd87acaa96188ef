import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// werift's DTLS does its ECDHE key exchange on P-256 with @noble/curves, in JavaScript, on the
// event loop. noble builds its base-point table on the first key of a process: measured 80 ms on
// this machine at load 9, and 560 ms in the middle of the first handshake of a test process under
// load. During that time nothing else runs: the peer's 500 ms DTLS retransmit fires, the server
// answers both ClientHellos, and werift's DTLS client fails the handshake on the second
// HelloVerifyRequest (its Flight3 throws) — the flaky 'send transport not connected (failed)'.
// So the media port builds that table while it opens, before any transport can handshake (A1, D5).
// The instance warmed must be werift's own: packages/server depends on a newer @noble/curves
// (another module, another table), so werift's is found from werift's location, and its ESM entry
// is taken from that package's exports map (Kaigi is ESM, so werift loads lib/index.mjs, which
// imports the ESM build). Written here because werift exports no key-generation entry point.

interface P256 {
  utils: { randomPrivateKey(): Uint8Array };
  getPublicKey(priv: Uint8Array, compressed?: boolean): Uint8Array;
  getSharedSecret(priv: Uint8Array, pub: Uint8Array): Uint8Array;
}

/** The @noble/curves P-256 module werift's DTLS uses, or null when it cannot be found. */
export async function weriftP256(): Promise<P256 | null> {
  try {
    const werift = createRequire(import.meta.url).resolve('werift');
    // The CommonJS entry only locates the package; its folder holds package.json.
    const cjsEntry = createRequire(werift).resolve('@noble/curves/p256');
    const dir = path.dirname(cjsEntry);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { exports?: Record<string, unknown> };
    const entry = pkg.exports?.['./p256'] as { import?: unknown } | undefined;
    if (typeof entry?.import !== 'string') return null;
    const mod = (await import(pathToFileURL(path.join(dir, entry.import)).href)) as { p256?: P256 };
    return mod.p256 ?? null;
  } catch {
    return null;
  }
}

/**
 * Builds werift's P-256 tables once (a key pair and a shared secret, as a DTLS handshake does).
 * Never rejects: without it the first handshake is only slower.
 */
export async function warmDtlsKeyExchange(): Promise<void> {
  const p256 = await weriftP256();
  if (!p256) return;
  const a = p256.utils.randomPrivateKey();
  const b = p256.getPublicKey(p256.utils.randomPrivateKey(), false);
  p256.getPublicKey(a, false);
  p256.getSharedSecret(a, b);
}
