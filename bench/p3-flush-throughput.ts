/**
 * P3: how fast the flusher drains the buffer into OpenFGA (claim, write,
 * settle), against the best raw @openfga/sdk loop: the same tuples per
 * request and the same number of requests in flight, no Redis at all.
 * Every run writes into a fresh store of its own; runs alternate (raw,
 * flush, then flush, raw).
 */
import type { Benchmark } from './support/benchmark';
import type { BenchContext } from './support/context';
import { fillBuffer } from './support/fill';
import { rate } from './support/format';
import { median } from './support/percentiles';
import { atLeast } from './support/result';
import { pool } from './support/sampler';
import { benchTuples } from './support/tuples';

/**
 * Per run, into a fresh store: OpenFGA's in-memory datastore writes slower as a
 * store grows (11 ms per 100 tuples empty, 30-60 ms at 10k), which would
 * measure the datastore rather than the flusher.
 */
const OPS_PER_RUN = 5000;

interface Shape {
  ops: number;
  perRequest: number;
  inFlight: number;
}

/** The raw loop: `inFlight` workers writing chunks of `perRequest` tuples until `ops` are written. */
async function rawLoop(ctx: BenchContext, shape: Shape, tag: string): Promise<number> {
  const store = await ctx.newStore(tag);
  const sdk = ctx.sdk();
  const tuples = benchTuples(tag, 0, shape.ops);
  const t0 = process.hrtime.bigint();
  await pool(Math.ceil(shape.ops / shape.perRequest), shape.inFlight, (c) =>
    sdk.write(store.storeId, {
      writes: { tuple_keys: tuples.slice(c * shape.perRequest, (c + 1) * shape.perRequest) },
      authorization_model_id: store.modelId,
    }),
  );
  return shape.ops / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** The flusher: `ops` grants buffered first (not timed), then one `flush()`. */
async function flushRun(ctx: BenchContext, shape: Shape, tag: string): Promise<number> {
  const { service } = ctx.openService(await ctx.newStore(tag));
  await fillBuffer(service, tag, shape.ops);
  const t0 = process.hrtime.bigint();
  const result = await service.flush();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (result.writes !== shape.ops || result.failed + result.deadLettered > 0) {
    throw new Error(`flush wrote ${result.writes}/${shape.ops} (failed ${result.failed}, dead-lettered ${result.deadLettered})`);
  }
  return shape.ops / seconds;
}

export const p3: Benchmark = {
  id: 'P3',
  title: 'flush throughput',
  async run(ctx) {
    const { options } = ctx.openService(await ctx.newStore('p3-options')).core;
    const { batchSize, maxTuplesPerWrite, maxParallelRequests } = options;
    // What the flusher keeps in flight: lanes of claimed batches, each written in chunks of maxTuplesPerWrite.
    const chunksPerBatch = Math.ceil(batchSize / maxTuplesPerWrite);
    const lanes = Math.max(1, Math.floor(maxParallelRequests / chunksPerBatch));
    const plan = { rounds: ctx.quick ? 4 : 12, ops: OPS_PER_RUN };
    const shape: Shape = {
      ops: plan.ops,
      perRequest: Math.min(batchSize, maxTuplesPerWrite),
      inFlight: lanes * Math.min(chunksPerBatch, maxParallelRequests),
    };

    await rawLoop(ctx, { ...shape, ops: 1000 }, 'p3-warm-raw');
    await flushRun(ctx, { ...shape, ops: 1000 }, 'p3-warm-flush');
    const flushRates: number[] = [];
    const sdkRates: number[] = [];
    const started = Date.now();
    for (let round = 0; round < plan.rounds; round++) {
      if (round > 0 && Date.now() - started > (ctx.quick ? 25_000 : 150_000)) break;
      const order = round % 2 === 0 ? (['raw', 'flush'] as const) : (['flush', 'raw'] as const);
      for (const which of order) {
        if (which === 'raw') sdkRates.push(await rawLoop(ctx, shape, `p3-raw-r${round}`));
        else flushRates.push(await flushRun(ctx, shape, `p3-flush-r${round}`));
      }
    }
    const flushRate = median(flushRates);
    const sdkRate = median(sdkRates);
    return {
      summary: `flush ${rate(flushRate)}; raw SDK loop ${rate(sdkRate)} (${plan.ops} ops x ${flushRates.length} rounds, ${shape.perRequest} tuples/request, ${shape.inFlight} in flight)`,
      checks: [atLeast('of raw SDK loop', flushRate / sdkRate, 0.9)],
      figures: { ...shape, batchSize, flushOpsPerSec: flushRates, sdkOpsPerSec: sdkRates },
    };
  },
};
