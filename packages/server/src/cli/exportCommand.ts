// `kaigi export open FILE --out DIR`: decrypts an export archive (E5, format in
// packages/protocol/src/archive.ts) and writes each entry into DIR as its own file.
//
// The passphrase is the first line of stdin (so it never shows in the process list or the shell
// history). DIR is created with mode 0700 and each file with 0600; nothing existing is ever
// overwritten: if any entry's file already exists, nothing is written at all. Entry names were
// checked by openArchive to be bare file names; they are checked again here before any write.

import { constants as fsConstants, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ARCHIVE_LIMITS, ArchiveError, openArchive, readArchiveHeader } from '@kaigi/protocol';
import { CliError, commandError, isUsageError, usageError } from './CliError.js';

export const EXPORT_OPEN_USAGE = 'Usage: kaigi export open FILE --out DIR   (the passphrase is read from the first line of stdin)';

export interface ExportCommandIo {
  /** Returns the passphrase; by default the first line of stdin. */
  readPassphrase?: () => Promise<string>;
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
}


/** Longest first line of stdin that is read as a passphrase. */
const MAX_LINE_BYTES = 64 * 1024;

/**
 * Reads the first line of `input` (without its line ending), then stops reading and unrefs the
 * stream, so that a writer keeping the pipe open does not keep the process alive. Works for a
 * pipe, a file and a terminal (where the line ends when the user presses Enter).
 */
export function readFirstLine(input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: Error | null) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      input.pause();
      // A paused stdin pipe or terminal still holds the event loop open until EOF; let go of it.
      const handle = input as { unref?: () => void };
      if (typeof handle.unref === 'function') handle.unref();
      if (err) return reject(err);
      const all = Buffer.concat(chunks);
      const nl = all.indexOf(0x0a);
      let line = (nl === -1 ? all : all.subarray(0, nl)).toString('utf8');
      if (line.endsWith('\r')) line = line.slice(0, -1);
      resolve(line);
    };
    const onData = (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      chunks.push(b);
      size += b.length;
      if (b.includes(0x0a)) finish(null);
      else if (size > MAX_LINE_BYTES) finish(commandError('the first line of stdin is too long for a passphrase'));
    };
    const onEnd = () => finish(null);
    const onError = (err: Error) => finish(err);
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}

function parseArgs(args: string[]): { file: string; out: string } {
  let file: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--out' || a === '-o') {
      const v = args[++i];
      if (v === undefined || v === '') throw usageError(`${a} needs a DIR`);
      if (out !== undefined) throw usageError('--out given twice');
      out = v;
    } else if (a.startsWith('--out=')) {
      if (out !== undefined) throw usageError('--out given twice');
      out = a.slice('--out='.length);
      if (out === '') throw usageError('--out needs a DIR');
    } else if (a.startsWith('-') && a !== '-') {
      throw usageError(`unknown option: ${a}`);
    } else {
      if (file !== undefined) throw usageError(`unexpected argument: ${a}`);
      file = a;
    }
  }
  if (file === undefined) throw usageError('export open needs a FILE');
  if (out === undefined) throw usageError('export open needs --out DIR');
  return { file, out };
}

/** Terminal-safe text: control and bidi-override characters shown as "?". */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu, '?');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function statOrNull(p: string, follow: boolean): Promise<Stats | null> {
  try {
    return follow ? await stat(p) : await lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * `kaigi export open FILE --out DIR`. Returns the exit code: 0 done, 1 failed (nothing or only
 * complete files written), 2 usage error.
 */
export async function openExportCommand(args: string[], io: ExportCommandIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((s: string) => void process.stdout.write(s + '\n'));
  const stderr = io.stderr ?? ((s: string) => void process.stderr.write(s + '\n'));
  try {
    if (args.includes('--help') || args.includes('-h')) {
      stdout(EXPORT_OPEN_USAGE);
      return 0;
    }
    const { file, out } = parseArgs(args);
    const dir = path.resolve(out);

    const fileStat = await statOrNull(file, true).catch((err: unknown) => {
      throw commandError(`cannot read ${file}: ${errorText(err)}`);
    });
    if (!fileStat) throw commandError(`no such file: ${file}`);
    if (!fileStat.isFile()) throw commandError(`not a file: ${file}`);
    if (fileStat.size > ARCHIVE_LIMITS.maxArchiveBytes) throw commandError(`${file}: archive refused: the file is too large`);
    const dirStat = await statOrNull(dir, true);
    if (dirStat && !dirStat.isDirectory()) throw commandError(`${out} exists and is not a folder`);

    const bytes = new Uint8Array(await readFile(file));
    // Say "not a Kaigi archive" before asking for a passphrase.
    readArchiveHeader(bytes);

    const readPassphrase = io.readPassphrase ?? (() => {
      if (process.stdin.isTTY) process.stderr.write('Passphrase (it will be shown as you type): ');
      return readFirstLine(process.stdin);
    });
    const passphrase = await readPassphrase();
    if (passphrase === '') throw commandError('no passphrase: give it as the first line of stdin');

    const { manifest, entries } = await openArchive(passphrase, bytes);

    // Check every target before writing anything.
    const targets: { target: string; data: Uint8Array }[] = [];
    const existing: string[] = [];
    for (const e of entries) {
      const target = path.join(dir, e.name);
      if (path.dirname(target) !== dir || path.basename(target) !== e.name || e.name === '.' || e.name === '..') {
        throw commandError(`archive refused: unsafe entry name ${JSON.stringify(e.name)}`);
      }
      if (dirStat && (await statOrNull(target, false))) existing.push(e.name);
      targets.push({ target, data: e.data });
    }
    if (existing.length > 0) {
      throw commandError(
        `refusing to overwrite existing files in ${out}: ${existing.map((n) => printable(n)).join(', ')}; nothing was written`,
      );
    }

    if (!dirStat) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
    } else if ((dirStat.mode & 0o077) !== 0) {
      stderr(`kaigi: warning: ${out} can be read by other users (mode ${(dirStat.mode & 0o777).toString(8)})`);
    }

    const written: string[] = [];
    for (const { target, data } of targets) {
      let fh;
      try {
        // O_EXCL: fails if anything (a file, or a symlink even a dangling one) is already there.
        fh = await open(target, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
      } catch (err) {
        const why = (err as NodeJS.ErrnoException).code === 'EEXIST' ? 'it already exists' : errorText(err);
        throw commandError(
          `cannot write ${printable(target)}: ${why}; ${written.length} of ${targets.length} files were written before this`,
        );
      }
      try {
        await fh.chmod(0o600);
        await fh.writeFile(data);
      } finally {
        await fh.close();
      }
      written.push(target);
    }

    let total = 0;
    for (const e of manifest.entries) total += e.size;
    stdout(`meeting   ${printable(manifest.meetingId)}`);
    stdout(`title     ${printable(manifest.title)}`);
    stdout(`exported  ${printable(manifest.createdAt)}`);
    stdout(`${manifest.entries.length} ${manifest.entries.length === 1 ? 'entry' : 'entries'}, ${total} bytes, written to ${out}`);
    for (const e of manifest.entries) stdout(`  ${e.kind.padEnd(10)} ${String(e.size).padStart(12)}  ${printable(e.name)}`);
    return 0;
  } catch (err) {
    if (isUsageError(err)) {
      stderr(`kaigi: ${err.message}\n\n${EXPORT_OPEN_USAGE}`);
      return 2;
    }
    if (err instanceof ArchiveError || err instanceof CliError) {
      stderr(`kaigi: ${err.message}`);
      return 1;
    }
    stderr(`kaigi: ${errorText(err)}`);
    return 1;
  }
}
