// Just enough of the VP8 RTP payload format (RFC 7741) for an SFU: where a keyframe starts, and
// the frame size a keyframe announces. Nothing is decoded.

/** Length of the VP8 payload descriptor (RFC 7741 4.2), or -1 when the packet is too short for it. */
export function vp8DescriptorLength(p: Buffer): number {
  if (p.length < 1) return -1;
  let i = 1;
  const b0 = p[0]!;
  if (b0 & 0x80) {
    // X: extension byte with I, L, T, K.
    const x = p[i++];
    if (x === undefined) return -1;
    if (x & 0x80) {
      const pid = p[i++];
      if (pid === undefined) return -1;
      if (pid & 0x80) i++; // 15-bit picture ID
    }
    if (x & 0x40) i++; // TL0PICIDX
    if (x & 0x30) i++; // TID/Y/KEYIDX
  }
  return i <= p.length ? i : -1;
}

/** Offset of the VP8 payload header after the payload descriptor, or -1 if truncated. */
function payloadHeaderOffset(p: Buffer): number {
  const i = vp8DescriptorLength(p);
  return i >= 0 && i < p.length ? i : -1;
}

/** True for the first packet of a VP8 keyframe: a switch point for a subscriber. */
export function isVp8KeyframeStart(p: Buffer): boolean {
  const b0 = p[0];
  if (b0 === undefined) return false;
  const start = (b0 & 0x10) !== 0 && (b0 & 0x07) === 0;
  if (!start) return false;
  const h = payloadHeaderOffset(p);
  return h >= 0 && (p[h]! & 0x01) === 0;
}

/** Width and height from a keyframe's first packet, when present. */
export function vp8KeyframeSize(p: Buffer): { width: number; height: number } | null {
  if (!isVp8KeyframeStart(p)) return null;
  const h = payloadHeaderOffset(p);
  if (h < 0 || p.length < h + 10) return null;
  if (p[h + 3] !== 0x9d || p[h + 4] !== 0x01 || p[h + 5] !== 0x2a) return null;
  return { width: p.readUInt16LE(h + 6) & 0x3fff, height: p.readUInt16LE(h + 8) & 0x3fff };
}
