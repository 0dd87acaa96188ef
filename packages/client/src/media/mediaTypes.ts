import { DEFAULT_MEDIA_PERMISSIONS, type MediaPermissions, type MediaSource, type Role } from '@kaigi/protocol';
import { NO_DEVICES, type DeviceList } from './devices';
import type { Quality } from './quality';
import type { RemoteMedia } from './Subscription';

export type { RemoteMedia } from './Subscription';
export type { Quality } from './quality';

export type NoticeKind =
  /** The host stopped one of our sources. */
  | 'host'
  /** The host withdrew the participants' permission for a source. */
  | 'permission'
  /** The server refused a source we offered. */
  | 'forbidden'
  /** The meeting mutes everyone but hosts on entry: what was on in the preview was not sent (C1). */
  | 'entryMuted'
  | 'denied'
  | 'notFound'
  | 'failed'
  | 'unsupported';

export interface MediaNotice {
  id: number;
  kind: NoticeKind;
  source: MediaSource;
}

/** Everything the meeting view shows about media; replaced (never mutated) on each change. */
export interface MediaSnapshot {
  active: boolean;
  selfId: string | null;
  role: Role | null;
  permissions: MediaPermissions;
  /** Sources we send now. */
  local: Readonly<Record<MediaSource, boolean>>;
  /** A source being turned on (capture under way). */
  busy: MediaSource | null;
  selfCamera: MediaStream | null;
  selfScreen: MediaStream | null;
  remote: readonly RemoteMedia[];
  /** Who publishes what, from the server. */
  publishing: ReadonlyMap<string, readonly MediaSource[]>;
  activeSpeaker: string | null;
  quality: ReadonlyMap<string, Quality>;
  notice: MediaNotice | null;
  devices: DeviceList;
  selected: { microphone: string; camera: string };
  /** A verifier's one-to-one check we are in (B7), on either side; null otherwise. */
  check: CheckView | null;
}

/** An open check: who is checked, by whom, and which side this browser is. */
export interface CheckView {
  participantId: string;
  byId: string;
  by: string;
  side: 'newcomer' | 'verifier';
}

export interface VideoTile {
  participantId: string;
  source: MediaSource;
  maxHeight: number;
}

export const INITIAL_MEDIA: MediaSnapshot = {
  active: false,
  selfId: null,
  role: null,
  permissions: DEFAULT_MEDIA_PERMISSIONS,
  local: { microphone: false, camera: false, screen: false },
  busy: null,
  selfCamera: null,
  selfScreen: null,
  remote: [],
  publishing: new Map(),
  activeSpeaker: null,
  quality: new Map(),
  notice: null,
  devices: NO_DEVICES,
  selected: { microphone: '', camera: '' },
  check: null,
};
