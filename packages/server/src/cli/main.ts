#!/usr/bin/env node
import fs from 'node:fs';
import { AuditKind, LIMITS, Username } from '@kaigi/protocol';
import { loadConfig } from '../config.js';
import { AuditLog } from '../audit/AuditLog.js';
import { configuredCheckpointer } from '../audit/Checkpointer.js';
import { AUDIT_USAGE, auditCheckpoint, auditVerify } from './auditCommand.js';
import { isUsageError, usageError } from './CliError.js';
import { openDatabase } from '../storage/Database.js';
import { UserStore } from '../storage/UserStore.js';
import { serverKey } from '../security/serverKey.js';
import { openExportCommand } from './exportCommand.js';
import { RECORDING_USAGE, recordingCommand } from './recordingCommand.js';
import { USER_EMAIL_USAGE, userEmailCommand } from './userEmailCommand.js';
import { USER_GROUPS_USAGE, userGroupsCommand } from './userGroupsCommand.js';
import { CertificateSigner, certificatePublicKeyPath, readCertificatePublicKey, verifyCertificate } from '../security/CertificateSigner.js';

const USAGE = `Usage: kaigi <command>
  user add NAME [--admin]     create a local account; the password is read from stdin
  user list                   list accounts
  user disable NAME           disable an account and end its sessions
  user enable NAME            enable an account again
${USER_EMAIL_USAGE}
${USER_GROUPS_USAGE}
  token create USER [LABEL]   create an API token for USER (printed once)
  token list                  list API tokens
  token revoke ID             revoke an API token
${AUDIT_USAGE}
  certificate verify FILE     check a deletion certificate (JSON) against this server's key
  export open FILE --out DIR  decrypt an export archive into DIR; the passphrase is read from stdin
${RECORDING_USAGE}
Environment: KAIGI_DATA_DIR (default ./data)`;


async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

async function run(argv: string[]): Promise<number> {
  const [group, cmd, ...rest] = argv;
  // Escrow keys live offline: these need no server data directory.
  if (group === 'recording') return recordingCommand(cmd, rest, (s) => process.stdout.write(s + '\n'));
  const config = loadConfig();
  const db = await openDatabase(config.dataDir);
  const users = new UserStore(db);
  const auditKey = serverKey(config.dataDir, 'audit');
  // What the CLI appends is anchored like the server's (H2); `audit verify` only reads, so it
  // gets no checkpointer: it must not anchor a log it is about to judge.
  const report = (msg: string) => process.stderr.write(`kaigi: audit checkpoint: ${msg}\n`);
  // The signing key is opened only when a checkpoint is signed, so that commands run in a
  // folder without a server (certificate verify elsewhere) do not create one.
  let signer: CertificateSigner | null = null;
  const lazySigner = { signDocument: (doc: { type: string } & Record<string, unknown>) => (signer ??= CertificateSigner.open(config.dataDir)).signDocument(doc) };
  const checkpointer = group === 'audit' && cmd === 'verify' ? null : configuredCheckpointer(config.auditCheckpoints, lazySigner, report);
  const audit = new AuditLog(db, auditKey, checkpointer, (err) => report(err instanceof Error ? err.message : String(err)));
  const out = (s: string) => process.stdout.write(s + '\n');
  try {
    switch (`${group ?? ''} ${cmd ?? ''}`) {
      case 'user add': {
        const name = rest.find((a) => !a.startsWith('--'));
        if (!name) throw usageError('user add needs a NAME');
        const parsed = Username.safeParse(name);
        if (!parsed.success) throw usageError(parsed.error.issues[0]?.message ?? 'invalid username');
        const password = await readStdinLine();
        if (password.length < LIMITS.userPasswordMin) {
          throw usageError(`the password (read from stdin) must be at least ${LIMITS.userPasswordMin} characters`);
        }
        const user = await users.add(parsed.data, password, rest.includes('--admin'));
        await audit.append({ kind: AuditKind.USER_ADDED, actor: 'cli', data: { userId: user.id, username: user.username, admin: user.isAdmin } });
        out(`created user ${user.username}${user.isAdmin ? ' (admin)' : ''}`);
        return 0;
      }
      case 'user list': {
        for (const u of await users.list()) {
          out(`${u.username}\t${u.isAdmin ? 'admin' : 'user'}\t${u.disabled ? 'disabled' : 'active'}`);
        }
        return 0;
      }
      case 'user disable':
      case 'user enable': {
        const name = rest[0];
        if (!name) throw usageError(`user ${cmd} needs a NAME`);
        const u = await users.setDisabled(name, cmd === 'disable');
        await audit.append({ kind: cmd === 'disable' ? AuditKind.USER_DISABLED : AuditKind.USER_ENABLED, actor: 'cli', data: { userId: u.id } });
        out(`user ${name} ${cmd}d`);
        return 0;
      }
      case 'user email':
        await userEmailCommand(db, audit, rest, out);
        return 0;
      case 'user groups':
        await userGroupsCommand(db, audit, rest, out);
        return 0;
      case 'token create': {
        const name = rest[0];
        if (!name) throw usageError('token create needs a USER');
        const t = await users.createToken(name, rest[1] ?? 'api');
        await audit.append({ kind: AuditKind.TOKEN_CREATED, actor: 'cli', data: { tokenId: t.id, username: name } });
        out(t.token);
        process.stderr.write(`token ${t.id} created; it is shown only once\n`);
        return 0;
      }
      case 'token list': {
        for (const t of await users.listTokens()) {
          out(`${t.id}\t${t.username}\t${t.name}\t${t.createdAt}\t${t.revoked ? 'revoked' : 'active'}`);
        }
        return 0;
      }
      case 'token revoke': {
        const id = rest[0];
        if (!id) throw usageError('token revoke needs an ID');
        await users.revokeToken(id);
        await audit.append({ kind: AuditKind.TOKEN_REVOKED, actor: 'cli', data: { tokenId: id } });
        out(`token ${id} revoked`);
        return 0;
      }
      case 'audit verify':
        return await auditVerify(audit, auditKey, { dataDir: config.dataDir, checkpointFile: config.auditCheckpoints.file }, rest, out);
      case 'audit checkpoint':
        return await auditCheckpoint(audit, out);
      case 'certificate verify': {
        const file = rest[0];
        if (!file) throw usageError('certificate verify needs a FILE');
        let cert: unknown;
        try {
          cert = JSON.parse(fs.readFileSync(file, 'utf8'));
        } catch (err) {
          out(`INVALID: ${err instanceof SyntaxError ? 'not JSON' : `cannot read ${file}`}`);
          return 1;
        }
        const pinned = readCertificatePublicKey(config.dataDir);
        const verdict = verifyCertificate(cert, pinned ?? undefined);
        if (!verdict.valid) {
          out(`INVALID: ${verdict.reason}`);
          return 1;
        }
        const c = verdict.certificate;
        out(`valid: ${c.objectId} deleted ${c.deletedAt} by ${c.deletedBy}`);
        if (!pinned) {
          out(`note: ${certificatePublicKeyPath(config.dataDir)} is absent, so this was checked against the key inside the certificate: it was not edited, but this does not show which server signed it`);
        }
        return 0;
      }
      case 'export open':
        return await openExportCommand(rest);
      default:
        throw usageError(group ? `unknown command: ${argv.join(' ')}` : 'no command given');
    }
  } finally {
    await audit.close('cli');
    await db.destroy();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (isUsageError(err)) {
      process.stderr.write(`kaigi: ${err.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`kaigi: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
