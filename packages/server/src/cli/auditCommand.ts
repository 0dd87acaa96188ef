import fs from 'node:fs';
import path from 'node:path';
import type { AuditLog } from '../audit/AuditLog.js';
import { readCheckpointLines, verifyCheckpoints } from '../audit/checkpoints.js';
import { verifyAnchors } from '../audit/verifyAnchors.js';
import { verifyChain } from '../audit/verifyChain.js';
import { certificatePublicKeyPath, readCertificatePublicKey } from '../security/CertificateSigner.js';
import { usageError } from './CliError.js';

export const AUDIT_USAGE = `  audit verify [--checkpoints FILE] [--public-key PEM]
                              check the audit log's hash chain and that no entries were cut from
                              its end, against the signed checkpoints (default: KAIGI_AUDIT_CHECKPOINT_FILE
                              and data/keys/certificates.pub.pem; give a copy kept elsewhere to check against it)
  audit checkpoint            anchor the audit log's current head now (e.g. a log from before checkpoints)`;


function option(args: readonly string[], name: string): string | null {
  const i = args.indexOf(name);
  if (i < 0) return null;
  const v = args[i + 1];
  if (!v || v.startsWith('--')) throw usageError(`${name} needs a FILE`);
  return path.resolve(v);
}

/**
 * `kaigi audit verify` (H2): the chain first (edits, removals in the middle, re-hashing), then
 * the checkpoint file (signatures, numbering, links), then the chain against the checkpoints
 * (entries cut from the end, or all of them). Exit 0 only when all three hold.
 */
export async function auditVerify(
  audit: AuditLog,
  auditKey: Buffer,
  defaults: { dataDir: string; checkpointFile: string },
  args: readonly string[],
  out: (s: string) => void,
): Promise<number> {
  const file = option(args, '--checkpoints') ?? defaults.checkpointFile;
  const keyFile = option(args, '--public-key');
  // A server writes a checkpoint just after the commit it anchors: a read that fell between the
  // two sees a tail the rule does not allow yet. Read again a few times before saying so.
  for (let attempt = 1; ; attempt++) {
    const said: string[] = [];
    const verdict = await judgeOnce(audit, auditKey, defaults.dataDir, file, keyFile, (line) => said.push(line));
    if (verdict !== 'unanchored' || attempt >= UNANCHORED_READS) {
      said.forEach(out);
      return verdict === 'ok' ? 0 : 1;
    }
    await new Promise((resolve) => setTimeout(resolve, UNANCHORED_PAUSE_MS));
  }
}

/** How often verify reads a log whose newest entries lack their checkpoint, and how far apart. */
const UNANCHORED_READS = 5;
const UNANCHORED_PAUSE_MS = 400;

async function judgeOnce(
  audit: AuditLog,
  auditKey: Buffer,
  dataDir: string,
  file: string,
  keyFile: string | null,
  out: (s: string) => void,
): Promise<'ok' | 'failed' | 'unanchored'> {
  // Read together under the write lock: no append or checkpoint is half written while both are read.
  const { entries, alongside: lines } = await audit.readConsistent(() => readCheckpointLines(file));
  const chain = verifyChain(entries, auditKey);
  if (!chain.ok) {
    out(`audit log BROKEN at entry ${chain.brokenAt}: ${chain.reason}`);
    return 'failed';
  }
  let checkpoints = null;
  if (lines && lines.length > 0) {
    const pem = keyFile ? fs.readFileSync(keyFile, 'utf8') : readCertificatePublicKey(dataDir);
    if (!pem) {
      out(`audit checkpoints UNCHECKED: ${certificatePublicKeyPath(dataDir)} is missing; give the server's public key with --public-key`);
      return 'failed';
    }
    const cp = verifyCheckpoints(lines, pem);
    if (!cp.ok) {
      out(`audit checkpoints INVALID at line ${cp.line} of ${file}: ${cp.reason}`);
      return 'failed';
    }
    checkpoints = cp.checkpoints;
  } else if (lines) {
    checkpoints = [];
  }
  const anchors = verifyAnchors(entries, checkpoints);
  if (!anchors.ok) {
    out(`audit log ${anchors.truncated ? 'TRUNCATED' : 'NOT ANCHORED'}: ${anchors.reason}`);
    return anchors.truncated ? 'failed' : 'unanchored';
  }
  out(`audit log OK: ${chain.entries} entries, head ${chain.head}`);
  if (anchors.last) {
    const l = anchors.last;
    out(`anchored by checkpoint ${l.n} of ${l.at} (${l.entries} entries); ${anchors.unanchored} newer entries within the checkpoint rule`);
  }
  return 'ok';
}

export async function auditCheckpoint(audit: AuditLog, out: (s: string) => void): Promise<number> {
  const c = await audit.checkpoint('cli');
  out(c ? `checkpoint ${c.n}: ${c.entries} entries, head ${c.head}` : 'the last checkpoint already anchors the head');
  return 0;
}
