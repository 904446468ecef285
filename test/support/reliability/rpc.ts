/**
 * Drives test/support/processes/child/reliability-service.ts: the real service in a
 * separate Node process, called over stdin/stdout as if it were local.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { FlushResult, OpenFgaModuleOptions, OpenFgaStatus, Tuple } from '../../../src';
import { PROJECT_ROOT } from '../harness/servers';
import { compiledChild } from '../processes/compiled';

export class RemoteError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ServiceProcess {
  pid: number;
  process: ChildProcess;
  grant(user: string, relation: string, object: string): Promise<string>;
  revoke(user: string, relation: string, object: string): Promise<string>;
  grantMany(tuples: Tuple[]): Promise<string>;
  revokeMany(tuples: Tuple[]): Promise<string>;
  check(user: string, relation: string, object: string): Promise<boolean>;
  flush(): Promise<FlushResult>;
  status(): Promise<OpenFgaStatus>;
  /** Asks the process to close the service and exit; kills it after `timeoutMs`. */
  close(timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Kills every service process still running (afterAll), so none outlives its suite. */
export function killServiceProcesses(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
}

export async function startServiceProcess(options: OpenFgaModuleOptions, readyTimeoutMs = 30_000): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [compiledChild('reliability-service.ts')], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NESTJS_OPENFGA_OPTIONS: JSON.stringify(options) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  running.add(child);
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      for (const [, p] of pending) p.reject(new Error(`service process ${child.pid} exited (code ${code})`));
      pending.clear();
      resolve(code);
    }),
  );
  let nextId = 1;
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let msg: { id?: number; ok?: boolean; value?: unknown; error?: { name: string; message: string }; event?: string };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return; // not a protocol line
    }
    if (msg.event === 'ready') return onReady();
    if (msg.id === undefined) return;
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(new RemoteError(msg.error?.name ?? 'Error', msg.error?.message ?? 'unknown error'));
  });
  const call = <T>(method: string, ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`service process ${child.pid} is not running`));
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.stdin!.write(`${JSON.stringify({ id, method, args })}\n`);
    });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`service process not ready within ${readyTimeoutMs} ms`)), readyTimeoutMs);
  });
  try {
    await Promise.race([ready, timeout, exited.then(() => Promise.reject(new Error('service process exited while starting')))]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return {
    pid: child.pid!,
    process: child,
    exited,
    grant: (u, r, o) => call('grant', u, r, o),
    revoke: (u, r, o) => call('revoke', u, r, o),
    grantMany: (tuples) => call('grantMany', tuples),
    revokeMany: (tuples) => call('revokeMany', tuples),
    check: (u, r, o) => call('check', u, r, o),
    flush: () => call('flush'),
    status: () => call('status'),
    async close(timeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      call('close').catch(() => undefined);
      await exited;
      clearTimeout(killer);
    },
    kill: (signal = 'SIGKILL') => void child.kill(signal),
  };
}
