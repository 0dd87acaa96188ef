// `kaigi recording keygen --out DIR` makes an organisation's escrow key pair; the public half goes
// to KAIGI_RECORDING_ESCROW_KEY, the private half stays offline. `kaigi recording open FILE --key
// PRIVATE.pem --out FILE` decrypts a recording a host's browser uploaded (format in
// packages/protocol/src/recordingEnvelope.ts) with the escrow key. Nothing is ever overwritten.

import { createPrivateKey, generateKeyPairSync, webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openRecordingEnvelope, RecordingEnvelopeError } from '@kaigi/protocol';
import { usageError } from './CliError.js';

export const RECORDING_USAGE = `  recording keygen --out DIR  make an escrow key pair (escrow-private.pem, escrow-public.pem) in DIR
  recording open FILE --key PRIVATE.pem --out FILE
                              decrypt a browser recording with the escrow (or any recipient's) private key`;


function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i === -1) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw usageError(`${name} needs a value`);
  return v;
}

/** Writes a new file only: an existing one is an error, never replaced. */
async function writeNew(file: string, data: Uint8Array | string, mode: number): Promise<void> {
  try {
    await writeFile(file, data, { flag: 'wx', mode });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${file} already exists; nothing was written`, { cause: e });
    throw e;
  }
}

export async function recordingCommand(cmd: string | undefined, args: string[], out: (s: string) => void): Promise<number> {
  if (cmd === 'keygen') {
    const dir = option(args, '--out');
    if (!dir) throw usageError('recording keygen needs --out DIR');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const priv = path.join(dir, 'escrow-private.pem');
    const pub = path.join(dir, 'escrow-public.pem');
    for (const f of [priv, pub]) if (existsSync(f)) throw new Error(`${f} already exists; nothing was written`);
    await writeNew(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }), 0o600);
    await writeNew(pub, publicKey.export({ type: 'spki', format: 'pem' }), 0o644);
    out(`wrote ${pub} (set KAIGI_RECORDING_ESCROW_KEY to it) and ${priv} (keep it offline)`);
    return 0;
  }
  if (cmd === 'open') {
    const file = args.find((a, i) => !a.startsWith('--') && !['--key', '--out'].includes(args[i - 1] ?? ''));
    const keyFile = option(args, '--key');
    const outFile = option(args, '--out');
    if (!file || !keyFile || !outFile) throw usageError('recording open needs FILE, --key PRIVATE.pem and --out FILE');
    let key: CryptoKey;
    try {
      const der = createPrivateKey(await readFile(keyFile, 'utf8')).export({ type: 'pkcs8', format: 'der' });
      key = await webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
    } catch {
      throw new Error(`${keyFile} is not a P-256 private key in PEM`);
    }
    try {
      const opened = await openRecordingEnvelope(await readFile(file), key);
      await writeNew(outFile, opened.data, 0o600);
      out(`opened as ${opened.recipient.role}: meeting ${opened.header.meetingId}, part ${opened.header.part}, ${opened.header.mimeType}, ${opened.data.byteLength} bytes → ${outFile}`);
      return 0;
    } catch (e) {
      if (e instanceof RecordingEnvelopeError) {
        process.stderr.write(`kaigi: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  }
  throw usageError(`unknown command: recording ${cmd ?? ''}`);
}
