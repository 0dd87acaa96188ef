// Helpers for the media port's tests: STUN requests built with werift's own encoder (a second
// implementation), a real client socket on 127.0.0.1 that records what it receives, and waits on
// state, never fixed sleeps.
import dgram from 'node:dgram';
import { classes, Message, methods } from 'werift';
import type { IceCredentials } from '../../../src/sfu/IceGuard.js';

export const CREDS: IceCredentials = { localUfrag: 'SfUx', localPwd: 'localpasswordof22chars', remoteUfrag: 'brws' };

export interface RequestOptions {
  username?: string | null;
  key?: string | null;
  method?: number;
  cls?: number;
  /** The sender claims the controlled role (ICE-CONTROLLED instead of ICE-CONTROLLING + USE-CANDIDATE). */
  controlled?: boolean;
}

export function request(o: RequestOptions = {}, creds: IceCredentials = CREDS): Buffer {
  const m = new Message(o.method ?? methods.BINDING, o.cls ?? classes.REQUEST);
  const username = o.username === undefined ? `${creds.localUfrag}:${creds.remoteUfrag}` : o.username;
  if (username !== null) m.setAttribute('USERNAME', username);
  m.setAttribute('PRIORITY', 1853824767);
  if (o.controlled) m.setAttribute('ICE-CONTROLLED', 0x1234567890n);
  else {
    m.setAttribute('ICE-CONTROLLING', 0x1234567890n);
    m.setAttribute('USE-CANDIDATE', null);
  }
  const key = o.key === undefined ? creds.localPwd : o.key;
  if (key !== null) m.addMessageIntegrity(Buffer.from(key, 'utf8'));
  return m.addFingerprint().bytes;
}

/** A DTLS-looking record (first byte 22, RFC 7983). */
export const DTLS = Buffer.from([22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1]);

export async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface Received {
  data: Buffer;
  port: number;
}

/** A browser's socket, as far as the tests need one. */
export class Client {
  readonly socket = dgram.createSocket('udp4');
  readonly got: Received[] = [];

  static async open(): Promise<Client> {
    const c = new Client();
    c.socket.on('message', (data, rinfo) => c.got.push({ data, port: rinfo.port }));
    await new Promise<void>((resolve) => c.socket.bind(0, '127.0.0.1', resolve));
    return c;
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(data: Buffer, port: number): void {
    this.socket.send(data, port, '127.0.0.1');
  }

  async next(count = this.got.length + 1): Promise<Received> {
    await until(() => this.got.length >= count, `datagram ${count} at client ${this.port}`);
    return this.got[count - 1]!;
  }

  close(): void {
    this.socket.close();
  }
}
