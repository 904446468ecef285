/** autocannon in a process of its own (the app under test keeps this one), against loopback only. */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface, Interface } from 'node:readline';

export interface LoadResult {
  requestsPerSec: number;
  total: number;
  non2xx: number;
  errors: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

type Reply = { ok: LoadResult } | { error: string };

export class LoadGenerator {
  private pending?: { resolve: (r: Reply) => void; reject: (e: Error) => void };

  private constructor(
    private readonly child: ChildProcess,
    lines: Interface,
  ) {
    lines.on('line', (line) => {
      const waiting = this.pending;
      this.pending = undefined;
      waiting?.resolve(JSON.parse(line) as Reply);
    });
    child.once('exit', (code) => {
      this.pending?.reject(new Error(`the load generator exited (code ${code})`));
      this.pending = undefined;
    });
  }

  static start(): LoadGenerator {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'load-generator.child.ts')], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    return new LoadGenerator(child, createInterface({ input: child.stdout! }));
  }

  /** One autocannon run; one at a time. */
  async run(url: string, seconds: number, connections: number): Promise<LoadResult> {
    if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error(`load runs against loopback only, not ${url}`);
    if (this.pending) throw new Error('one load run at a time');
    let timer: NodeJS.Timeout | undefined;
    const reply = await new Promise<Reply>((resolve, reject) => {
      this.pending = { resolve, reject };
      timer = setTimeout(() => reject(new Error(`no load result after ${seconds + 30} s`)), (seconds + 30) * 1000);
      this.child.stdin!.write(`${JSON.stringify({ url, seconds, connections })}\n`);
    }).finally(() => clearTimeout(timer));
    if ('error' in reply) throw new Error(`autocannon: ${reply.error}`);
    return reply.ok;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin!.end();
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  }
}
