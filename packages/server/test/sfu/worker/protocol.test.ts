// The main thread <-> media worker messages are parsed at the boundary (issue 15 item 3): a
// message of the wrong shape, or too large, is dropped before anything acts on it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFromWorker, parseToWorker } from '../../../src/sfu/worker/protocol.js';

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n';

describe('media worker protocol', () => {
  it('accepts each well-formed request and datagram', () => {
    assert.ok(parseToWorker({ t: 'open', router: 'r1', backOff: false }));
    assert.ok(parseToWorker({ t: 'publish', id: 1, router: 'r1', pid: 'alice', sdp: SDP, tracks: [{ mid: '0', source: 'camera' }] }));
    assert.ok(parseToWorker({ t: 'datagram', data: new Uint8Array(20), ip: '127.0.0.1', port: 5000 }));
    assert.ok(parseFromWorker({ t: 'changed', router: 'r1', publishing: [['alice', ['camera', 'microphone']]] }));
    assert.ok(parseFromWorker({ t: 'tick', router: 'r1', loudest: null, quality: [['bob', 'good'], ['carol', null]] }));
  });

  it('drops what is not a plain message: null, strings, arrays, buffers, unknown types, extra fields', () => {
    for (const raw of [null, undefined, 'open', 42, [], Buffer.alloc(10), { t: 'nope' }, { t: 'open', router: 'r1', backOff: false, extra: 1 }]) {
      assert.equal(parseToWorker(raw), null, JSON.stringify(raw));
      assert.equal(parseFromWorker(raw), null, JSON.stringify(raw));
    }
  });

  it('drops oversized parts: a datagram over the MTU or under 4 bytes, a 65 KiB SDP, an endless list, a long id', () => {
    assert.equal(parseToWorker({ t: 'datagram', data: new Uint8Array(1501), ip: '127.0.0.1', port: 5000 }), null);
    assert.equal(parseToWorker({ t: 'datagram', data: new Uint8Array(3), ip: '127.0.0.1', port: 5000 }), null);
    assert.equal(parseToWorker({ t: 'datagram', data: 'abcd', ip: '127.0.0.1', port: 5000 }), null);
    assert.equal(parseToWorker({ t: 'subscribeAnswer', id: 1, router: 'r1', pid: 'a', sdp: SDP + 'x'.repeat(65 * 1024) }), null);
    const many = Array.from({ length: 1001 }, (_, i) => [`p${i}`, null]);
    assert.equal(parseFromWorker({ t: 'tick', router: 'r1', loudest: null, quality: many }), null);
    assert.equal(parseToWorker({ t: 'subscribe', router: 'r'.repeat(65), pid: 'a' }), null);
    assert.equal(parseFromWorker({ t: 'send', data: new Uint8Array(2000), ip: '127.0.0.1', port: 1 }), null);
  });

  it('drops wrong values: a bad source, a port out of range, a negative request id, a non-IPv4 address', () => {
    assert.equal(parseToWorker({ t: 'closeProducer', router: 'r1', pid: 'a', source: 'speaker' }), null);
    assert.equal(parseToWorker({ t: 'datagram', data: new Uint8Array(20), ip: '127.0.0.1', port: 70000 }), null);
    assert.equal(parseFromWorker({ t: 'result', id: -1, ok: true, value: 'x' }), null);
    assert.equal(parseFromWorker({ t: 'tuple', ip: 'example.org', port: 1, on: true }), null);
  });
});
