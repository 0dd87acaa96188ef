import type { IceCredentials } from '../IceGuard.js';
import type { EndpointSink, IceEndpoint } from './IceEndpoint.js';

/**
 * What a Transport needs of the node's media port (issue 15 items 1 and 3): MediaNet on the main
 * thread, WorkerNet in a media worker (whose first contacts the main thread's listener posts).
 */
export interface MediaNetHost {
  readonly ip: string;
  readonly port: number;
  /** Resolves once the port is bound. */
  readonly listening: Promise<void>;
  endpoint(credentials: () => IceCredentials, sink: EndpointSink): IceEndpoint;
}
