import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { ERROR_MESSAGES } from '@kaigi/protocol';
import { formatResult, runFuzz } from '../fuzz/fuzz.js';
import { startInProcessServer, type InProcessServer } from '../fuzz/server.js';

// The fuzzer's short run (B1, H4): 20,000 generated and mutated signalling frames and HTTP
// bodies against a server in this process; `npm run fuzz` is the long run. A fixed seed, so that
// a failure here is the same failure on the next run (FUZZ_SEED picks another).

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
const COUNT = 20_000;
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_207);

test(`fuzz (B1, H4): ${COUNT} generated messages and bodies, no crash, only known answers, bounded memory`, { timeout: 150_000 }, async () => {
  const r = await runFuzz({ count: COUNT, seed: SEED });
  process.stdout.write(`${formatResult(r)}\n`);
  // Every message of the budget went out: a harness that stalls or skips cannot pass.
  assert.equal(r.frames + r.requests, COUNT);
  assert.ok(r.answers > r.frames / 2, `only ${r.answers} signalling answers to ${r.frames} frames`);
  assert.deepEqual([...r.summary.keys()], [], formatResult(r));
});

// Regressions the fuzzer found, pinned as plain examples.
let server: InProcessServer;
before(async () => {
  server = await startInProcessServer();
});
after(async () => {
  await server.close();
});

async function answerTo(frame: string): Promise<Record<string, unknown>> {
  const ws = new WebSocket(`${server.url.replace('https:', 'wss:')}/ws`, { rejectUnauthorized: false });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const answer = new Promise<Record<string, unknown>>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()) as Record<string, unknown>)));
  ws.send(frame);
  const m = await answer;
  ws.close();
  return m;
}

test('an invalid message with a reqId no valid message could carry is answered without it (H4)', { timeout: 30_000 }, async () => {
  for (const reqId of [-1, 2 ** 31 + 1, 1e308, 0.5]) {
    const m = await answerTo(JSON.stringify({ type: 'ping', reqId }));
    assert.equal(m.type, 'error');
    assert.equal(m.code, 'INVALID_MESSAGE');
    assert.equal('reqId' in m, false, `reqId ${reqId} was echoed: ${JSON.stringify(m)}`);
  }
  // A valid one still is.
  const m = await answerTo(JSON.stringify({ type: 'bogus', reqId: 7 }));
  assert.equal(m.reqId, 7);
});

test('malformed URLs are answered with a known error code and the security headers, the path not echoed (H4)', { timeout: 30_000 }, async () => {
  for (const url of [`/api/meetings/${'a'.repeat(300)}`, '/api/meetings/%E2%80%AE%ED%A0%80/registrations', '/api/meetings/%zz']) {
    const r = await server.app.inject({ method: 'POST', url, payload: {} });
    assert.ok(r.statusCode === 400 || r.statusCode === 414, `${url}: ${r.statusCode}`);
    assert.deepEqual(r.json(), { code: 'VALIDATION', message: ERROR_MESSAGES.VALIDATION });
    assert.ok(r.headers['content-security-policy'], `${url}: no CSP`);
  }
});

test('an export passphrase of 12 UTF-16 units but fewer code points is refused as VALIDATION, not a 500 (E5, H4)', { timeout: 60_000 }, async () => {
  const m = server.httpMeetings[0];
  assert.ok(m);
  // 14 UTF-16 units, 11 code points: the schema's minimum passes, sealing's does not.
  const passphrase = 'ईè🗤🦞𐂊ᕫ┉⎱ЁᎸ';
  const r = await server.app.inject({ method: 'POST', url: `/api/meetings/${m.id}/export`, headers: { authorization: `Bearer ${server.token}` }, payload: { passphrase } });
  assert.equal(r.statusCode, 400, r.body);
  assert.equal(r.json<{ code: string }>().code, 'VALIDATION');
});
