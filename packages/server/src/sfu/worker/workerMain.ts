import { parentPort, workerData } from 'node:worker_threads';
import { warmDtlsKeyExchange } from '../net/dtlsWarmup.js';
import { parseToWorker, type FromWorker } from './protocol.js';
import { RouterHost } from './RouterHost.js';
import { WorkerNet } from './WorkerNet.js';

// A media worker's entry (issue 15 item 3; worker_threads, started by MediaWorkers.ts). It hosts
// the Routers of the meetings placed on it and its share of the media port (WorkerNet). Every
// message from the main thread is parsed at the boundary; a malformed one is dropped and counted.

interface WorkerOptions {
  ip: string;
  port: number;
}

function start(): void {
  const port = parentPort;
  if (!port) throw new Error('workerMain.ts runs only as a worker thread');
  const opts = workerData as WorkerOptions;
  const post = (msg: FromWorker) => port.postMessage(msg);
  const net = new WorkerNet(opts.ip, opts.port, post);
  const host = new RouterHost({ ip: opts.ip, net }, post);
  let malformed = 0;
  port.on('message', (raw: unknown) => {
    const msg = parseToWorker(raw);
    if (!msg) {
      malformed++;
      if ((malformed & (malformed - 1)) === 0) process.emitWarning(`media worker: ${malformed} malformed message(s) dropped`);
      return;
    }
    if (msg.t === 'datagram') net.datagram(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength), msg.ip, msg.port);
    else host.handle(msg);
  });
  port.once('close', () => {
    host.close();
    net.close();
  });
  // Each worker has its own copy of werift's P-256 tables: build them before any meeting comes, or
  // the first DTLS handshake here stalls the loop past a werift peer's retransmit (net/dtlsWarmup.ts).
  void warmDtlsKeyExchange().then(() => post({ t: 'ready' }));
}

start();
