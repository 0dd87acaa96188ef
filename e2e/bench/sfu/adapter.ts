// The SFU under test, seen by the bench as an adapter, so the same bots and counters run against
// the werift reference, Janus and Kaigi.
//  - Orchestrator side (SfuUnderTest): start the SFU process (its pid is what the CPU meter reads),
//    stop it. start() returns a JSON-serialisable SignalConfig that is handed to the bot processes.
//  - Bot side (SfuSignal, built from that config inside a bot process): join one peer connection
//    as a participant, then publish (bot offers, SFU answers) and/or receive (SFU offers, bot answers).

export interface SignalConfig {
  kind: 'reference' | 'janus' | 'kaigi';
  /** The address receiving bots bind (default 127.0.0.1). */
  botAddress?: string;
  /**
   * Replaying publishers offer `a=setup:active` (they start DTLS once they hold the answer's
   * fingerprint) instead of actpass: Janus, as DTLS client, otherwise sent its ClientHello before
   * libdatachannel had the answer, and libdatachannel refused it ("unknown ca").
   */
  publisherDtlsClient?: boolean;
  [k: string]: unknown;
}

export interface SfuPeer {
  /** Sends the bot's offer (audio + video, sendonly); returns the SFU's answer and the id others receive it by. */
  publish(offerSdp: string): Promise<{ publisherId: string; answerSdp: string }>;
  /**
   * Receives these publishers on one receive-only connection. The SFU offers (first offer and any
   * renegotiation: Kaigi pushes a new offer whenever someone publishes); `answer` turns each
   * offer into the bot's answer. Resolves once an answered offer carries all of them.
   */
  receive(publisherIds: string[], answer: (offerSdp: string) => Promise<string>): Promise<void>;
  leave(): Promise<void>;
}

export interface SfuSignal {
  /** One participant. `host`: the meeting's host (Kaigi admits the others through it). */
  join(name: string, host: boolean): Promise<SfuPeer>;
}

export interface SfuUnderTest {
  readonly name: string;
  /** Why it cannot run, or null when it can (checked before anything is started). */
  unavailable(): string | null;
  start(): Promise<{ pid: number; signal: SignalConfig }>;
  stop(): Promise<void>;
}

/** Bot side: the signalling client for a config (dynamic import keeps each SFU's code separate). */
export async function signalFor(cfg: SignalConfig): Promise<SfuSignal> {
  switch (cfg.kind) {
    case 'reference':
      return (await import('./reference/adapter.js')).referenceSignal(cfg);
    case 'janus':
      return (await import('./janus/adapter.js')).janusSignal(cfg);
    case 'kaigi':
      return (await import('./kaigi/adapter.js')).kaigiSignal(cfg);
    default: {
      const never: never = cfg.kind;
      throw new Error(`unknown SFU kind ${String(never)}`);
    }
  }
}

/** Orchestrator side: the SFUs the bench knows, in the order they run. */
export async function sfusUnderTest(): Promise<SfuUnderTest[]> {
  const { ReferenceSfu } = await import('./reference/adapter.js');
  const { JanusSfu } = await import('./janus/adapter.js');
  const { KaigiSfu } = await import('./kaigi/adapter.js');
  return [new ReferenceSfu(), new JanusSfu(), new KaigiSfu()];
}
