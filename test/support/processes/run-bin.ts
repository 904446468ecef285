/**
 * Runs the `nestjs-openfga` bin, compiled from this checkout's source, in a child process with only the
 * environment given, as an operator runs it: with stdin closed (scripts, CI), or on a pseudo-terminal
 * (util-linux `script`) that answers its `[y/N]` prompt.
 */
import { spawn } from 'node:child_process';
import { serverEnv } from '../harness/env';
import { PROJECT_ROOT } from '../harness/servers';
import { compiledBin } from './compiled';

export interface BinRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** From the spawn to the exit of the process. */
  ms: number;
}

const CHILD_TIMEOUT_MS = 30_000;

/** A minimal environment (undefined values left out): nothing of this process's OPENFGA_* leaks into the child. */
export function childEnv(vars: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  for (const [k, v] of Object.entries(vars)) if (v !== undefined) env[k] = v;
  return env;
}

/** stdin is closed (no terminal, as in scripts and CI); fails when the bin has not exited after `timeoutMs`. */
export function runBin(args: string[], vars: Record<string, string | undefined>, timeoutMs = CHILD_TIMEOUT_MS): Promise<BinRun> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [compiledBin(), ...args], {
      cwd: PROJECT_ROOT,
      env: childEnv(vars),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bin ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The bin's environment for a store and key prefix on the servers the suite runs on (one seed node of a Cluster). */
export function binEnv(store: { storeId: string; modelId: string }, prefix: string): Record<string, string> {
  const { apiUrl, redisUrl, clusterNodes } = serverEnv();
  return {
    OPENFGA_API_URL: apiUrl,
    OPENFGA_STORE_ID: store.storeId,
    OPENFGA_MODEL_ID: store.modelId,
    // With NESTJS_OPENFGA_REDIS=cluster the bin gets one seed node and must find the store's master itself.
    ...(clusterNodes
      ? { OPENFGA_REDIS_CLUSTER_NODES: `${clusterNodes[0].host}:${clusterNodes[0].port}` }
      : { OPENFGA_REDIS_URL: redisUrl }),
    OPENFGA_PREFIX: prefix,
  };
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs the bin on a pseudo-terminal, so stdin, stdout and stderr are a TTY. Once the `[y/N]` prompt
 * shows, `answer` is typed: a string, or what a function resolves to (it runs while the operator
 * reads the question: what other processes do meanwhile). Returns the terminal's output and the exit code.
 */
export function runInTerminal(
  args: string[],
  vars: Record<string, string | undefined>,
  answer?: string | (() => Promise<string>),
  timeoutMs = CHILD_TIMEOUT_MS,
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, compiledBin(), ...args].map(shellQuote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      cwd: PROJECT_ROOT,
      env: childEnv({ ...vars, SHELL: '/bin/sh', TERM: 'xterm' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let prompted = false;
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (answer === undefined || prompted || !output.includes('[y/N]')) return;
      prompted = true;
      Promise.resolve(typeof answer === 'string' ? answer : answer()).then(
        (typed) => child.stdin.write(`${typed}\r`),
        (err: unknown) => {
          child.kill('SIGKILL');
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bin ${args.join(' ')} on a terminal did not exit within ${timeoutMs} ms\noutput: ${output}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, output });
    });
  });
}
