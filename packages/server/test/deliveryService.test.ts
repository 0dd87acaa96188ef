// The MLS delivery service against real MLS members (Kaigi's KeyManager over ts-mls): founding,
// adds and removes, the committer leaving, two commits racing, a member who missed commits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerMessage } from '@kaigi/protocol';
import { KeyManager, type EpochInfo } from '../../client/src/e2ee/KeyManager.js';
import { DeliveryService } from '../src/e2ee/DeliveryService.js';

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const pid = (n: string) => `p_${n.padEnd(22, 'x')}`;

interface Member {
  km: KeyManager;
  inbox: ServerMessage[];
  connected: boolean;
  /** Answers commit requests by itself; when false, they wait in `held`. */
  auto: boolean;
  held: Extract<ServerMessage, { type: 'mlsCommitRequest' }>[];
  info: EpochInfo | null;
}

class Sim {
  readonly members = new Map<string, Member>();
  readonly ds: DeliveryService;
  epochChanges = 0;

  constructor(commitTimeoutMs = 10_000, updateIntervalMs = 3_600_000) {
    this.ds = new DeliveryService(
      {
        send: (id, msg) => {
          const m = this.members.get(id);
          if (m?.connected) m.inbox.push(msg);
        },
        connected: (id) => this.members.get(id)?.connected ?? false,
        epochChanged: () => this.epochChanges++,
      },
      { updateIntervalMs, commitTimeoutMs },
    );
  }

  async add(name: string): Promise<string> {
    const id = pid(name);
    const km = await KeyManager.create({ participantId: id });
    this.members.set(id, { km, inbox: [], connected: true, auto: true, held: [], info: null });
    this.ds.keyPackage(id, b64(await km.keyPackage()));
    await this.pump();
    return id;
  }

  member(id: string): Member {
    const m = this.members.get(id);
    assert.ok(m);
    return m;
  }

  async answer(id: string, req: Extract<ServerMessage, { type: 'mlsCommitRequest' }>): Promise<void> {
    const m = this.member(id);
    const out = await m.km.commit({ epoch: req.epoch, adds: req.adds.map((a) => ({ participantId: a.participantId, keyPackage: unb64(a.keyPackage) })), removes: req.removes });
    this.ds.commit(id, b64(out.commit), out.welcome && b64(out.welcome));
  }

  /** Delivers every queued message until nothing moves. */
  async pump(): Promise<void> {
    for (let moved = true; moved; ) {
      moved = false;
      for (const [id, m] of this.members) {
        while (m.inbox.length > 0) {
          moved = true;
          const msg = m.inbox.shift() as ServerMessage;
          switch (msg.type) {
            case 'mlsCreate':
              m.info = await m.km.createGroup(unb64(msg.groupId));
              break;
            case 'mlsCommitRequest':
              if (m.auto) await this.answer(id, msg);
              else m.held.push(msg);
              break;
            case 'mlsCommit':
              m.info = await m.km.applyCommit(msg.epoch, unb64(msg.commit), msg.from);
              break;
            case 'mlsWelcome':
              m.info = await m.km.joinFromWelcome(unb64(msg.welcome));
              break;
            case 'mlsRejected':
              m.km.rejectPending();
              break;
            case 'mlsRejoin': {
              const km = await KeyManager.create({ participantId: id });
              m.km = km;
              m.info = null;
              this.ds.keyPackage(id, b64(await km.keyPackage()));
              break;
            }
            default:
              break;
          }
        }
      }
    }
  }

  /** All given members are in the server's epoch with the same secret and safety code. */
  assertAgree(ids: string[]): void {
    const epoch = this.ds.currentEpoch;
    const first = this.member(ids[0] ?? '').info;
    assert.ok(first);
    for (const id of ids) {
      const info = this.member(id).info;
      assert.equal(info?.epoch, epoch, `${id} is in epoch ${epoch}`);
      assert.deepEqual(info?.epochSecret, first.epochSecret);
      assert.equal(info?.safetyCode, first.safetyCode);
    }
    assert.deepEqual([...this.ds.state().members].sort(), [...ids].sort());
  }
}

describe('MLS delivery service', () => {
  it('founds the group with the first member and adds the next ones through one committer', async () => {
    const sim = new Sim();
    const a = await sim.add('alice');
    assert.equal(sim.ds.currentEpoch, 0);
    const b = await sim.add('bob');
    const c = await sim.add('carol');
    assert.equal(sim.ds.currentEpoch, 2);
    sim.assertAgree([a, b, c]);
    sim.ds.close();
  });

  it('removes a departed member: the rest move on, the departed one is not sent the commit', async () => {
    const sim = new Sim();
    const [a, b, c] = [await sim.add('alice'), await sim.add('bob'), await sim.add('carol')];
    const before = sim.member(c).info?.epochSecret;
    sim.member(c).connected = false;
    sim.ds.gone(c);
    await sim.pump();
    sim.assertAgree([a, b]);
    assert.equal(sim.member(c).info?.epochSecret, before, 'carol saw no later epoch');
    assert.notDeepEqual(sim.member(a).info?.epochSecret, before);
    sim.ds.close();
  });

  it('hands the work to another member when the committer leaves with a request open', async () => {
    const sim = new Sim();
    const [a, b] = [await sim.add('alice'), await sim.add('bob')];
    sim.member(a).auto = false;
    const c = await sim.add('carol'); // alice is asked, and does not answer
    assert.equal(sim.member(a).held.length, 1);
    sim.member(a).connected = false;
    sim.ds.gone(a);
    await sim.pump();
    // Bob commits alice's removal and carol's add in one go.
    sim.assertAgree([b, c]);
    sim.ds.close();
  });

  it('orders two racing commits: the first wins, the late one is rejected and its author follows', async () => {
    const sim = new Sim(300);
    const [a, b] = [await sim.add('alice'), await sim.add('bob')];
    sim.member(a).auto = false;
    sim.member(b).auto = false;
    const cId = pid('carol');
    const km = await KeyManager.create({ participantId: cId });
    sim.members.set(cId, { km, inbox: [], connected: true, auto: true, held: [], info: null });
    sim.ds.keyPackage(cId, b64(await km.keyPackage()));
    await sim.pump();
    const reqA = sim.member(a).held.pop();
    assert.ok(reqA, 'alice was asked first');
    await new Promise((r) => setTimeout(r, 400)); // alice is too slow: bob is asked
    await sim.pump();
    const reqB = sim.member(b).held.pop();
    assert.ok(reqB, 'bob was asked after the timeout');
    // Both build a commit for the same epoch; bob's reaches the server first.
    const ka = sim.member(a).km;
    const outA = await ka.commit({ epoch: reqA.epoch, adds: reqA.adds.map((x) => ({ participantId: x.participantId, keyPackage: unb64(x.keyPackage) })), removes: reqA.removes });
    await sim.answer(b, reqB);
    sim.ds.commit(a, b64(outA.commit), outA.welcome && b64(outA.welcome));
    assert.ok(sim.member(a).inbox.some((m) => m.type === 'mlsRejected'), 'alice is told her commit lost');
    await sim.pump();
    sim.assertAgree([a, b, cId]);
    sim.ds.close();
  });

  it('brings a member who missed commits up to date, or has it rejoin when they are gone', async () => {
    const sim = new Sim();
    const [a, b] = [await sim.add('alice'), await sim.add('bob')];
    const epochB = sim.member(b).info?.epoch ?? -1;
    sim.member(b).connected = false; // a dropped connection: misses the next commit
    const c = await sim.add('carol');
    assert.equal(sim.member(b).info?.epoch, epochB);
    sim.member(b).connected = true;
    sim.ds.sync(b, epochB);
    await sim.pump();
    sim.assertAgree([a, b, c]);

    // A member whose state is unusable (it could not apply a commit): removed, then added again
    // from a fresh KeyPackage, in one commit.
    sim.ds.failed(b);
    await sim.pump();
    sim.assertAgree([a, b, c]);

    // A reloaded page resumes its place with no group state and just sends a new KeyPackage.
    const fresh = await KeyManager.create({ participantId: c });
    sim.member(c).km = fresh;
    sim.member(c).info = null;
    sim.ds.keyPackage(c, b64(await fresh.keyPackage()));
    await sim.pump();
    sim.assertAgree([a, b, c]);
    sim.ds.close();
  });

  it('asks for a key update periodically, so a stolen epoch secret stops working', async () => {
    const sim = new Sim(10_000, 80);
    const [a, b] = [await sim.add('alice'), await sim.add('bob')];
    const before = { epoch: sim.ds.currentEpoch, secret: sim.member(a).info?.epochSecret.slice() };
    await new Promise((r) => setTimeout(r, 120));
    await sim.pump();
    assert.ok((sim.ds.currentEpoch ?? 0) > (before.epoch ?? 0), 'an update commit');
    sim.assertAgree([a, b]);
    assert.notDeepEqual(sim.member(b).info?.epochSecret, before.secret, 'new secret without any membership change');
    sim.ds.close();
  });

  it('lets a lone member who reloaded found the group again', async () => {
    const sim = new Sim();
    const a = await sim.add('alice');
    const fresh = await KeyManager.create({ participantId: a });
    sim.member(a).km = fresh;
    sim.ds.keyPackage(a, b64(await fresh.keyPackage()));
    await sim.pump();
    const b = await sim.add('bob');
    sim.assertAgree([a, b]);
    sim.ds.close();
  });

  it('refuses KeyPackages in another name and commits from outsiders or for another group', async () => {
    const sim = new Sim();
    const a = await sim.add('alice');
    const mallory = await KeyManager.create({ participantId: pid('mallory') });
    const kp = b64(await mallory.keyPackage());
    assert.throws(() => sim.ds.keyPackage(pid('bob'), kp), /not in your name|not valid/);
    assert.throws(() => sim.ds.commit(pid('bob'), 'AAAA', undefined), /Only members/);
    assert.throws(() => sim.ds.commit(a, b64(new Uint8Array([0, 1, 0, 1, 0, 0])), undefined), /not a commit/);
    sim.ds.close();
  });
});

