import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTCPeerConnection } from 'werift';
import { boundSentHistory, SENT_HISTORY } from '../src/sfu/senderHistory.js';

const table = (sender: unknown) => (sender as { senderBWE: { sentInfos: Record<number, unknown> } }).senderBWE.sentInfos;

describe('sender history (D5, A6: memory of a long meeting)', () => {
  it('keeps the last SENT_HISTORY packets of a sender whose transport-wide numbers skip and wrap', async () => {
    const pc = new RTCPeerConnection();
    const { sender } = pc.addTransceiver('video', { direction: 'sendonly' });
    boundSentHistory(sender);
    // Every third number is this sender's (two others share the transport), across the wrap at 65536.
    let seq = 60_000;
    for (let i = 0; i < 20_000; i++, seq = (seq + 3) % 0x10000) {
      sender.senderBWE.rtpPacketSent({ wideSeq: seq, size: 1200, sendingAtMs: i, sentAtMs: i });
    }
    const kept = Object.keys(table(sender)).map(Number);
    assert.equal(kept.length, SENT_HISTORY);
    const last = (seq - 3 + 0x10000) % 0x10000;
    assert.ok(kept.includes(last), 'the newest packet is kept');
    assert.ok(!kept.includes(60_000), 'the oldest is gone');
    await pc.close();
  });

  it('without it, werift keeps every packet it ever sent (the leak this guards against)', async () => {
    const pc = new RTCPeerConnection();
    const { sender } = pc.addTransceiver('video', { direction: 'sendonly' });
    for (let i = 0; i < 5_000; i++) sender.senderBWE.rtpPacketSent({ wideSeq: i, size: 1200, sendingAtMs: i, sentAtMs: i });
    assert.equal(Object.keys(table(sender)).length, 5_000);
    await pc.close();
  });
});
