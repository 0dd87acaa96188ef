import type { AuditEntry } from './AuditLog.js';
import { PROMPT_KINDS } from './Checkpointer.js';
import type { Checkpoint } from './checkpoints.js';

export type AnchorVerdict =
  | { ok: true; last: Checkpoint | null; unanchored: number }
  | { ok: false; truncated: boolean; reason: string };

/**
 * Leeway, beyond twice the promised interval, for a checkpoint that waited on the database's
 * lock or a busy event loop before it was written.
 */
export const ANCHOR_SLACK_SECONDS = 10;

/**
 * Holds a chain that verifyChain accepted (contiguous from entry 1) to the checkpoints that
 * verifyCheckpoints accepted (H2). Fails when the chain is shorter than a checkpoint says it was
 * (entries deleted at its end, or all of them), when the entry at a checkpoint's position is
 * another entry (cut back and written anew), when there are entries but no checkpoint at all,
 * and when the entries after the last checkpoint are more, older or weightier than the writer's
 * rule lets them be (newer checkpoints were cut from the file, or could not be written).
 *
 * What it cannot see: the database and the checkpoint file cut back together to the same
 * earlier point by someone holding the signing key. See docs/architecture.md "Audit log".
 */
export function verifyAnchors(entries: readonly AuditEntry[], checkpoints: readonly Checkpoint[] | null): AnchorVerdict {
  const fail = (reason: string, truncated = false): AnchorVerdict => ({ ok: false, truncated, reason });
  const last = checkpoints?.[checkpoints.length - 1];
  if (!last) {
    if (entries.length === 0) return { ok: true, last: null, unanchored: 0 };
    return fail(
      `the log holds ${entries.length} entries but the checkpoint file is ${checkpoints ? 'empty' : 'missing'}: ` +
        'it was deleted or emptied (entries may have been deleted with it), or this log predates checkpoints (start the server once to anchor it)',
    );
  }
  const length = entries.length;
  if (length < last.entries) {
    const what = length === 0 ? 'the log is empty' : `the log ends at entry ${length}`;
    const gone = length === 0 ? 'all entries were deleted' : `entries ${length + 1} to ${last.entries} were deleted`;
    return fail(`${what} but checkpoint ${last.n} (${last.at}) anchored ${last.entries} entries: ${gone}`, true);
  }
  for (const c of checkpoints ?? []) {
    const at = c.entries > 0 ? entries[c.entries - 1] : undefined;
    if (at && at.hash !== c.head) {
      return fail(`entry ${c.entries} is not the entry checkpoint ${c.n} (${c.at}) anchored: the log was cut back and written anew from there`, true);
    }
  }
  const tail = entries.slice(last.entries);
  const rule = last.every;
  const why = 'newer checkpoints were removed from the checkpoint file, or could not be written';
  if (tail.length >= rule.entries && rule.entries > 0) {
    return fail(`${tail.length} entries follow checkpoint ${last.n}, though one is written every ${rule.entries} entries: ${why}`);
  }
  const weighty = tail.find((e) => PROMPT_KINDS.has(e.kind));
  if (weighty) {
    return fail(`entry ${weighty.seq} (${weighty.kind}) follows checkpoint ${last.n}, though such entries are anchored at once: ${why} (or the server stopped in between)`);
  }
  const first = tail[0];
  const newest = tail[tail.length - 1];
  if (first && newest) {
    const span = (Date.parse(newest.at) - Date.parse(first.at)) / 1000;
    if (span > 2 * rule.seconds + ANCHOR_SLACK_SECONDS) {
      return fail(`entries ${first.seq} to ${newest.seq} follow checkpoint ${last.n} over ${Math.round(span)} s, though one is written within ${rule.seconds} s: ${why}`);
    }
  }
  return { ok: true, last, unanchored: tail.length };
}
