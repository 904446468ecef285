/** Runs the `nestjs-openfga` bin, compiled from this checkout's source, in a child process with only the environment given. */
import { spawn } from 'node:child_process';
import { serverEnv } from '../harness/env';
import { PROJECT_ROOT } from '../harness/servers';
import { compiledBin } from './compiled';

export interface BinRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** stdin is closed (no terminal); killed after `timeoutMs`. Nothing of this process's OPENFGA_* leaks in. */
export function runBin(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<BinRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [compiledBin(), ...args], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
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
