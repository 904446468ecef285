/**
 * How long other Redis clients wait while one call runs: a Lua script blocks
 * the whole server for its duration. The probe PINGs back to back from its
 * own process, so what the caller's event loop does (validation, encoding)
 * does not count, only what Redis makes every other client wait.
 */
import { spawn } from 'node:child_process';

export interface Stall {
  /** The slowest PING the other client saw while the call ran (ms). */
  maxMs: number;
  pings: number;
  /** How long the call took (ms). */
  callMs: number;
}

const PROBE = `
const { Redis } = require(${JSON.stringify(require.resolve('ioredis'))});
const redis = new Redis(process.argv[1]);
let running = true, maxMs = 0, pings = 0;
process.on('message', () => { running = false; });
redis.ping().then(async () => {
  process.send('ready');
  while (running) {
    const started = performance.now();
    await redis.ping();
    maxMs = Math.max(maxMs, performance.now() - started);
    pings++;
  }
  process.send({ maxMs, pings }, () => { redis.disconnect(); process.exit(0); });
});
`;

/** Runs `call` while another process PINGs Redis back to back; reports the slowest PING. */
export async function measureStall(redisUrl: string, call: () => Promise<unknown>): Promise<Stall> {
  const probe = spawn(process.execPath, ['-e', PROBE, redisUrl], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const reply = new Promise<{ maxMs: number; pings: number }>((resolve, reject) => {
    probe.on('message', (m: unknown) => {
      if (typeof m === 'object' && m !== null) resolve(m as { maxMs: number; pings: number });
    });
    probe.once('exit', (code) => reject(new Error(`the PING probe exited with code ${code}`)));
  });
  reply.catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    probe.once('message', () => resolve());
    probe.once('exit', (code) => reject(new Error(`the PING probe exited with code ${code}`)));
  });
  const started = performance.now();
  try {
    await call();
  } finally {
    probe.send('stop');
  }
  const callMs = performance.now() - started;
  return { ...(await reply), callMs };
}
