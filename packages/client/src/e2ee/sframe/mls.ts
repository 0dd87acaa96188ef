// RFC 9605 §5.2: SFrame keys from MLS. Every member imports the same per-epoch base key,
//   base_key = MLS-Exporter("SFrame 1.0 Base Key", "", AEAD.Nk)
// (computed on the MLS side), and senders are kept apart by the KID, which derive_key_salt mixes
// into each sframe_key/sframe_salt:
//   KID = (context << (S + E)) + (sender_index << E) + (epoch % (1 << E))
// Kaigi uses context = 0 (shortest KID) and E = 8, so 256 epochs can be told apart in flight.
// (Early drafts derived a per-sender "sender_base_key"; the RFC dropped it in favour of the KID.)

export const EPOCH_BITS = 8;

/** The KID a member with leaf index `senderIndex` uses in `epoch`. */
export function mlsKid(senderIndex: number, epoch: number, epochBits = EPOCH_BITS): bigint {
  if (!Number.isSafeInteger(senderIndex) || senderIndex < 0) throw new RangeError('bad sender index');
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError('bad epoch');
  const e = BigInt(epochBits);
  return (BigInt(senderIndex) << e) + (BigInt(epoch) & ((1n << e) - 1n));
}

/** Splits a context-0 MLS KID back into sender index and low epoch bits. */
export function splitMlsKid(kid: bigint, epochBits = EPOCH_BITS): { senderIndex: number; epochBits: number } {
  const e = BigInt(epochBits);
  const index = kid >> e;
  if (index > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('sender index out of range');
  return { senderIndex: Number(index), epochBits: Number(kid & ((1n << e) - 1n)) };
}

/** The low epoch bits carried in a KID. */
export function epochLowBits(epoch: number, epochBits = EPOCH_BITS): number {
  return Number(BigInt(epoch) & ((1n << BigInt(epochBits)) - 1n));
}
