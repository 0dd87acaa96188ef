// signaling/routes.ts: one route per client message type (the compiler refuses a missing one;
// this names the table's contents), each allowed where the protocol says.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientMessage } from '@kaigi/protocol';
import { ROUTES } from '../../src/signaling/routes.js';

const TYPES = ClientMessage.options.map((o) => o.shape.type.value).sort();
const when = (w: string) => Object.entries(ROUTES).filter(([, r]) => r.when === w).map(([t]) => t).sort();

describe('ROUTES', () => {
  it('routes every client message type, and nothing else', () => {
    assert.deepEqual(Object.keys(ROUTES).sort(), TYPES);
  });

  it('lets only join and resume in from outside a meeting, and ping from anywhere', () => {
    assert.deepEqual(when('outside'), ['join', 'resume']);
    assert.deepEqual(when('any'), ['ping']);
  });

  it("lets a waiting newcomer under a verifier's check send only its media and answers (B7)", () => {
    assert.deepEqual(when('admittedOrChecked'), ['publish', 'resubscribe', 'subscribeAnswer', 'videoPreferences']);
  });

  it('lets a waiting participant only leave and take part in its check', () => {
    assert.deepEqual(when('joined'), ['checkKey', 'leave']);
  });

  it('lets only media, MLS and chat messages exceed the small size limit', () => {
    const large = Object.entries(ROUTES).filter(([, r]) => 'large' in r && r.large).map(([t]) => t).sort();
    assert.deepEqual(large, ['chat', 'mlsCommit', 'mlsKeyPackage', 'publish', 'resubscribe', 'setMediaPermissions', 'stopMedia', 'subscribeAnswer', 'suspendAll', 'videoPreferences']);
  });
});
