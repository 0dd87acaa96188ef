// The built bundles, read as shipped: the production build (dist/, what the server serves) holds
// no test hook, and the e2e test build (dist-test/, `vite build --mode e2e`) holds them all, so
// the search below is known to find them where they are. Run after `npm run -s build`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLIENT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Names only the test hooks use: the page's global, its members, the worker's marker message and counter. */
const PAGE_HOOKS = ['__kaigi', 'cutMedia', 'dropConnection', 'setMarker'];
const WORKER_HOOKS = ['kaigiTest.setMarker', 'setMarker', 'markerSeen'];

interface Bundle {
  /** Every script of the bundle, by file name. */
  scripts: Map<string, string>;
  page: string;
  worker: string;
}

function readBundle(dir: string): Bundle {
  const root = path.join(CLIENT, dir);
  assert.ok(existsSync(path.join(root, 'index.html')), `${dir}/index.html is missing: run \`npm run -s build\` first`);
  const scripts = new Map<string, string>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.js')) scripts.set(entry.name, readFileSync(path.join(entry.parentPath, entry.name), 'utf8'));
  }
  const pick = (re: RegExp, what: string): string => {
    const names = [...scripts.keys()].filter((n) => re.test(n));
    assert.equal(names.length, 1, `${dir}: one ${what} chunk, found ${names.join(', ') || 'none'}`);
    return scripts.get(names[0] ?? '') ?? '';
  };
  return { scripts, page: pick(/^index-.*\.js$/, 'page'), worker: pick(/^e2ee\.worker-.*\.js$/, 'E2EE worker') };
}

test('the production bundle holds no test hook, in the page or in the E2EE worker', () => {
  const prod = readBundle('dist');
  // The right files were read: the worker chunk is the worker (a request only it handles).
  assert.ok(prod.worker.includes('checkKeyStart'), 'the worker chunk holds the worker');
  for (const [name, text] of prod.scripts) {
    for (const hook of [...PAGE_HOOKS, ...WORKER_HOOKS]) assert.equal(text.includes(hook), false, `${name} contains ${hook}`);
    assert.equal(text.includes('VITE_KAIGI_TEST_HOOKS'), false, `${name} reads the test flag at run time`);
  }
  // The worker changes no plaintext: not a byte of marker code in it.
  assert.doesNotMatch(prod.worker, /marker/i, 'the production worker mentions a marker');
});

test('the e2e test bundle holds the hooks the production bundle must not', () => {
  const e2e = readBundle('dist-test');
  for (const hook of PAGE_HOOKS) assert.ok(e2e.page.includes(hook), `the test page has ${hook}`);
  for (const hook of WORKER_HOOKS) assert.ok(e2e.worker.includes(hook), `the test worker has ${hook}`);
});
