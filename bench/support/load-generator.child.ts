/**
 * The load generator's process: runs autocannon for each request read from
 * stdin (one JSON line: { url, seconds, connections }) and answers with one
 * JSON line. Kept alive between runs, so short alternating runs cost no
 * process start. Exits when its stdin closes (also when the parent dies).
 */
import autocannon from 'autocannon';
import { createInterface } from 'node:readline';

interface Job {
  url: string;
  seconds: number;
  connections: number;
}

async function run(job: Job) {
  const r = await autocannon({ url: job.url, duration: job.seconds, connections: job.connections });
  return {
    requestsPerSec: r.requests.total / r.duration,
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
  };
}

const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  queue = queue.then(async () => {
    try {
      process.stdout.write(`${JSON.stringify({ ok: await run(JSON.parse(line) as Job) })}\n`);
    } catch (err) {
      process.stdout.write(`${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}\n`);
    }
  });
});
lines.on('close', () => void queue.then(() => process.exit(0)));
