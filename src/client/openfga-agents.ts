import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/**
 * The keep-alive connections to OpenFGA of one owner (a core, a health
 * probe), closed with it. The SDK gives each client its own keep-alive
 * agents and never closes them, and OpenFGA keeps idle connections open: an
 * app closed and built again (a test suite's modules, for one) would leave
 * its connections open for as long as the process runs.
 */
export class OpenFgaAgents {
  readonly http = new HttpAgent({ keepAlive: true });
  readonly https = new HttpsAgent({ keepAlive: true });

  /** The SDK's `baseOptions` that send every request over these connections. */
  get baseOptions(): { httpAgent: HttpAgent; httpsAgent: HttpsAgent } {
    return { httpAgent: this.http, httpsAgent: this.https };
  }

  /** Closes every connection, idle or not: only when nothing more is asked. */
  destroy(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
