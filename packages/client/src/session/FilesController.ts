import { FILE_MAX_BYTES, FileName, type FileResource, type ServerMessage } from '@kaigi/protocol';
import { api, type Seat } from '../api/http';
import { ClientFailure } from '../i18n';
import { Store } from '../media/Store';
import type { ChatController } from './ChatController';
import type { E2eeController } from './E2eeController';
import { encryptFile, fileCryptoOverhead, openSharedFile } from './fileCrypto';
import { resumeStore } from './resumeStore';
import type { SignalingClient } from './SignalingClient';

// Files shared in the meeting (A4). The list comes from the server's `files` message and, on
// admission, from GET /api/meetings/:id/files. Requests prove our place in the meeting with the
// resume token (x-kaigi-participant). In an E2EE meeting (D2) the browser encrypts each file
// under a fresh key, uploads only ciphertext, and shares the key with the group through MLS
// (ChatController); downloads are decrypted here and checked against the key's SHA-256. The
// name of an E2EE file never reaches the server (D2): it is sealed inside the file and sent in
// the key message, and the list shows it from there.

export interface FilesSnapshot {
  files: FileResource[];
  /** Bumped whenever a file key arrives, so views asking hasKey() re-render. */
  keys: number;
}

export const EMPTY_FILES: FilesSnapshot = { files: [], keys: 0 };

/** A file ready to save: the name to save it under and its bytes. */
export interface DownloadedFile {
  name: string;
  data: Uint8Array<ArrayBuffer>;
}

export class FilesController extends Store<FilesSnapshot> {
  private readonly offs: (() => void)[] = [];
  /** Counts `files` messages, so a GET answered after a newer push does not overwrite it. */
  private pushes = 0;

  constructor(
    private readonly client: SignalingClient,
    private readonly e2ee: E2eeController,
    private readonly chat: ChatController,
  ) {
    super(EMPTY_FILES);
    this.offs.push(client.on('message', (m) => this.onMessage(m)));
    this.offs.push(chat.onFileKey(() => this.update({ keys: this.snap.keys + 1 })));
  }

  private get encrypted(): boolean {
    return this.e2ee.getSnapshot().enabled;
  }

  /** Whether this browser holds the key of an E2EE file (always true for other files). */
  hasKey(file: FileResource): boolean {
    return file.protection !== 'e2ee' || this.chat.fileKey(file.createdBy, file.id) !== undefined;
  }

  /** The name to show: an E2EE file's comes from its key message (the server has none); null until it arrives. */
  nameOf(file: FileResource): string | null {
    return file.protection === 'e2ee' ? (this.chat.fileKey(file.createdBy, file.id)?.name ?? null) : file.name;
  }

  /** The file's own size: the server counts what it stores, which for E2EE files includes the encryption. */
  sizeOf(file: FileResource): number {
    return (file.protection === 'e2ee' ? this.chat.fileKey(file.createdBy, file.id)?.size : undefined) ?? file.size;
  }

  /** Fetches the list again (on admission; the server pushes changes afterwards). */
  async refresh(): Promise<void> {
    const before = this.pushes;
    const files = await api.listFiles(this.client.meetingId, this.seat());
    if (this.pushes === before) this.update({ files });
  }

  /** Shares a file: checks it, encrypts it in E2EE meetings, uploads it, shares the key. */
  async upload(file: File): Promise<FileResource> {
    const encrypted = this.encrypted;
    const name = FileName.safeParse(file.name);
    if (!name.success) throw new ClientFailure('FILE_NAME_INVALID');
    if (file.size === 0) throw new ClientFailure('FILE_EMPTY');
    if (file.size > FILE_MAX_BYTES - (encrypted ? fileCryptoOverhead(name.data) : 0)) throw new ClientFailure('FILE_TOO_LARGE');
    if (encrypted && this.e2ee.getSnapshot().status !== 'ready') throw new ClientFailure('E2EE_NOT_READY');
    const seat = this.seat();
    const data = new Uint8Array(await file.arrayBuffer());
    if (!encrypted) {
      return api.uploadFile(this.client.meetingId, seat, { name: name.data, bytes: data, protection: 'server' });
    }
    const sealed = await encryptFile(name.data, data);
    const stored = await api.uploadFile(this.client.meetingId, seat, { name: null, bytes: sealed.sealed, protection: 'e2ee' });
    await this.chat.sendFileKey({ id: stored.id, name: name.data, key: sealed.key, size: data.byteLength, sha256: sealed.sha256 });
    return stored;
  }

  /** Fetches a file; in E2EE meetings decrypts it with the key its sender shared and checks it. */
  async download(file: FileResource): Promise<DownloadedFile> {
    const key = file.protection === 'e2ee' ? this.chat.fileKey(file.createdBy, file.id) : undefined;
    if (file.protection === 'e2ee' && !key) throw new ClientFailure('FILE_KEY_MISSING');
    const data = await api.downloadFile(this.client.meetingId, this.seat(), file.id);
    // The name the sender sealed inside the file, which the key message states too.
    if (key) return openSharedFile(data, key);
    return { name: file.name ?? file.id, data };
  }

  /** The host deletes a file; resolves once the server has issued the deletion certificate. */
  async remove(file: FileResource): Promise<void> {
    await api.deleteObject(this.client.meetingId, file.id);
  }

  dispose(): void {
    for (const off of this.offs) off();
  }

  private seat(): Seat {
    const creds = resumeStore.load(this.client.meetingId);
    if (!creds) throw new ClientFailure('NOT_ADMITTED');
    return { participantId: creds.participantId, resumeToken: creds.resumeToken };
  }

  private onMessage(msg: ServerMessage): void {
    switch (msg.type) {
      case 'files':
        this.pushes++;
        this.update({ files: msg.files });
        return;
      case 'admitted':
        this.refresh().catch(() => undefined);
        return;
      case 'ended':
      case 'sentToWaiting':
        this.pushes++;
        this.update({ files: [] });
        return;
      default:
        return;
    }
  }
}
