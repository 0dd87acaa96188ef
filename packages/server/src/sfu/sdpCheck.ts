// What a browser's description must hold before the SFU uses it (D1, D5). Without a DTLS
// fingerprint werift accepts whatever certificate the other end shows, so anyone who reached
// the port first could finish the handshake; a weak hash makes the binding forgeable. Data
// channels (m=application, SCTP) are a path Kaigi does not use and does not police: chat and
// files go through signalling, where the meeting's rules apply.

/** Fingerprint hashes accepted: the SHA-2 family (D5). SHA-1 and MD5 are refused. */
const FINGERPRINT = /^a=fingerprint:(\S+) ([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})+)$/;
const HASH_BYTES: Readonly<Record<string, number>> = { 'sha-256': 32, 'sha-384': 48, 'sha-512': 64 };

/**
 * Why an offer or answer from a client is refused, or null when it may be used: every media
 * section in use is bound to a DTLS certificate by a SHA-2 fingerprint (its own or the
 * session's), every fingerprint is well formed, and there is no data-channel section.
 */
export function sdpRefusal(sdp: string): string | null {
  const sections: string[][] = [[]];
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) sections.push([]);
    sections[sections.length - 1]!.push(line);
  }
  const [session = [], ...media] = sections;
  for (const lines of sections) {
    for (const line of lines) {
      if (!line.startsWith('a=fingerprint:')) continue;
      const m = FINGERPRINT.exec(line.trim());
      const hash = m?.[1]?.toLowerCase() ?? '';
      if (!m || !(hash in HASH_BYTES)) return 'The description has a DTLS fingerprint that is malformed or not SHA-256/384/512.';
      if (m[2]!.split(':').length !== HASH_BYTES[hash]) return 'The description has a DTLS fingerprint of the wrong length.';
    }
  }
  if (media.some((lines) => lines[0]?.startsWith('m=application'))) {
    return 'Data channels (m=application) are not accepted: Kaigi carries only audio and video over media connections.';
  }
  const hasFingerprint = (lines: string[]) => lines.some((l) => l.startsWith('a=fingerprint:'));
  const inUse = media.filter((lines) => !/^m=\S+ 0 /.test(lines[0] ?? ''));
  if (!hasFingerprint(session) && (inUse.length === 0 || !inUse.every(hasFingerprint))) {
    return 'The description has no DTLS fingerprint (a=fingerprint): the media connection could not be authenticated.';
  }
  return null;
}
