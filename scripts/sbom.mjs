#!/usr/bin/env node
// A CycloneDX SBOM of what Kaigi ships (H3): `node scripts/sbom.mjs OUT`, offline.
//
// It runs `npm sbom --sbom-format cyclonedx --omit dev`, then checks that every production
// package installed from package-lock.json is in it. npm 11 drops a shipped package from that
// SBOM when another workspace also lists it as a devDependency (werift, ws and better-sqlite3,
// which the e2e workspace uses in tests): then the SBOM is built from npm's full one, less the
// packages npm itself marks as development only, and the script says so. Either way it fails
// (status 3) rather than write an SBOM that misses a shipped package.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'dist/sbom.cdx.json'));
const say = (s) => process.stderr.write(`sbom: ${s}\n`);

function npmSbom(omitDev) {
  const args = ['sbom', '--sbom-format', 'cyclonedx', ...(omitDev ? ['--omit', 'dev'] : [])];
  const r = spawnSync('npm', args, { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) {
    say(`npm ${args.join(' ')} failed (${r.status}): ${r.stderr.trim().slice(0, 2000)}`);
    process.exit(3);
  }
  return JSON.parse(r.stdout);
}

/** name@version of every production package the lockfile installs (optional ones only if present). */
function shippedPackages() {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const shipped = new Set();
  for (const [key, p] of Object.entries(lock.packages ?? {})) {
    if (!key.includes('node_modules/') || p.dev || p.link) continue;
    if (!fs.existsSync(path.join(root, key, 'package.json'))) continue;
    shipped.add(`${key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length)}@${p.version}`);
  }
  return shipped;
}

const isDev = (c) => (c.properties ?? []).some((p) => p.name === 'cdx:npm:package:development' && p.value === 'true');
const missingFrom = (bom, shipped) => {
  const listed = new Set((bom.components ?? []).map((c) => `${c.name}@${c.version}`));
  return [...shipped].filter((k) => !listed.has(k));
};

const shipped = shippedPackages();
let bom = npmSbom(true);
let missing = missingFrom(bom, shipped);
if (missing.length > 0) {
  say(`npm sbom --omit dev left out ${missing.length} shipped package(s): ${missing.slice(0, 20).join(', ')}`);
  say('building the SBOM from npm\'s full SBOM less the packages it marks as development only');
  const full = npmSbom(false);
  const kept = (full.components ?? []).filter((c) => !isDev(c));
  const refs = new Set(kept.map((c) => c['bom-ref']));
  refs.add(full.metadata?.component?.['bom-ref']);
  bom = {
    ...full,
    components: kept,
    dependencies: (full.dependencies ?? []).filter((d) => refs.has(d.ref)).map((d) => ({ ...d, dependsOn: (d.dependsOn ?? []).filter((r) => refs.has(r)) })),
  };
  missing = missingFrom(bom, shipped);
  if (missing.length > 0) {
    say(`still missing: ${missing.join(', ')}`);
    process.exit(3);
  }
}
// npm names the root after its folder; the SBOM is of the product.
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
if (bom.metadata?.component) Object.assign(bom.metadata.component, { name: pkg.name, version: pkg.version });
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify(bom, null, 2)}\n`);
say(`${bom.components.length} components (${shipped.size} shipped packages from package-lock.json, all listed) -> ${out}`);
