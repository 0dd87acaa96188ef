// The relay ceiling: what plain Node does per packet when a forwarding path has nothing else to do.
// One file, three roles (each its own process, driven over IPC by relay/run.ts):
//   relay     - receives 1200-byte AES-128-GCM packets, decrypts each once, re-encrypts it with a
//               different key for each of FANOUT outputs (like SRTP per subscriber), sends them.
//   sender    - paces encrypted packets to the relay at a given rate.
//   receivers - FANOUT sockets that count what arrives.
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import { serve } from '../lib/proc.js';

const HOST = '127.0.0.1';
const PKT = 1200; // bytes on the wire
const HDR = 12; // RTP-sized clear header: its bytes 4..11 carry the sequence number; it is the AAD
const TAG = 16;
const FANOUT = 10;
// Fixed bench keys: the point is the cipher's cost, not secrecy.
const KEY_IN = Buffer.alloc(16, 1);
const KEYS_OUT = Array.from({ length: FANOUT }, (_, i) => Buffer.alloc(16, 2 + i));
const SALT = Buffer.alloc(4, 7);

// One scratch IV: createCipheriv copies it, so reusing the buffer saves an allocation per packet.
const IV = Buffer.alloc(12);
function iv(seq: number, out: number): Buffer {
  const b = IV;
  SALT.copy(b, 0);
  b.writeUInt32BE(out, 4);
  b.writeUInt32BE(seq >>> 0, 8);
  return b;
}

function seal(key: Buffer, hdr: Buffer, plain: Buffer, seq: number, out: number): Buffer {
  const c = crypto.createCipheriv('aes-128-gcm', key, iv(seq, out));
  c.setAAD(hdr);
  const body = c.update(plain);
  c.final();
  return Buffer.concat([hdr, body, c.getAuthTag()], PKT);
}

function open(key: Buffer, pkt: Buffer, out: number): { hdr: Buffer; plain: Buffer; seq: number } | null {
  const hdr = pkt.subarray(0, HDR);
  const seq = hdr.readUInt32BE(8);
  const d = crypto.createDecipheriv('aes-128-gcm', key, iv(seq, out));
  d.setAAD(hdr);
  d.setAuthTag(pkt.subarray(pkt.length - TAG));
  const plain = d.update(pkt.subarray(HDR, pkt.length - TAG));
  try {
    d.final();
  } catch {
    return null; // forged or corrupted: dropped, as a real relay would
  }
  return { hdr, plain, seq };
}

function bind(sock: dgram.Socket): Promise<number> {
  return new Promise((r) => sock.bind(0, HOST, () => r(sock.address().port)));
}

async function relay() {
  const input = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
  const c = { in: 0, out: 0, bad: 0 };
  // One connected socket per output, as an SFU has one 5-tuple per subscriber; connect() also
  // spares send() its per-call address lookup.
  let outputs: dgram.Socket[] = [];
  input.on('message', (pkt) => {
    c.in++;
    const m = open(KEY_IN, pkt, 0xffffffff);
    if (!m) return void c.bad++;
    for (let i = 0; i < outputs.length; i++) {
      outputs[i]!.send(seal(KEYS_OUT[i]!, m.hdr, m.plain, m.seq, i));
      c.out++;
    }
  });
  const port = await bind(input);
  const targets = async (m: { ports: number[] }) => {
    outputs = await Promise.all(m.ports.map(async (p) => {
      const s = dgram.createSocket({ type: 'udp4', sendBufferSize: 4 << 20 });
      await bind(s);
      await new Promise<void>((r) => s.connect(p, HOST, () => r()));
      return s;
    }));
  };
  serve({ port: () => port, targets, counts: () => ({ ...c }) });
}

async function receivers() {
  const counts = new Array<number>(FANOUT).fill(0);
  const ports: number[] = [];
  for (let i = 0; i < FANOUT; i++) {
    const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
    s.on('message', () => void counts[i]!++);
    ports.push(await bind(s));
  }
  serve({ ports: () => ports, counts: () => counts.reduce((a, b) => a + b, 0) });
}

async function sender() {
  const sock = dgram.createSocket({ type: 'udp4', sendBufferSize: 8 << 20 });
  await bind(sock);
  const payload = crypto.randomBytes(PKT - HDR - TAG);
  let seq = 0;
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  // Paced in 2 ms slices so the relay sees a steady stream rather than one burst per timer tick.
  const run = (m: { port: number; pps: number; seconds: number }) => {
    clearInterval(timer);
    const t0 = performance.now();
    const end = t0 + m.seconds * 1000;
    let due = 0;
    timer = setInterval(() => {
      const now = performance.now();
      if (now >= end) return clearInterval(timer);
      const target = Math.floor(((now - t0) / 1000) * m.pps);
      for (let n = 0; due < target && n < 2000; n++, due++) {
        const hdr = Buffer.alloc(HDR);
        hdr[0] = 0x80;
        hdr.writeUInt32BE(++seq, 8);
        sock.send(seal(KEY_IN, hdr, payload, seq, 0xffffffff), m.port, HOST);
        sent++;
      }
    }, 2);
    return true;
  };
  serve({ run, counts: () => sent, stop: () => void clearInterval(timer) });
}

const role = process.argv[2];
if (role === 'relay') await relay();
else if (role === 'receivers') await receivers();
else if (role === 'sender') await sender();
else throw new Error(`unknown role ${role}`);
