import { compilePolicy, type DataMap } from '@kaigi/protocol';
import type { Services } from '../services.js';
import type { MeetingRecord } from '../storage/MeetingStore.js';

/**
 * The data map of one meeting (E1): what it stores under its settings, every stored object with
 * its node, region and location, and every deletion. One builder for GET /data-map and the
 * security report (F3), so both always say the same.
 */
export async function buildDataMap(services: Pick<Services, 'objects' | 'config' | 'policy' | 'registrations'>, m: MeetingRecord): Promise<DataMap> {
  const { objects, config } = services;
  // What the meeting's level lets it store at all (F1): Medium and High keep no files or recordings.
  const level = compilePolicy(m.rules.level, services.policy);
  const list = await objects.list(m.id);
  const certs = await objects.certificates(m.id);
  const registrations = { pending: 0, approved: 0, revoked: 0 };
  for (const r of await services.registrations.list(m.id)) registrations[r.status]++;
  const kept = (kind: 'files' | 'recordings' | 'chat' | 'waiting') => m.retention[kind];
  return {
    meetingId: m.id,
    node: config.node,
    region: config.region,
    retention: m.retention,
    e2ee: m.e2ee,
    objects: list.map((o) => ({
      id: o.id,
      kind: o.kind,
      name: o.name,
      size: o.size,
      protection: o.protection,
      node: o.node,
      region: o.region,
      location: o.path,
      createdAt: o.createdAt,
      purgeAt: o.purgeAt,
    })),
    planned: [
      level.fileSharing
        ? { kind: 'file', stored: true, protection: m.e2ee ? 'e2ee' : 'server', retentionSeconds: kept('files'), note: 'Files participants share, encrypted at rest.' }
        : { kind: 'file', stored: false, protection: null, retentionSeconds: null, note: `${level.level} meetings keep no files on the server.` },
      level.serverRecording || level.browserRecording
        ? {
            kind: 'recording',
            stored: true,
            protection: m.e2ee ? 'e2ee' : 'server',
            retentionSeconds: kept('recordings'),
            note: m.e2ee ? 'Only recordings the host uploads, encrypted to the host’s key.' : 'Server recordings, when the host starts one.',
          }
        : { kind: 'recording', stored: false, protection: null, retentionSeconds: null, note: `${level.level} meetings are not recorded.` },
      level.chatKeeping && !m.e2ee && m.retention.chat > 0
        ? { kind: 'chat', stored: true, protection: 'server', retentionSeconds: kept('chat'), note: 'Chat is kept, as the host chose, encrypted at rest; everyone in the meeting is told.' }
        : {
            kind: 'chat',
            stored: false,
            protection: null,
            retentionSeconds: null,
            note: m.e2ee ? 'Chat is end-to-end encrypted, relayed and never stored.' : 'Chat is relayed and never stored.',
          },
      {
        kind: 'waiting',
        stored: true,
        protection: 'server',
        retentionSeconds: kept('waiting'),
        note: `Waiting-room records are kept in the audit log; their names and addresses are removed ${
          kept('waiting') === 0 ? 'when the meeting ends' : `${kept('waiting')} seconds after the meeting ends`
        }, with a certificate.`,
      },
    ],
    deletions: certs.map((c) => ({ objectId: c.objectId, kind: c.kind, deletedAt: c.deletedAt, deletedBy: c.deletedBy, reason: c.reason })),
    registrations,
  };
}
