/**
 * A separate Node process that flushes a shared buffer, for the multi-process
 * and crash tests. Options come as JSON in NESTJS_OPENFGA_OPTIONS; it prints
 * one JSON line per settled batch ("progress") and a final "done" line.
 */
import { createOpenFgaCore } from '../../../src/core/openfga-core';
import { resolveOptions } from '../../../src/options/resolve-options';

async function main() {
  const core = createOpenFgaCore(resolveOptions(JSON.parse(process.env.NESTJS_OPENFGA_OPTIONS ?? '{}')));
  try {
    const result = await core.flusher.flush({
      onProgress: (p) => process.stdout.write(`${JSON.stringify({ event: 'progress', ...p })}\n`),
    });
    process.stdout.write(`${JSON.stringify({ event: 'done', ...result })}\n`);
  } finally {
    await core.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
