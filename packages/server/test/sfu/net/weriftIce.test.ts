// How a werift ICE connection is put on the media port (issue 15 item 1): gathering is cut to the
// configured address, every StunProtocol gets a virtual transport instead of a socket, werift's
// own STUN answers are dropped (Kaigi answered), and a connection that gathered before the binding
// attached is adopted (its socket closed, its candidate moved to the port). A stand-in connection
// with werift's shape, so each rule is checked on its own.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { IceAddress } from '../../../src/sfu/IceGuard.js';
import { MediaNet } from '../../../src/sfu/net/MediaNet.js';
import { WeriftIceBinding } from '../../../src/sfu/net/weriftIce.js';
import { CREDS } from './support.js';

interface StandInProtocol {
  type: string;
  transport?: { send?: (d: Buffer, a: IceAddress) => Promise<void>; close?: () => Promise<void>; port?: number; address?: { port: number } };
  localIp?: string;
  localCandidate?: { port: number };
  connectionMade: (...args: unknown[]) => Promise<void>;
  datagramReceived: (data: Buffer, addr: IceAddress) => void;
  received: Buffer[];
}

function protocol(type = 'stun'): StandInProtocol {
  const p: StandInProtocol = {
    type,
    received: [],
    connectionMade: () => Promise.reject(new Error('werift would open a socket here')),
    datagramReceived: (data) => p.received.push(data),
  };
  return p;
}

function connection(protocols: StandInProtocol[] = []) {
  const conn = {
    localUsername: CREDS.localUfrag,
    localPassword: CREDS.localPwd,
    remoteUsername: CREDS.remoteUfrag,
    protocols,
    ensured: [] as StandInProtocol[],
    gatheredOn: [] as string[],
    ensureProtocol(p: StandInProtocol) {
      conn.ensured.push(p);
    },
    getCandidatePromises(addresses: string[]) {
      conn.gatheredOn.push(...addresses);
      return [];
    },
  };
  return conn;
}

describe('werift ICE on the media port', () => {
  let net: MediaNet;
  beforeEach(async () => {
    net = await MediaNet.open({ ip: '127.0.0.1', port: 0 });
  });
  afterEach(() => net.close());

  it('gathers on the configured address only and gives each StunProtocol a virtual transport on the port', async () => {
    const conn = connection();
    const binding = new WeriftIceBinding(conn, net, () => undefined);
    conn.getCandidatePromises(['192.0.2.7', '127.0.0.1', '198.51.100.1']);
    assert.deepEqual(conn.gatheredOn, ['127.0.0.1']);
    const p = protocol();
    conn.ensureProtocol(p);
    assert.deepEqual(conn.ensured, [p], 'werift still sees its protocol');
    await p.connectionMade(true, undefined, undefined);
    assert.equal(p.transport?.address?.port, net.port);
    assert.ok(!('socket' in p.transport!), 'no dgram socket');
    // werift's own STUN answer is dropped; DTLS to an address without a path is dropped and counted.
    await p.transport!.send!(Buffer.from([1, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42]), ['127.0.0.1', 9]);
    assert.equal(net.stats().dropped['no-path'], 0, 'STUN never even looked for a path');
    await p.transport!.send!(Buffer.from([22, 254, 253]), ['127.0.0.1', 9]);
    assert.equal(net.stats().dropped['no-path'], 1);
    // A verified datagram is handed to the protocol werift reads.
    binding.deliver(Buffer.from([22, 1]), ['127.0.0.1', 9]);
    assert.equal(p.received.length, 1);
    // ICE-TCP and TURN are not on this port: werift gets a refusal and gathers nothing for them.
    const tcp = protocol('tcp');
    conn.ensureProtocol(tcp);
    await assert.rejects(tcp.connectionMade(), /only the media port/);
  });

  it('adopts a connection werift gathered before the binding attached: socket closed, candidate on the port', async () => {
    let closed = 0;
    const early = protocol();
    early.localIp = '127.0.0.1';
    early.localCandidate = { port: 40123 };
    early.transport = {
      close: () => {
        closed++;
        return Promise.resolve();
      },
    };
    const conn = connection([early]);
    const binding = new WeriftIceBinding(conn, net, () => undefined);
    assert.equal(closed, 1, "werift's own socket closed");
    assert.equal(early.localCandidate.port, net.port);
    assert.equal(early.transport.port, net.port, 'a virtual transport now');
    binding.deliver(Buffer.from([22, 1]), ['127.0.0.1', 9]);
    assert.equal(early.received.length, 1, 'verified datagrams reach it');
    assert.throws(() => new WeriftIceBinding({}, net, () => undefined), /internals changed/);
  });
});
