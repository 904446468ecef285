/**
 * A loopback HTTP proxy in front of the real OpenFGA that fails Write
 * requests by the tuples they carry: `fault(tuples)` decides per request
 * whether it is forwarded, cut before it reaches OpenFGA (a network error:
 * OpenFGA unreachable), or refused with an HTTP error as OpenFGA sends it
 * (e.g. 401 from a gateway whose preshared key does not match). Every other
 * request is forwarded unchanged.
 */
import { Agent, createServer, IncomingMessage, request as httpRequest } from 'node:http';
import { listenProxy } from './proxy-server';

export type WriteFault = 'forward' | 'cut' | { status: number; code: string; message: string };

export interface TupleFaultProxy {
  url: string;
  /** Decides the fate of one Write by the ids (`user relation object`) of the tuples it writes or deletes. */
  fault: (tuples: string[]) => WriteFault;
  close(): Promise<void>;
}

interface WriteBody {
  writes?: { tuple_keys?: { user: string; relation: string; object: string }[] };
  deletes?: { tuple_keys?: { user: string; relation: string; object: string }[] };
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

export async function startTupleFaultProxy(targetUrl: string): Promise<TupleFaultProxy> {
  const target = new URL(targetUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const proxy: TupleFaultProxy = { url: '', fault: () => 'forward', close: async () => undefined };
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      if (req.method === 'POST' && /^\/stores\/[^/]+\/write$/.test(req.url ?? '')) {
        const parsed = JSON.parse(body.toString('utf8') || '{}') as WriteBody;
        const tuples = [...(parsed.writes?.tuple_keys ?? []), ...(parsed.deletes?.tuple_keys ?? [])];
        const fault = proxy.fault(tuples.map((t) => `${t.user} ${t.relation} ${t.object}`));
        if (fault === 'cut') return req.socket.destroy();
        if (fault !== 'forward') {
          res.writeHead(fault.status, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ code: fault.code, message: fault.message }));
        }
      }
      const upstream = httpRequest(
        { host: target.hostname, port: Number(target.port), method: req.method, path: req.url, headers: req.headers, agent },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.once('error', (err) => {
        res.writeHead(502);
        res.end(String(err));
      });
      upstream.end(body);
    });
  });
  Object.assign(proxy, await listenProxy(server, agent));
  return proxy;
}
