// A bot process: any number of participants, each joined through the SFU's adapter, publishing
// (@roamhq/wrtc, publisher.ts) and/or receiving (node-datachannel, subscribers.ts). The fan-out
// runs the publisher and the subscribers in two processes (their CPU apart); the mesh runs every
// participant in one, since each both publishes and receives on the same participant.
// IPC (lib/proc ask/serve):
//   join    {signal, names, hostName?} -> ok         (participants, the host first)
//   publish {names, replay?}           -> publisher ids (replay: recorded-fixture publishers)
//   receive {specs: [{name, from}]}    -> receiving connections up
//   totals                             -> receive counters (subscribers.ts)
//   joinLatency {signal, names, from}  -> per name (latency.ts): ms from admitted to first video packet
//                                         (null: none in 10 s), to the answer accepted, to the connection up
//   sent                               -> publishers' sent packets
import { serve } from '../lib/proc.js';
import { signalFor, type SfuPeer, type SfuSignal, type SignalConfig } from '../sfu/adapter.js';
import { closePublishers, publishersConnected, publisherStats, startPublisher } from './publisher.js';
import { timeJoin, type JoinTiming } from './latency.js';
import { closeReplayers, replayersConnected, startReplayPublisher } from './replay.js';
import { closeReceivers, receiversConnected, receiverTotals, startReceiver } from './subscribers.js';

let signal: SfuSignal | undefined;
let bindAddress: string | undefined; // the SFU's SignalConfig.botAddress
let dtlsClient = false; // the SFU's SignalConfig.publisherDtlsClient
const closers: (() => void)[] = []; // the join-latency subscribers
const peers = new Map<string, SfuPeer>();

/** Runs `f` over `items`, `width` at a time: quick without a herd of DTLS handshakes on 2 cores. */
async function inBatches<T, R>(items: T[], width: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width) out.push(...(await Promise.all(items.slice(i, i + width).map(f))));
  return out;
}

function peer(name: string): SfuPeer {
  const p = peers.get(name);
  if (!p) throw new Error(`no participant ${name}`);
  return p;
}

serve(
  {
    async join(m: { signal: SignalConfig; names: string[]; hostName?: string }) {
      signal ??= await signalFor(m.signal);
      bindAddress = m.signal.botAddress;
      dtlsClient = m.signal.publisherDtlsClient === true;
      if (m.hostName && !peers.has(m.hostName)) peers.set(m.hostName, await signal.join(m.hostName, true));
      const guests = m.names.filter((n) => n !== m.hostName);
      await inBatches(guests, 5, async (n) => void peers.set(n, await signal!.join(n, false)));
      return true;
    },
    // replay: the recorded fixture through node-datachannel (replay.ts), no encoder (the mesh).
    async publish(m: { names: string[]; replay?: boolean }) {
      if (m.replay) {
        const ids = await inBatches(m.names, 4, (n) => startReplayPublisher(peer(n), n, bindAddress, dtlsClient));
        await replayersConnected();
        return ids;
      }
      const ids = await inBatches(m.names, 4, (n) => startPublisher(peer(n)));
      await publishersConnected();
      return ids;
    },
    async receive(m: { specs: { name: string; from: string[] }[] }) {
      await inBatches(m.specs, 5, (s) => startReceiver(peer(s.name), s.name, s.from, bindAddress));
      return receiversConnected();
    },
    // One join at a time (the "join (admitted) -> first forwarded video packet"): the clock
    // starts when join() resolves, that is once the SFU has admitted the participant (Kaigi's waiting
    // room; Janus and the reference admit at once). The subscriber is a libwebrtc peer (latency.ts).
    async joinLatency(m: { signal: SignalConfig; names: string[]; from: string[] }) {
      signal ??= await signalFor(m.signal);
      const out: JoinTiming[] = [];
      for (const n of m.names) {
        const p = await signal.join(n, false);
        peers.set(n, p);
        const { timing, close } = await timeJoin(p, m.from, performance.now(), 10_000);
        closers.push(close);
        out.push(timing);
      }
      return out;
    },
    totals: () => receiverTotals(),
    sent: () => publisherStats(),
  },
  () => {
    closePublishers();
    closeReplayers();
    closeReceivers();
    for (const c of closers) c();
  },
);
