/**
 * The service in its own Node process, driven over stdin/stdout (reliability
 * suite: R7 and R10). Options come as JSON in NESTJS_OPENFGA_OPTIONS; with
 * `autoFlush` the size/age triggers run as in an application.
 *
 * Requests are JSON lines `{ id, method, args }` (grant, revoke, grantMany,
 * revokeMany, check, flush, status, close), handled concurrently; each gets
 * one reply line `{ id, ok: true, value }` or `{ id, ok: false, error: { name, message } }`.
 */
import { createInterface } from 'node:readline';
import { Logger } from '@nestjs/common';
import { createOpenFgaCore } from '../../../../src/core/openfga-core';
import { OpenFgaService } from '../../../../src/openfga.service';
import { resolveOptions } from '../../../../src/options/resolve-options';

Logger.overrideLogger(['error']);

interface Request {
  id: number;
  method: string;
  args: unknown[];
}

const core = createOpenFgaCore(resolveOptions(JSON.parse(process.env.NESTJS_OPENFGA_OPTIONS ?? '{}')));
const service = new OpenFgaService(core);
const reply = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

const methods: Record<string, (...args: never[]) => Promise<unknown>> = {
  grant: (u: string, r: string, o: string) => service.grant(u, r, o),
  revoke: (u: string, r: string, o: string) => service.revoke(u, r, o),
  grantMany: (tuples: never) => service.grantMany(tuples),
  revokeMany: (tuples: never) => service.revokeMany(tuples),
  check: (u: string, r: string, o: string, options?: never) => service.check(u, r, o, options),
  flush: () => service.flush(),
  status: () => service.status(),
  close: async () => {
    await service.beforeApplicationShutdown();
    await core.close();
    setImmediate(() => process.exit(0));
  },
};

async function handle(request: Request): Promise<void> {
  const method = methods[request.method];
  try {
    if (!method) throw new Error(`unknown method ${request.method}`);
    reply({ id: request.id, ok: true, value: (await method(...(request.args as never[]))) ?? null });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply({ id: request.id, ok: false, error: { name: e.name, message: e.message } });
  }
}

core.redis
  .ping()
  .then(() => {
    if (core.options.autoFlush) core.triggers.start();
    createInterface({ input: process.stdin }).on('line', (line) => {
      if (line.trim()) void handle(JSON.parse(line) as Request);
    });
    reply({ event: 'ready', pid: process.pid });
  })
  .catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
