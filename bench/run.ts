/**
 * Runs the benchmarks on the real servers (redis-server and OpenFGA, started
 * here on free loopback ports) and prints one line per benchmark: measured
 * figures, the ratio against a baseline measured in the same run, PASS/MISS.
 * Results go to bench/results/latest.json. A missed target is reported, not
 * an error: the exit code is non-zero only when something failed to run.
 *
 *   npm run bench                 full run
 *   npm run bench -- --quick      short run (CI)
 *   npm run bench -- --only P1,P4
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOpenFga, startRedis, RunningOpenFga, RunningRedis } from '../test/support/harness/servers';
import { p1 } from './p1-grant-latency';
import { p1pg } from './p1pg-grant-vs-postgres';
import { p1c } from './p1c-conditional-grant';
import { p2 } from './p2-check-latency';
import { p3 } from './p3-flush-throughput';
import { p4 } from './p4-backlog-enqueue';
import { p5 } from './p5-memory-per-op';
import { p6 } from './p6-http-guard';
import { p7 } from './p7-grant-many';
import { p8 } from './p8-check-unrelated-during-import';
import { p9 } from './p9-check-imported-during-import';
import { p10 } from './p10-hit-ratio-under-writes';
import { p11 } from './p11-list-objects';
import { p12 } from './p12-batch-check-warm';
import { p13 } from './p13-batch-check-cold';
import { p14 } from './p14-concurrent-grants';
import { p15 } from './p15-reads-during-hierarchy-import';
import { p16 } from './p16-replicated-grant';
import { p17 } from './p17-second-connection';
import type { Benchmark } from './support/benchmark';
import { createContext } from './support/context';
import { machineInfo, openFgaVersion } from './support/machine';
import { redisVersion } from './support/redis-info';
import { BenchResult, passed } from './support/result';
import { headerLine, resultLine } from './support/table';

const BENCHMARKS: Benchmark[] = [p1, p1pg, p1c, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15, p16, p17];

const RESULTS_FILE = join(__dirname, 'results', 'latest.json');

interface Args {
  quick: boolean;
  only?: Set<string>;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') args.quick = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const list = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      args.only = new Set((list ?? '').split(',').map((s) => s.trim().toUpperCase()));
      const unknown = [...args.only].filter((id) => !BENCHMARKS.some((b) => b.id === id));
      if (unknown.length) throw new Error(`--only: unknown benchmark(s) ${unknown.join(', ')}`);
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: npm run bench [-- --quick] [-- --only P1,P2]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const mode = args.quick ? 'quick' : 'full';
  const started = Date.now();
  const machine = machineInfo();
  process.stdout.write(
    `nestjs-openfga benchmarks, ${mode} mode: ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, load ${machine.loadAverage?.join(' ') ?? '?'}\n`,
  );
  let redis: RunningRedis | undefined;
  let openfga: RunningOpenFga | undefined;
  const results: BenchResult[] = [];
  let servers: { redis: string; openfga: string } | undefined;
  try {
    [redis, openfga] = await Promise.all([startRedis(), startOpenFga()]);
    const owned = createContext({ redisUrl: redis.url, apiUrl: openfga.apiUrl, maxTuplesPerWrite: openfga.maxTuplesPerWrite }, args.quick);
    servers = { redis: await redisVersion(owned.ctx.redis), openfga: openFgaVersion() };
    process.stdout.write(
      `servers: redis-server ${servers.redis} on ${redis.url} (no persistence), OpenFGA ${servers.openfga} on ${openfga.apiUrl} (memory datastore)\n\n`,
    );
    process.stdout.write(`${headerLine(mode)}\n`);
    try {
      for (const bench of BENCHMARKS) {
        if (args.only && !args.only.has(bench.id)) continue;
        const t0 = Date.now();
        let result: BenchResult;
        try {
          result = { id: bench.id, title: bench.title, ...(await bench.run(owned.ctx)), durationMs: 0 };
        } catch (err) {
          // The printed line gets the message, the JSON file the stack too.
          const error = (err instanceof Error ? err.message : String(err)).split('\n')[0];
          const figures = { stack: err instanceof Error ? err.stack : undefined };
          result = { id: bench.id, title: bench.title, summary: '', checks: [], figures, durationMs: 0, error };
        } finally {
          await owned.cleanup();
        }
        result.durationMs = Date.now() - t0;
        results.push(result);
        process.stdout.write(`${resultLine(result)}\n`);
      }
    } finally {
      await owned.close();
    }
  } finally {
    await Promise.all([redis?.stop(), openfga?.stop()]);
  }
  const errors = results.filter((r) => r.error !== undefined).length;
  const missed = results.filter((r) => r.error === undefined && !passed(r)).length;
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify({ mode, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, machine, servers, results }, null, 2)}\n`,
  );
  process.stdout.write(
    `\n${results.length - errors - missed} passed, ${missed} missed, ${errors} errors in ${((Date.now() - started) / 1000).toFixed(0)} s; results in ${RESULTS_FILE}\n`,
  );
  return errors > 0 ? 1 : 0;
}

// Ctrl-C / kill: exit through process.exit so the harness's exit hook kills the servers.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

// Every loop is bounded; this catches what is not (a server that stops answering).
const WATCHDOG_MS = (process.argv.includes('--quick') ? 5 : 20) * 60_000;
setTimeout(() => {
  process.stderr.write(`bench: no result after ${WATCHDOG_MS / 60_000} min, giving up\n`);
  process.exit(1);
}, WATCHDOG_MS).unref();

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
