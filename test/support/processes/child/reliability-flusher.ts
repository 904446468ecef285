/**
 * A process that keeps flushing a shared buffer until it is killed or told
 * "stop" on stdin (reliability suite: R1, R5, R6). Options come as JSON in
 * NESTJS_OPENFGA_OPTIONS. Prints JSON lines: "ready" once connected,
 * "progress" after every settled batch, and "done" with its totals after "stop".
 * With WAIT_FOR_GO=1 it waits for a "go" line after "ready" before flushing; with
 * RELIABILITY_TRACE_CLAIMS=1 it also prints "claimed" and "settled" per batch.
 */
import { createInterface } from 'node:readline';
import { Logger } from '@nestjs/common';
import { createOpenFgaCore, OpenFgaCore } from '../../../../src/core/openfga-core';
import type { FlushResult } from '../../../../src/flush/flush-result';
import { resolveOptions } from '../../../../src/options/resolve-options';

Logger.overrideLogger(['error']);
const emit = (event: string, data: object = {}) => process.stdout.write(`${JSON.stringify({ event, pid: process.pid, ...data })}\n`);

async function main() {
  const core = createOpenFgaCore(resolveOptions(JSON.parse(process.env.NESTJS_OPENFGA_OPTIONS ?? '{}')));
  let stopping = false;
  let go: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (go = resolve));
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === 'go') go();
    if (line.trim() === 'stop') stopping = true;
  });
  if (process.env.RELIABILITY_TRACE_CLAIMS === '1') traceClaims(core);
  await core.redis.ping();
  emit('ready');
  if (process.env.WAIT_FOR_GO === '1') await started;
  const total = { writes: 0, deletes: 0, failed: 0, deadLettered: 0, queued: 0, flushes: 0 };
  while (!stopping) {
    let result: FlushResult;
    try {
      result = await core.flusher.flush({ onProgress: (p) => emit('progress', p) });
    } catch (err) {
      emit('error', { message: String(err) });
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    total.flushes++;
    total.writes += result.writes;
    total.deletes += result.deletes;
    total.failed += result.failed;
    total.deadLettered += result.deadLettered;
    total.queued += result.queued ?? 0;
    const did = result.writes + result.deletes + result.failed + result.deadLettered + (result.queued ?? 0);
    if (did === 0) await new Promise((r) => setTimeout(r, 20));
  }
  emit('done', total);
  await core.close();
}

/** Reports every claimed and settled batch, so a test knows what this process held when it was killed. */
function traceClaims(core: OpenFgaCore): void {
  const { buffer } = core;
  const claim = buffer.claim.bind(buffer);
  const settle = buffer.settle.bind(buffer);
  buffer.claim = async (limit, leaseMs) => {
    const batch = await claim(limit, leaseMs);
    if (batch) emit('claimed', { batchId: batch.id, operations: batch.operations.length });
    return batch;
  };
  buffer.settle = async (batchId, settlement) => {
    const left = await settle(batchId, settlement);
    emit('settled', { batchId, left });
    return left;
  };
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
