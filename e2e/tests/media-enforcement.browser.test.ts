// C1, C2, B6 on the media plane: the server, not the UI, decides who may publish what. A
// modified client cannot send what it may not; withdrawing a permission or removing someone
// stops their media at everyone within a second.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { until, type RawMediaClient } from '../support/rawMedia.js';
import { rawMeeting, type RawMeeting } from '../support/rawMeeting.js';
import type { WsClient } from '../support/ws.js';

let room: RawMeeting;
let hostWs: WsClient;

before(async () => {
  room = await rawMeeting('Media rules');
  hostWs = room.hostWs;
});

after(async () => {
  await room?.close();
});

const join = (name: string) => room.join(name);

const from = (list: Awaited<ReturnType<RawMediaClient['inbound']>>, pid: string, kind: string) =>
  list.filter((s) => s.participantId === pid && s.kind === kind);

describe('publishing is decided by the server (C1, C2)', () => {
  it('refuses a forbidden source and forwards nothing a modified client sneaks in', async () => {
    assert.equal((await hostWs.request({ type: 'setMediaPermissions', permissions: { microphone: false } })).type, 'ok');
    const observer = await join('Observer');
    const guest = await join('Guest');

    const refused = await guest.publish({ audio: 'microphone', video: 'camera' });
    assert.equal(refused.type, 'error');
    assert.equal(refused.code, 'FORBIDDEN');

    // The same audio track sent but left out of the list, and a second client that labels its
    // microphone as a camera: the video flows, the audio reaches no one.
    const ok = await guest.publish({ audio: null, video: 'camera' });
    assert.equal(ok.type, 'publishAnswer');
    const liar = await join('Liar');
    const lied = await liar.publish({ audio: 'camera' });
    assert.equal(lied.type, 'publishAnswer', 'the offer is answered, with the mislabelled track refused');
    await until(() => observer.inbound(), (l) => from(l, guest.participantId, 'video').some((s) => s.framesDecoded > 10), 20_000, "guest's video");
    await new Promise((r) => setTimeout(r, 1500));
    const stats = await observer.inbound();
    assert.equal(from(stats, guest.participantId, 'audio').length, 0, 'no audio track from the guest');
    assert.equal(stats.filter((s) => s.participantId === liar.participantId).length, 0, 'nothing from the liar');
    const audioBytes = stats.filter((s) => s.kind === 'audio').reduce((n, s) => n + s.bytes, 0);
    assert.equal(audioBytes, 0, 'no audio reached the observer at all');
    for (const c of [observer, guest, liar]) await c.page.close();
  });

  it('stops a producer within a second when the permission is withdrawn', async () => {
    assert.equal((await hostWs.request({ type: 'setMediaPermissions', permissions: { microphone: true } })).type, 'ok');
    const observer = await join('Observer 2');
    const speaker = await join('Speaker');
    assert.equal((await speaker.publish({ audio: 'microphone' })).type, 'publishAnswer');
    const audio = () => observer.inbound().then((l) => from(l, speaker.participantId, 'audio').reduce((n, s) => n + s.packets, 0));
    await until(audio, (n) => n > 50, 20_000, "speaker's audio");

    assert.equal((await hostWs.request({ type: 'setMediaPermissions', permissions: { microphone: false } })).type, 'ok');
    const withdrawnAt = Date.now();
    await until(() => speaker.messages(), (ms) => ms.some((m) => m.type === 'mediaStopped' && m.source === 'microphone' && m.reason === 'permission'), 30_000, 'mediaStopped');
    const stoppedAfter = await stillAfter(audio, withdrawnAt);
    console.log(`audio stopped at the observer ${stoppedAfter} ms after the permission was withdrawn`);
    assert.ok(stoppedAfter < 1000, `audio kept flowing for ${stoppedAfter} ms`);
    for (const c of [observer, speaker]) await c.page.close();
  });
});

describe('removal stops media at everyone (B6)', () => {
  it("stops a removed participant's video at the others within a second", async () => {
    assert.equal((await hostWs.request({ type: 'setMediaPermissions', permissions: { microphone: true, camera: true } })).type, 'ok');
    const observer = await join('Observer 3');
    const removed = await join('Troll');
    assert.equal((await removed.publish({ audio: 'microphone', video: 'camera' })).type, 'publishAnswer');
    const frames = () => observer.inbound().then((l) => from(l, removed.participantId, 'video').reduce((n, s) => n + s.framesDecoded, 0));
    await until(frames, (n) => n > 20, 20_000, "troll's video");
    assert.equal((await hostWs.request({ type: 'remove', participantId: removed.participantId })).type, 'ok');
    const removedAt = Date.now();
    const stoppedAfter = await stillAfter(frames, removedAt);
    console.log(`video stopped at the observer ${stoppedAfter} ms after the removal`);
    assert.ok(stoppedAfter < 1000, `video kept decoding for ${stoppedAfter} ms`);
    for (const c of [observer, removed]) await c.page.close();
  });
});

/** Polls a growing counter for 3 s and returns when (ms after t0) it last grew. */
async function stillAfter(counter: () => Promise<number>, t0: number): Promise<number> {
  let last = await counter();
  let lastChange = Date.now();
  while (Date.now() - t0 < 3000) {
    await new Promise((r) => setTimeout(r, 50));
    const v = await counter();
    if (v !== last) {
      last = v;
      lastChange = Date.now();
    }
  }
  return Math.max(0, lastChange - t0);
}
