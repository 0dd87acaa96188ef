// Child process of dtlsWarmup.test.ts: prints how long the first P-256 key pair of werift's own
// @noble/curves takes in a fresh process, after opening a MediaNet when argv[2] is 'open'.
import { MediaNet } from '../../../src/sfu/net/MediaNet.js';
import { weriftP256 } from '../../../src/sfu/net/dtlsWarmup.js';

const p256 = await weriftP256();
if (!p256) throw new Error("werift's @noble/curves not found");
const net = process.argv[2] === 'open' ? await MediaNet.open({ ip: '127.0.0.1', port: 0 }) : null;
const priv = p256.utils.randomPrivateKey();
const started = performance.now();
p256.getPublicKey(priv, false);
process.stdout.write(`${performance.now() - started}\n`);
net?.close();
