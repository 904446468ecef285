import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Duplex } from 'node:stream';

/**
 * The keep-alive connections to OpenFGA of one owner (a core, a health
 * probe), closed with it. The SDK gives each client its own keep-alive
 * agents and never closes them, and OpenFGA keeps idle connections open: an
 * app closed and built again (a test suite's modules, for one) would leave
 * its connections open for as long as the process runs.
 *
 * Closing is final. Node's `agent.destroy()` closes the sockets it has but
 * not those a later request opens; a request still under way at close (one
 * the owner stopped waiting for after its shutdown timeout, or an SDK retry)
 * gets its answer, and then its socket is closed instead of kept.
 */
export class OpenFgaAgents {
  private closed = false;
  readonly http: HttpAgent;
  readonly https: HttpsAgent;

  constructor() {
    // Node's own rule (typed void; false when the server's keep-alive hint has run out), unless closed.
    const keep = (socket: Duplex, agent: HttpAgent): boolean =>
      !this.closed && (HttpAgent.prototype.keepSocketAlive.call(agent, socket) as unknown) !== false;
    this.http = new (class extends HttpAgent {
      override keepSocketAlive(socket: Duplex): boolean {
        return keep(socket, this);
      }
    })({ keepAlive: true });
    this.https = new (class extends HttpsAgent {
      override keepSocketAlive(socket: Duplex): boolean {
        return keep(socket, this);
      }
    })({ keepAlive: true });
  }

  /** The SDK's `baseOptions` that send every request over these connections. */
  get baseOptions(): { httpAgent: HttpAgent; httpsAgent: HttpsAgent } {
    return { httpAgent: this.http, httpsAgent: this.https };
  }

  /** Closes every connection, idle or not, and keeps none opened after: only when nothing more is asked. */
  destroy(): void {
    this.closed = true;
    this.http.destroy();
    this.https.destroy();
  }
}
