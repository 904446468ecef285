/**
 * A separate Node process that flushes a shared buffer, for the multi-process
 * and crash tests. Options come as JSON in NESTJS_OPENFGA_OPTIONS; it prints
 * one JSON line per settled batch ("progress") and a final "done" line.
 */
import { createOpenFgaCore } from '../../../../src/core/openfga-core';
import { resolveOptions } from '../../../../src/options/resolve-options';

/** With WAIT_FOR_GO=1 the process connects, says "ready" and waits for "go" on stdin, so several start flushing together. */
function waitForGo(): Promise<void> {
  if (process.env.WAIT_FOR_GO !== '1') return Promise.resolve();
  process.stdout.write(`${JSON.stringify({ event: 'ready' })}\n`);
  return new Promise((resolve) =>
    process.stdin.once('data', () => {
      process.stdin.destroy(); // an open stdin would keep this process alive after the flush
      resolve();
    }),
  );
}

async function main() {
  const core = createOpenFgaCore(resolveOptions(JSON.parse(process.env.NESTJS_OPENFGA_OPTIONS ?? '{}')));
  try {
    await core.redis.ping();
    await waitForGo();
    const result = await core.flusher.flush({
      onProgress: (p) => process.stdout.write(`${JSON.stringify({ event: 'progress', ...p })}\n`),
    });
    process.stdout.write(`${JSON.stringify({ event: 'done', ...result })}\n`);
  } finally {
    await core.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
