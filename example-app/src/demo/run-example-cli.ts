import { spawn } from 'node:child_process';
import { PROJECT_ROOT } from '../../../test/support/harness/servers';
import type { ExampleAppConfig } from '../config';

/**
 * Runs example-app/src/cli.ts in a child process, configured through the
 * environment like the app; rejects if it does not exit within 30 s.
 * Shared by the demo and the example app's e2e test.
 */
export function runExampleCli(args: string[], config: ExampleAppConfig): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    OPENFGA_API_URL: config.apiUrl,
    OPENFGA_STORE_ID: config.storeId,
    OPENFGA_MODEL_ID: config.authorizationModelId,
    OPENFGA_REDIS_URL: config.redisUrl,
    OPENFGA_PREFIX: config.prefix,
    ADMIN_TOKEN: config.adminToken,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'example-app/src/cli.ts', ...args], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`example CLI ${args.join(' ')} did not exit within 30 s\n${stdout}\n${stderr}`));
    }, 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
