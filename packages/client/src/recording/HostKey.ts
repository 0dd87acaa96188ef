import { recordingKeyId } from '@kaigi/protocol';

// The host's recording key (A5 in E2EE meetings): a P-256 ECDH key pair made in this browser
// and kept in IndexedDB, one per signed-in account. The private key is not extractable: script
// on the page can use it to open this host's recordings here, but cannot copy it out, and it
// never goes to the server. Clearing the browser's site data loses it (and with it, the way to
// open recordings that are not also encrypted to an escrow key).

const DB = 'kaigi-recording-keys';
const STORE = 'keys';
const EC = { name: 'ECDH', namedCurve: 'P-256' } as const;

export interface HostKey {
  userId: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** SHA-256 of the public key, base64url: what recordings name it by. */
  keyId: string;
  createdAt: string;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'userId' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB is not available'));
  });
}

function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  return open().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const req = work(tx.objectStore(STORE));
        tx.oncomplete = () => {
          db.close();
          resolve(req.result as T);
        };
        tx.onerror = tx.onabort = () => {
          db.close();
          reject(tx.error ?? new Error('IndexedDB transaction failed'));
        };
      }),
  );
}

/** This browser's key for the account, if it has one. */
export async function loadHostKey(userId: string): Promise<HostKey | null> {
  const found = await run<HostKey | undefined>('readonly', (s) => s.get(userId));
  return found ?? null;
}

/** The account's key in this browser, made on first use. */
export async function hostKey(userId: string): Promise<HostKey> {
  const existing = await loadHostKey(userId);
  if (existing) return existing;
  const pair = (await crypto.subtle.generateKey(EC, false, ['deriveBits'])) as CryptoKeyPair;
  const key: HostKey = {
    userId,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    keyId: await recordingKeyId(pair.publicKey),
    createdAt: new Date().toISOString(),
  };
  // add(), not put(): if another tab made one meanwhile, keep that one.
  await run('readwrite', (s) => s.add(key)).catch(() => undefined);
  return (await loadHostKey(userId)) ?? key;
}

/** A key ID as people compare it: the first 16 characters, in groups of four. */
export function keyFingerprint(keyId: string): string {
  return (keyId.slice(0, 16).match(/.{4}/g) ?? []).join(' ');
}
