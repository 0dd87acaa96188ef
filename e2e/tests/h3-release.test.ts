import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../support/server.js';

// H3: security advisories (SECURITY.md), versioned releases (CHANGELOG.md), dependency audit
// (scripts/dependency-audit.sh). Nothing here needs the network: the SBOM is made offline, and
// the audit is run against a registry that cannot answer, where it must say so, not pass.

const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');
const headings = (md: string, level: number) =>
  md
    .split('\n')
    .filter((l) => l.startsWith(`${'#'.repeat(level)} `))
    .map((l) => l.slice(level + 1).trim());

interface LockPackage {
  version?: string;
  dev?: boolean;
}
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, LockPackage> };

test('H3: SECURITY.md says how to report privately, what is supported, what counts and how fast we answer', () => {
  const md = read('SECURITY.md');
  const h2 = headings(md, 2);
  for (const section of ['Reporting a vulnerability', 'Supported versions', 'What counts', 'Response times']) {
    assert.ok(h2.includes(section), `SECURITY.md has no "## ${section}" (has: ${h2.join(', ')})`);
  }
  assert.match(md, /\*\*privately\*\*/i);
  // The contact is a placeholder the operator must set, and says so where it stands.
  assert.match(md, /security@kaigi\.invalid.*\n?.*PLACEHOLDER/);
  assert.match(md, /acknowledge[^|]*\|\s*\d+ working days/i);
});

test('H3: CHANGELOG.md has an Unreleased section and an entry for the version in package.json', () => {
  const md = read('CHANGELOG.md');
  const version = (JSON.parse(read('package.json')) as { version: string }).version;
  const h2 = headings(md, 2);
  assert.equal(h2[0], '[Unreleased]', 'the newest section is [Unreleased]');
  const entry = h2.find((h) => h.startsWith(`[${version}]`));
  assert.ok(entry, `no "## [${version}]" in CHANGELOG.md`);
  assert.match(entry, /^\[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}$/, 'a release heading is "[x.y.z] - YYYY-MM-DD"');
  // Every release section says something under a Keep a Changelog category.
  for (const section of md.split(/\n(?=## )/).filter((s) => s.startsWith('## '))) {
    assert.match(section, /\n### (Added|Changed|Deprecated|Removed|Fixed|Security)\n+- /, `empty section: ${section.split('\n')[0]}`);
  }
  assert.match(md.split(`## [${version}]`)[0] ?? '', /### Security\n/, 'the hardening lists its security fixes');
});

function run(args: string[], env: Record<string, string> = {}): { status: number | null; out: string } {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/dependency-audit.sh'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 240_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('H3: the SBOM lists every shipped dependency at the version package-lock.json pins, and no dev-only one', { timeout: 300_000 }, () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-sbom-')), 'sbom.cdx.json');
  const r = run(['--sbom-only', out]);
  assert.equal(r.status, 0, r.out);
  const bom = JSON.parse(fs.readFileSync(out, 'utf8')) as {
    bomFormat: string;
    metadata: { component: { name: string; version: string } };
    components: { name: string; version: string; purl?: string }[];
  };
  assert.equal(bom.bomFormat, 'CycloneDX');
  assert.equal(bom.metadata.component.name, 'kaigi');
  const listed = new Map(bom.components.map((c) => [c.name, c]));
  for (const name of ['fastify', 'werift', 'ws', 'better-sqlite3', 'zod', '@node-rs/argon2', 'kysely']) {
    const pinned = lock.packages[`node_modules/${name}`]?.version;
    assert.ok(pinned, `${name} is not in package-lock.json`);
    assert.equal(listed.get(name)?.version, pinned, `${name}: SBOM has ${listed.get(name)?.version}, lock pins ${pinned}`);
    assert.equal(listed.get(name)?.purl, `pkg:npm/${name.replace('@', '%40')}@${pinned}`);
  }
  // And every other installed production package of the lockfile, at its pinned version.
  const versions = new Set(bom.components.map((c) => `${c.name}@${c.version}`));
  for (const [key, p] of Object.entries(lock.packages)) {
    if (!key.includes('node_modules/') || p.dev || 'link' in p || !fs.existsSync(path.join(ROOT, key, 'package.json'))) continue;
    const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    assert.ok(versions.has(`${name}@${p.version}`), `${name}@${p.version} (shipped) is not in the SBOM`);
  }
  // Test and build tools are not shipped.
  for (const name of ['typescript', 'fast-check', 'playwright-core', 'eslint', 'tsx']) {
    assert.equal(listed.has(name), false, `${name} (dev only) is in the SBOM`);
  }
});

test('H3: when the advisory data cannot be reached, the audit says AUDIT NOT DONE and exits 2, never passes', { timeout: 300_000 }, () => {
  // A registry on a closed loopback port: no network needed, and nothing can answer.
  const r = run([path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-sbom-')), 'sbom.json')], {
    npm_config_registry: 'http://127.0.0.1:9/',
    npm_config_fetch_retries: '0',
    npm_config_fetch_timeout: '5000',
    npm_config_offline: 'false',
  });
  assert.equal(r.status, 2, r.out);
  assert.match(r.out, /AUDIT NOT DONE: the advisory data could not be reached/);
  assert.doesNotMatch(r.out, /AUDIT OK/);
});
