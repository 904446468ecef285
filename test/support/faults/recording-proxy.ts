/**
 * A loopback HTTP proxy in front of the real OpenFGA that forwards every
 * request unchanged and records each Write (its tuples, when it started and
 * when its answer ended, the status): R5 uses it to prove that no tuple is
 * ever in two Write requests at once and that no write is rejected. It never
 * answers by itself.
 */
import { Agent, createServer, IncomingMessage, request as httpRequest } from 'node:http';
import { listenProxy } from './proxy-server';

export interface RecordedWrite {
  /** When the proxy received the request / finished relaying the answer (ms, performance clock). */
  start: number;
  end: number;
  status: number;
  writes: string[];
  deletes: string[];
  /** The error message of a rejected write. */
  message?: string;
}

export interface RecordingProxy {
  url: string;
  writes: RecordedWrite[];
  /** Requests other than Write, by path kind. */
  otherRequests: number;
  /** Called with each Write's tuple ids when its body arrived, before it is forwarded (R11 freezes its sender there). */
  beforeWrite?: (tuples: string[]) => void;
  close(): Promise<void>;
}

interface WriteBody {
  writes?: { tuple_keys?: { user: string; relation: string; object: string }[] };
  deletes?: { tuple_keys?: { user: string; relation: string; object: string }[] };
}

const key = (t: { user: string; relation: string; object: string }) => `${t.user} ${t.relation} ${t.object}`;

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

export async function startRecordingProxy(targetUrl: string): Promise<RecordingProxy> {
  const target = new URL(targetUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const proxy: RecordingProxy = { url: '', writes: [], otherRequests: 0, close: async () => undefined };
  const server = createServer((req, res) => {
    const start = performance.now();
    void readBody(req).then((body) => {
      const isWrite = req.method === 'POST' && /^\/stores\/[^/]+\/write$/.test(req.url ?? '');
      if (!isWrite) proxy.otherRequests++;
      else if (proxy.beforeWrite) {
        const parsed = JSON.parse(body.toString('utf8') || '{}') as WriteBody;
        proxy.beforeWrite([...(parsed.writes?.tuple_keys ?? []), ...(parsed.deletes?.tuple_keys ?? [])].map(key));
      }
      const upstream = httpRequest(
        { host: target.hostname, port: Number(target.port), method: req.method, path: req.url, headers: req.headers, agent },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          void readBody(answer).then((payload) => {
            if (isWrite) {
              const parsed = JSON.parse(body.toString('utf8') || '{}') as WriteBody;
              const entry: RecordedWrite = {
                start,
                end: performance.now(),
                status: answer.statusCode ?? 0,
                writes: (parsed.writes?.tuple_keys ?? []).map(key),
                deletes: (parsed.deletes?.tuple_keys ?? []).map(key),
              };
              if (entry.status !== 200) entry.message = payload.toString('utf8').slice(0, 500);
              proxy.writes.push(entry);
            }
            res.end(payload);
          });
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

/** Pairs of recorded writes that carried the same tuple while both were in flight (should be none). */
export function overlappingWrites(writes: readonly RecordedWrite[]): { tuple: string; a: RecordedWrite; b: RecordedWrite }[] {
  const byTuple = new Map<string, RecordedWrite[]>();
  for (const w of writes) {
    for (const t of [...w.writes, ...w.deletes]) {
      const list = byTuple.get(t);
      if (list) list.push(w);
      else byTuple.set(t, [w]);
    }
  }
  const out: { tuple: string; a: RecordedWrite; b: RecordedWrite }[] = [];
  for (const [tuple, list] of byTuple) {
    const sorted = [...list].sort((x, y) => x.start - y.start);
    let latest = sorted[0];
    for (const w of sorted.slice(1)) {
      if (w.start < latest.end) out.push({ tuple, a: latest, b: w });
      if (w.end > latest.end) latest = w;
    }
  }
  return out;
}
