/** A process that polls the change feed until killed; prints "polling" once it holds the lease. */
import { createOpenFgaCore } from '../../../../src/core/openfga-core';
import { resolveOptions } from '../../../../src/options/resolve-options';
import { makePoller } from '../../state/feed';

const core = createOpenFgaCore(resolveOptions(JSON.parse(process.env.NESTJS_OPENFGA_OPTIONS ?? '{}')));
const poller = makePoller(core, 100);
const loop = setInterval(() => {
  poller
    .pollOnce()
    .then(async () => {
      if ((await poller.status()).polling) process.stdout.write(`${JSON.stringify({ event: 'polling' })}\n`);
    })
    .catch((err: unknown) => process.stderr.write(`${String(err)}\n`));
}, 100);
process.on('SIGTERM', () => {
  clearInterval(loop);
  void core.close().then(() => process.exit(0));
});
