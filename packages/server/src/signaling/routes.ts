import * as chat from './handlers/chat.js';
import * as e2ee from './handlers/e2ee.js';
import * as host from './handlers/host.js';
import * as media from './handlers/media.js';
import * as recording from './handlers/recording.js';
import type { RouteTable } from './Route.js';

/**
 * Every client message, where it is allowed and what runs it. Exhaustive: a message type with no
 * route here does not compile, so nothing falls through to a handler that answers `ok`.
 * Rights beyond `when` (which role may take which host action) are the domain's permission table.
 */
export const ROUTES = {
  ping: { when: 'any', run: (msg, door) => door.reply({ type: 'pong', reqId: msg.reqId }) },
  join: { when: 'outside', run: (msg, door) => door.admission.join(door.peer, door.ctx, msg) },
  resume: { when: 'outside', run: (msg, door) => door.admission.resume(door.peer, door.ctx, msg) },
  leave: { when: 'joined', answersItself: true, run: host.leave },

  admit: { when: 'admitted', run: host.admit },
  deny: { when: 'admitted', run: host.deny },
  admitAll: { when: 'admitted', run: host.admitAll },
  sendToWaiting: { when: 'admitted', run: host.sendToWaiting },
  remove: { when: 'admitted', run: host.remove },
  setLocked: { when: 'admitted', run: host.setLocked },
  liftBan: { when: 'admitted', run: host.liftBan },
  setRole: { when: 'admitted', run: host.setRole },
  startCheck: { when: 'admitted', run: host.startCheck },
  endCheck: { when: 'admitted', run: host.endCheck },

  publish: { when: 'admittedOrChecked', large: true, answersItself: true, run: media.publish },
  subscribeAnswer: { when: 'admittedOrChecked', large: true, run: media.subscribeAnswer },
  resubscribe: { when: 'admittedOrChecked', large: true, run: media.resubscribe },
  videoPreferences: { when: 'admittedOrChecked', large: true, run: media.videoPreferences },
  setMediaPermissions: { when: 'admitted', large: true, run: media.setMediaPermissions },
  stopMedia: { when: 'admitted', large: true, run: media.stopMedia },
  suspendAll: { when: 'admitted', large: true, run: media.suspendAll },

  mlsKeyPackage: { when: 'admitted', large: true, run: e2ee.mlsKeyPackage },
  mlsCommit: { when: 'admitted', large: true, run: e2ee.mlsCommit },
  mlsSync: { when: 'admitted', run: e2ee.mlsSync },
  mlsFailed: { when: 'admitted', run: e2ee.mlsFailed },
  verify: { when: 'admitted', run: e2ee.verify },
  // Either side of a check, the newcomer still waiting included (B7).
  checkKey: { when: 'joined', run: e2ee.checkKey },

  chat: { when: 'admitted', large: true, run: chat.chat },

  setRecording: { when: 'admitted', run: recording.setRecording },
  announceLocalRecording: { when: 'admitted', run: recording.announceLocalRecording },
} satisfies RouteTable;
