import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sealArchive } from '@kaigi/protocol';
import { openExportCommand, readFirstLine } from '../src/cli/exportCommand.js';

const PASS = 'a long export passphrase';
const enc = (s: string) => new TextEncoder().encode(s);
const META = { meetingId: '0123456789abcdef', title: 'Quarterly review', createdAt: '2025-03-04T05:06:07.000Z' };
const ENTRIES = [
  { name: 'chat.json', kind: 'chat', data: enc('[{"text":"hello"}]') },
  { name: 'recording.webm', kind: 'recording', data: Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff) },
  { name: 'empty.txt', kind: 'file', data: new Uint8Array(0) },
  { name: '議事録.txt', kind: 'file', data: enc('議事録') },
];

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) } };
}

describe('kaigi export open', () => {
  let tmp: string;
  let archive: string;

  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'kaigi-export-'));
    archive = path.join(tmp, 'meeting.kaigiarc');
    await writeFile(archive, await sealArchive(PASS, META, ENTRIES, { iterations: 100_000 }));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('writes every entry into a new 0700 folder as 0600 files and prints the manifest', async () => {
    const out = path.join(tmp, 'new', 'nested');
    const c = capture();
    let asked = 0;
    const code = await openExportCommand([archive, '--out', out], { ...c.io, readPassphrase: async () => (asked++, PASS) });
    assert.equal(code, 0, c.err.join('\n'));
    assert.equal(asked, 1);
    assert.equal((await stat(out)).mode & 0o777, 0o700);
    assert.deepEqual((await readdir(out)).sort(), ENTRIES.map((e) => e.name).sort());
    for (const e of ENTRIES) {
      const p = path.join(out, e.name);
      assert.deepEqual(new Uint8Array(await readFile(p)), e.data, e.name);
      assert.equal((await stat(p)).mode & 0o777, 0o600, e.name);
    }
    const text = c.out.join('\n');
    assert.match(text, /0123456789abcdef/);
    assert.match(text, /Quarterly review/);
    assert.match(text, /2025-03-04T05:06:07/);
    assert.match(text, /4 entries/);
    for (const e of ENTRIES) assert.match(text, new RegExp(`${e.kind}.*${e.name}`));
  });

  it('accepts --out=DIR and an existing empty folder', async () => {
    const out = path.join(tmp, 'existing');
    await mkdir(out, { mode: 0o700 });
    const c = capture();
    assert.equal(await openExportCommand([`--out=${out}`, archive], { ...c.io, readPassphrase: async () => PASS }), 0, c.err.join('\n'));
    assert.equal((await readdir(out)).length, ENTRIES.length);
  });

  it('does not open with a wrong passphrase, and creates nothing', async () => {
    const out = path.join(tmp, 'wrong');
    const c = capture();
    assert.equal(await openExportCommand([archive, '--out', out], { ...c.io, readPassphrase: async () => 'not the passphrase' }), 1);
    assert.match(c.err.join('\n'), /wrong passphrase or damaged archive/);
    await assert.rejects(stat(out), { code: 'ENOENT' });
  });

  it('refuses to overwrite: one existing file means nothing is written', async () => {
    const out = path.join(tmp, 'clash');
    await mkdir(out, { mode: 0o700 });
    await writeFile(path.join(out, 'recording.webm'), 'mine');
    const c = capture();
    assert.equal(await openExportCommand([archive, '--out', out], { ...c.io, readPassphrase: async () => PASS }), 1);
    assert.match(c.err.join('\n'), /refusing to overwrite.*recording\.webm.*nothing was written/);
    assert.deepEqual(await readdir(out), ['recording.webm']);
    assert.equal(await readFile(path.join(out, 'recording.webm'), 'utf8'), 'mine');
  });

  it('does not follow a symlink planted under an entry name', async () => {
    const out = path.join(tmp, 'link');
    await mkdir(out, { mode: 0o700 });
    const victim = path.join(tmp, 'victim.txt');
    await symlink(victim, path.join(out, 'chat.json')); // dangling
    const c = capture();
    assert.equal(await openExportCommand([archive, '--out', out], { ...c.io, readPassphrase: async () => PASS }), 1);
    assert.match(c.err.join('\n'), /refusing to overwrite.*chat\.json/);
    await assert.rejects(stat(victim), { code: 'ENOENT' });
    assert.ok((await lstat(path.join(out, 'chat.json'))).isSymbolicLink());
  });

  it('says "not a Kaigi archive" before asking for a passphrase', async () => {
    const notArchive = path.join(tmp, 'notes.txt');
    await writeFile(notArchive, 'just some notes, long enough to have a header and a tag in it');
    const c = capture();
    const code = await openExportCommand([notArchive, '--out', path.join(tmp, 'x')], {
      ...c.io,
      readPassphrase: async () => assert.fail('asked for a passphrase'),
    });
    assert.equal(code, 1);
    assert.match(c.err.join('\n'), /not a Kaigi archive/);
  });

  it('refuses a damaged archive and a missing file', async () => {
    const bytes = new Uint8Array(await readFile(archive));
    bytes[bytes.length - 1]! ^= 1;
    const damaged = path.join(tmp, 'damaged.kaigiarc');
    await writeFile(damaged, bytes);
    const c = capture();
    assert.equal(await openExportCommand([damaged, '--out', path.join(tmp, 'd')], { ...c.io, readPassphrase: async () => PASS }), 1);
    assert.match(c.err.join('\n'), /wrong passphrase or damaged archive/);
    const m = capture();
    assert.equal(await openExportCommand([path.join(tmp, 'absent'), '--out', path.join(tmp, 'd')], { ...m.io, readPassphrase: async () => PASS }), 1);
    assert.match(m.err.join('\n'), /no such file/);
  });

  it('refuses an --out that is a file', async () => {
    const c = capture();
    assert.equal(await openExportCommand([archive, '--out', archive], { ...c.io, readPassphrase: async () => PASS }), 1);
    assert.match(c.err.join('\n'), /not a folder/);
  });

  it('answers usage errors with exit code 2 and the usage line', async () => {
    for (const args of [[], [archive], ['--out', tmp], [archive, '--out'], [archive, '--out', tmp, '--force'], [archive, 'second', '--out', tmp]]) {
      const c = capture();
      assert.equal(await openExportCommand(args, { ...c.io, readPassphrase: async () => PASS }), 2, args.join(' '));
      assert.match(c.err.join('\n'), /Usage: kaigi export open FILE --out DIR/);
    }
  });

  it('reads the passphrase from the first line of stdin (a real process)', async () => {
    const out = path.join(tmp, 'stdin');
    const script = path.join(tmp, 'run.mts');
    const mod = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli/exportCommand.ts');
    await writeFile(
      script,
      `import { openExportCommand } from ${JSON.stringify(mod)};\nprocess.exitCode = await openExportCommand(process.argv.slice(2));\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script, archive, '--out', out], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // The line ends with CRLF and more follows; stdin stays open: the command must not wait for EOF.
    child.stdin.write(`${PASS}\r\nsecond line\n`);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.stdin.destroy();
    assert.equal(code, 0, stderr);
    assert.match(stdout, /4 entries/);
    assert.deepEqual(new Uint8Array(await readFile(path.join(out, 'recording.webm'))), ENTRIES[1]!.data);
  });
});

describe('readFirstLine', () => {
  it('returns the first line without its ending, across chunks and multi-byte characters', async () => {
    const s = new PassThrough();
    const p = readFirstLine(s);
    const bytes = Buffer.from('パスフレーズ phrase\r\nnext\n');
    s.write(bytes.subarray(0, 4));
    s.write(bytes.subarray(4, 11));
    s.write(bytes.subarray(11));
    assert.equal(await p, 'パスフレーズ phrase');
  });

  it('takes everything up to EOF when there is no newline', async () => {
    const s = new PassThrough();
    const p = readFirstLine(s);
    s.end('no newline here');
    assert.equal(await p, 'no newline here');
  });

  it('refuses an endless line', async () => {
    const s = new PassThrough();
    const p = readFirstLine(s);
    s.write(Buffer.alloc(70 * 1024, 0x61));
    await assert.rejects(p, /too long/);
  });
});
