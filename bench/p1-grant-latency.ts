/**
 * P1: latency of a buffered `grant` (one Redis round trip) against its floor,
 * a bare ioredis GET round trip on the same Redis (target ≤ 1.5×). For
 * context (not targets): the same kind of tuple written straight to the
 * in-memory OpenFGA the harness runs (the fastest OpenFGA can be) and to an
 * OpenFGA on a durable datastore (SQLite, on this machine's disk) with
 * @openfga/sdk. P1PG (p1pg-grant-vs-postgres.ts) measures against OpenFGA on
 * PostgreSQL (target ≥ 20×).
 */
import { OpenFgaApi } from '@openfga/sdk';
import { startOpenFga } from '../test/support/harness/servers';
import { createStore } from '../test/support/harness/store';
import type { Benchmark } from './support/benchmark';
import { latency } from './support/format';
import { grantFigures, grantText, measureGrantLatency } from './support/grant-latency';
import { atMost } from './support/result';

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
      // A grant is one Redis round trip: its floor is a GET's, so the target is set against the GET (issue 26).
      checks: [atMost('of GET at p50', grant.p50 / get.p50, 1.5)],
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
