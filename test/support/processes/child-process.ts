/** Runs the test child scripts (compiled once, see compiled.ts) and reads their JSON-lines output. */
import { ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { OpenFgaModuleOptions } from '../../../src';
import { PROJECT_ROOT } from '../harness/servers';
import { compiledChild } from './compiled';

export interface ChildEvent {
  event: string;
  [key: string]: unknown;
}

export interface RunningChild {
  process: ChildProcess;
  events: ChildEvent[];
  /** Writes a line to the child's stdin. */
  send(line: string): void;
  /** Resolves with the first event matching `predicate` (rejects after `timeoutMs` or if the child exits first). */
  waitFor(predicate: (e: ChildEvent) => boolean, timeoutMs?: number): Promise<ChildEvent>;
  exited: Promise<number | null>;
}

const started = new Set<ChildProcess>();

/** Kills every child still running (afterEach/afterAll), so no test leaves a process behind. */
export function killAllChildren(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
}

export function startChild(script: string, options: OpenFgaModuleOptions, env: Record<string, string> = {}): RunningChild {
  const child = spawn(process.execPath, [compiledChild(script)], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env, NESTJS_OPENFGA_OPTIONS: JSON.stringify(options) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  started.add(child);
  const events: ChildEvent[] = [];
  const listeners = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as ChildEvent);
      listeners.forEach((l) => l());
    } catch {
      // not an event line
    }
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return {
    process: child,
    events,
    exited,
    send: (line) => void child.stdin!.write(`${line}\n`),
    waitFor(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = events.find(predicate);
          if (hit) {
            cleanup();
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`child ${script} sent no matching event within ${timeoutMs} ms`));
        }, timeoutMs);
        const onExit = () =>
          setImmediate(() => {
            check();
            cleanup();
            reject(new Error(`child ${script} exited before the expected event`));
          });
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
  };
}
