/**
 * P1: latency of a buffered `grant` (one Redis round trip) against writing the
 * same kind of tuple straight to OpenFGA with @openfga/sdk. The target's
 * baseline is the in-memory OpenFGA the harness runs, the fastest OpenFGA can
 * be; two more figures put the ratio in context (not targets): the floor
 * under any grant, a bare ioredis GET round trip, and the same SDK write to
 * an OpenFGA on a durable datastore (SQLite, on this machine's disk).
 * P1PG (p1pg-grant-vs-postgres.ts) measures against OpenFGA on PostgreSQL.
 */
import { OpenFgaApi } from '@openfga/sdk';
import { startOpenFga } from '../test/support/harness/servers';
import { createStore } from '../test/support/harness/store';
import type { Benchmark } from './support/benchmark';
import { latency } from './support/format';
import { grantFigures, grantText, measureGrantLatency } from './support/grant-latency';
import { atLeast } from './support/result';

export const p1: Benchmark = {
  id: 'P1',
  title: 'grant latency',
  async run(ctx) {
    const durable = await startOpenFga({ engine: 'sqlite' });
    ctx.defer(() => durable.stop());
    const m = await measureGrantLatency(ctx, 'p1', [
      { name: 'memory', sdk: ctx.sdk(), store: await ctx.newStore('p1-sdk') },
      { name: 'sqlite', sdk: new OpenFgaApi({ apiUrl: durable.apiUrl }), store: await createStore(durable.apiUrl, 'bench-p1-sqlite') },
    ]);
    const { grant, get } = m;
    const direct = m.writes.get('memory')!;
    const onDisk = m.writes.get('sqlite')!;
    return {
      summary:
        `${grantText(m)}; ` +
        `SDK write ${latency(direct)} (n=${direct.n}); context: GET ${latency(get)} (grant ${(grant.p50 / get.p50).toFixed(2)}x), ` +
        `SDK write to OpenFGA on SQLite ${latency(onDisk)} (${(onDisk.p50 / grant.p50).toFixed(1)}x the grant)`,
      checks: [atLeast('faster than SDK write at p50', direct.p50 / grant.p50, 30)],
      figures: {
        ...grantFigures(m),
        sdkWriteUs: direct,
        sqliteSdkWriteUs: onDisk,
        sqliteRatio: onDisk.p50 / grant.p50,
        p99Ratio: direct.p99 / grant.p99,
      },
    };
  },
};
