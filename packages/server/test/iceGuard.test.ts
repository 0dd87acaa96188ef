// D1, D5: only a STUN check that proves knowledge of the transport's ICE password may reach
// werift (be answered, move the selected pair, let DTLS/SRTP in). Requests are built with
// werift's own STUN encoder, so the check is tested against a second implementation.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { classes, Message, methods } from 'werift';
import { attachIceGuard, IceGuard, verifyBindingRequest, type IceCredentials, type WeriftProtocol } from '../src/sfu/IceGuard.js';

const CREDS: IceCredentials = { localUfrag: 'SfUx', localPwd: 'localpasswordof22chars', remoteUfrag: 'brws' };

interface RequestOptions {
  username?: string | null;
  key?: string | null;
  fingerprint?: boolean;
  method?: number;
  cls?: number;
}

function request(o: RequestOptions = {}): Buffer {
  const m = new Message(o.method ?? methods.BINDING, o.cls ?? classes.REQUEST);
  const username = o.username === undefined ? `${CREDS.localUfrag}:${CREDS.remoteUfrag}` : o.username;
  if (username !== null) m.setAttribute('USERNAME', username);
  m.setAttribute('PRIORITY', 1853824767);
  m.setAttribute('ICE-CONTROLLING', 0x1234567890n);
  m.setAttribute('USE-CANDIDATE', null);
  const key = o.key === undefined ? CREDS.localPwd : o.key;
  if (key !== null) m.addMessageIntegrity(Buffer.from(key, 'utf8'));
  if (o.fingerprint !== false) m.addFingerprint();
  return m.bytes;
}

function reason(data: Uint8Array, creds = CREDS): string {
  const v = verifyBindingRequest(data, creds);
  return v.ok ? 'ok' : v.reason;
}

/** Appends a raw attribute to a message and fixes its length field. */
function append(msg: Buffer, type: number, value: Buffer): Buffer {
  const pad = (4 - (value.length % 4)) % 4;
  const attr = Buffer.alloc(4 + value.length + pad);
  attr.writeUInt16BE(type, 0);
  attr.writeUInt16BE(value.length, 2);
  value.copy(attr, 4);
  const out = Buffer.concat([msg, attr]);
  out.writeUInt16BE(out.length - 20, 2);
  return out;
}

describe('verifyBindingRequest (D1, D5: RFC 5389 short-term credentials on ICE checks)', () => {
  it('accepts a check with the right USERNAME and MESSAGE-INTEGRITY, with or without FINGERPRINT', () => {
    assert.equal(reason(request()), 'ok');
    assert.equal(reason(request({ fingerprint: false })), 'ok');
  });

  it('refuses a made-up, swapped or partial USERNAME, and a missing one', () => {
    assert.equal(reason(request({ username: 'evil:evil' })), 'wrong-username');
    assert.equal(reason(request({ username: `XXXX:${CREDS.remoteUfrag}` })), 'wrong-username', 'wrong local ufrag');
    assert.equal(reason(request({ username: `${CREDS.localUfrag}:XXXX` })), 'wrong-username', 'wrong remote ufrag');
    assert.equal(reason(request({ username: `${CREDS.remoteUfrag}:${CREDS.localUfrag}` })), 'wrong-username', 'swapped');
    assert.equal(reason(request({ username: CREDS.localUfrag })), 'wrong-username', 'local ufrag alone');
    assert.equal(reason(request({ username: null })), 'wrong-username');
  });

  it('refuses a check without MESSAGE-INTEGRITY or keyed with another password', () => {
    assert.equal(reason(request({ key: null })), 'no-integrity');
    assert.equal(reason(request({ key: null, fingerprint: false })), 'no-integrity');
    assert.equal(reason(request({ key: 'anotherpasswordof22chr' })), 'bad-integrity');
    assert.equal(reason(request({ key: '' })), 'bad-integrity');
    const flipped = request({ fingerprint: false });
    flipped[flipped.length - 1]! ^= 1;
    assert.equal(reason(flipped), 'bad-integrity');
  });

  it('refuses a wrong FINGERPRINT', () => {
    const bad = request();
    bad[bad.length - 1]! ^= 0x80;
    assert.equal(reason(bad), 'bad-fingerprint');
  });

  it('refuses attributes after MESSAGE-INTEGRITY (they would escape the HMAC) and repeated USERNAMEs', () => {
    const signed = request({ fingerprint: false });
    assert.equal(reason(append(signed, 0x0025, Buffer.alloc(0))), 'malformed', 'USE-CANDIDATE after the HMAC');
    assert.equal(reason(append(signed, 0x0006, Buffer.from('evil:evil'))), 'malformed', 'USERNAME after the HMAC');
    const m = new Message(methods.BINDING, classes.REQUEST);
    m.setAttribute('USERNAME', `${CREDS.localUfrag}:${CREDS.remoteUfrag}`);
    const twice = append(m.bytes, 0x0006, Buffer.from('evil:evil'));
    assert.equal(reason(twice), 'malformed');
  });

  it('refuses truncated datagrams and garbage', () => {
    const good = request();
    for (let n = 0; n < good.length; n++) {
      assert.notEqual(reason(good.subarray(0, n)), 'ok', `cut at ${n}`);
    }
    assert.equal(reason(Buffer.alloc(0)), 'not-stun');
    const lying = Buffer.from(good);
    lying.writeUInt16BE(good.length, 2);
    assert.equal(reason(lying), 'malformed', 'length field beyond the datagram');
    const overrun = Buffer.from(good);
    overrun.writeUInt16BE(0xfff0, 22);
    assert.equal(reason(overrun), 'malformed', 'attribute beyond the datagram');
    for (let i = 0; i < 500; i++) {
      const junk = randomBytes(20 + (i % 100));
      assert.notEqual(reason(junk), 'ok');
      junk.writeUInt32BE(0x2112a442, 4);
      junk[0] = 0;
      junk[1] = 1;
      assert.notEqual(reason(junk), 'ok');
    }
  });

  it('refuses other STUN methods and classes', () => {
    assert.equal(reason(request({ method: methods.ALLOCATE })), 'not-binding');
    assert.equal(reason(request({ cls: classes.RESPONSE })), 'not-request');
    assert.equal(reason(request({ cls: classes.INDICATION })), 'not-request');
    assert.equal(reason(Buffer.from([22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), 'not-stun', 'a DTLS record');
  });

  it('accepts nothing while either side has no credentials', () => {
    assert.equal(reason(request(), { ...CREDS, remoteUfrag: '' }), 'no-credentials');
    assert.equal(reason(request({ key: '' }), { ...CREDS, localPwd: '' }), 'no-credentials');
  });
});

describe('IceGuard (D1: who may feed a transport)', () => {
  const A = ['192.0.2.1', 5000] as const;
  const B = ['192.0.2.66', 5000] as const;
  const dtls = Buffer.from([22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1]);

  it('lets DTLS/SRTP in only from an address that sent a verified check, for the current remote ufrag', () => {
    let creds = CREDS;
    const guard = new IceGuard(() => creds);
    assert.equal(guard.admit(dtls, A), false, 'nothing before a check');
    assert.equal(guard.admit(request({ username: 'evil:evil', key: null }), B), false);
    assert.equal(guard.admit(request({ key: 'anotherpasswordof22chr' }), B), false);
    assert.equal(guard.admit(request(), A), true);
    assert.equal(guard.admit(dtls, A), true);
    assert.equal(guard.admit(request({ cls: classes.RESPONSE }), A), true, 'a response from the peer');
    assert.equal(guard.admit(dtls, B), false, 'not from another address');
    assert.equal(guard.admit(request({ key: null }), A), false, 'requests are checked from trusted addresses too');
    assert.equal(guard.admit(request({ method: methods.ALLOCATE }), A), false);
    creds = { ...CREDS, remoteUfrag: 'next' };
    assert.equal(guard.admit(dtls, A), false, 'a new remote ufrag needs a new check');
    assert.equal(guard.dropped, 7);
  });

  it('guards the sockets a werift connection has and every one it opens later', () => {
    const received: string[] = [];
    const socket = (name: string): WeriftProtocol => ({ datagramReceived: (d) => received.push(`${name}:${d.length}`) });
    const tcp: WeriftProtocol = { handleFrame: (d) => received.push(`tcp:${d.length}`) };
    const early = socket('early');
    const ensured: WeriftProtocol[] = [];
    const conn = {
      localUsername: CREDS.localUfrag,
      localPassword: CREDS.localPwd,
      remoteUsername: CREDS.remoteUfrag,
      protocols: [early],
      ensureProtocol(p: WeriftProtocol) {
        ensured.push(p);
      },
    };
    const guard = attachIceGuard(conn);
    const late = socket('late');
    conn.ensureProtocol(late);
    conn.ensureProtocol(tcp);
    assert.deepEqual(ensured, [late, tcp], 'werift still sees its protocols');
    for (const p of [early, late, tcp]) {
      const receive = (p.datagramReceived ?? p.handleFrame)!;
      receive(request({ username: 'evil:evil', key: null }), B);
      receive(dtls, B);
      receive(request(), A);
    }
    assert.deepEqual(received, [`early:${request().length}`, `late:${request().length}`, `tcp:${request().length}`]);
    assert.equal(guard.dropped, 6);
    assert.throws(() => conn.ensureProtocol({}), /unknown receive path/);
    assert.throws(() => attachIceGuard({}), /internals changed/);
  });
});
