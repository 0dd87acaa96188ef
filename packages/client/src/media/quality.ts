import type { InboundCounters } from './Subscription';

// Connection quality from packet loss and jitter, as the receiving side measures it.

export type Quality = 'good' | 'fair' | 'poor';

export function classify(lossFraction: number, jitterSeconds: number): Quality {
  if (lossFraction < 0.02 && jitterSeconds < 0.03) return 'good';
  if (lossFraction < 0.08 && jitterSeconds < 0.1) return 'fair';
  return 'poor';
}

const RANK: Record<Quality, number> = { good: 0, fair: 1, poor: 2 };

/** The worse of two verdicts on one connection (say, its uplink and the SFU's view of its downlink). */
export function worse(a: Quality, b: Quality | undefined): Quality {
  return b !== undefined && RANK[b] > RANK[a] ? b : a;
}

/** Turns cumulative counters into quality over the interval since the last sample. */
export class QualityMeter {
  private last = new Map<string, InboundCounters>();

  sample(now: Map<string, InboundCounters>): Map<string, Quality> {
    const out = new Map<string, Quality>();
    for (const [pid, c] of now) {
      const prev = this.last.get(pid);
      const received = prev ? c.packetsReceived - prev.packetsReceived : c.packetsReceived;
      const lost = prev ? c.packetsLost - prev.packetsLost : c.packetsLost;
      if (received <= 0 && lost <= 0) continue; // nothing arrived: no verdict (muted, paused)
      const loss = received + lost > 0 ? Math.max(0, lost) / (received + Math.max(0, lost)) : 0;
      out.set(pid, classify(loss, c.jitter));
    }
    this.last = now;
    return out;
  }
}

/** Our own uplink, from the SFU's receiver reports about what we send. */
export async function uplinkQuality(pc: RTCPeerConnection | null): Promise<Quality | null> {
  if (!pc || pc.connectionState !== 'connected') return null;
  let report: RTCStatsReport;
  try {
    report = await pc.getStats();
  } catch {
    return null;
  }
  let loss = -1;
  let jitter = 0;
  report.forEach((s: Record<string, unknown>) => {
    if (s['type'] !== 'remote-inbound-rtp') return;
    const f = s['fractionLost'];
    const j = s['jitter'];
    if (typeof f === 'number') loss = Math.max(loss, f);
    if (typeof j === 'number') jitter = Math.max(jitter, j);
  });
  return loss < 0 ? null : classify(loss, jitter);
}
