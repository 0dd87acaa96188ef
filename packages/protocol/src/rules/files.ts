import type { MediaPermissions } from '../media.js';
import type { LevelInfo } from '../policy.js';
import type { Role } from '../signaling.js';
import { mayChat } from './permissions.js';
import { runsMeeting } from './roles.js';

/** What a meeting's files rule reads; a MeetingSummary is one (the server builds it from its own state). */
export interface FilesFacts {
  e2ee: boolean;
  mediaPermissions: Pick<MediaPermissions, 'files' | 'chat'>;
  level: Pick<LevelInfo, 'fileSharing'>;
}

/** Why someone may not share a file now; null: they may. */
export type FilesBlock =
  /** Medium and High keep no files on the server (F1, IPA 5.1(1), 5.2(1)): nobody shares, hosts included. */
  | 'level'
  /** The host turned file sharing off for participants (A4, C1). */
  | 'permission'
  /**
   * An E2EE meeting's file key travels to the group as an MLS application message on the chat
   * path (D2; the client's ChatController.sendFileKey), which the server refuses to anyone who
   * may not chat. Without chat the file would reach the server and nobody could ever open it.
   */
  | 'needsChat';

/** The first rule that keeps this role from sharing files now (A4, C1, D2, F1), or null. */
export function filesBlock(meeting: FilesFacts, role: Role | null): FilesBlock | null {
  if (!meeting.level.fileSharing) return 'level';
  if (!runsMeeting(role) && !meeting.mediaPermissions.files) return 'permission';
  if (meeting.e2ee && !mayChat(role, meeting.mediaPermissions)) return 'needsChat';
  return null;
}

/** Whether an admitted participant of this role may share a file now (A4, C1, D2, F1). */
export const mayShareFiles = (meeting: FilesFacts, role: Role | null): boolean => filesBlock(meeting, role) === null;
