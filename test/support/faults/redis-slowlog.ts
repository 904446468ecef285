/** How long Redis ran each script, from its slow log: a script blocks every other client for that long. */
import type { Redis } from 'ioredis';

/** Logs every command from now on (a private server only: this changes its configuration). */
export async function recordEveryCommand(admin: Redis): Promise<void> {
  await admin.config('SET', 'slowlog-log-slower-than', '0');
  await admin.config('SET', 'slowlog-max-len', '100000');
  await admin.slowlog('RESET');
}

/** The longest and the median script run (ms) since `recordEveryCommand`, and how many script runs there were. */
export async function scriptRuns(admin: Redis): Promise<{ maxMs: number; medianMs: number; runs: number }> {
  const entries = (await admin.slowlog('GET', -1)) as [number, number, number, string[]][];
  const ms = entries
    .filter(([, , , args]) => /^eval/i.test(args[0] ?? ''))
    .map(([, , usec]) => usec / 1000)
    .sort((a, b) => a - b);
  return { maxMs: ms[ms.length - 1] ?? 0, medianMs: ms[Math.floor(ms.length / 2)] ?? 0, runs: ms.length };
}
