/**
 * P1PG: `grant` latency against a production-like OpenFGA: the same SDK write
 * of one tuple to OpenFGA on PostgreSQL (a throwaway cluster started here:
 * initdb, loopback only, fsync on), and against the floor under any grant, a
 * bare ioredis GET round trip. Both baselines run interleaved with the grants.
 * No PostgreSQL (not installed, initdb or start failing) is an ERROR line
 * with the reason, never a skip.
 */
import { OpenFgaApi } from '@openfga/sdk';
import { startPostgres } from '../test/support/harness/postgres';
import { startOpenFga } from '../test/support/harness/servers';
import { createStore } from '../test/support/harness/store';
import type { Benchmark } from './support/benchmark';
import { latency } from './support/format';
import { grantFigures, grantText, measureGrantLatency } from './support/grant-latency';
import { atLeast, atMost } from './support/result';

export const p1pg: Benchmark = {
  id: 'P1PG',
  title: 'grant vs OpenFGA on Postgres',
  async run(ctx) {
    const started = Date.now();
    const postgres = await startPostgres().catch((err: unknown) => {
      throw new Error(`PostgreSQL could not be started: ${err instanceof Error ? err.message : String(err)}`);
    });
    ctx.defer(() => postgres.stop());
    const openfga = await startOpenFga({ engine: 'postgres', datastoreUri: postgres.url });
    ctx.defer(() => openfga.stop());
    const store = await createStore(openfga.apiUrl, 'bench-p1pg');
    const setupMs = Date.now() - started;
    const m = await measureGrantLatency(ctx, 'p1pg', [{ name: 'postgres', sdk: new OpenFgaApi({ apiUrl: openfga.apiUrl }), store }]);
    const { grant, get } = m;
    const pg = m.writes.get('postgres')!;
    return {
      summary: `${grantText(m)}; SDK write to OpenFGA on PostgreSQL ${postgres.version} ${latency(pg)} (n=${pg.n}); GET ${latency(get)}`,
      checks: [
        atLeast('faster than SDK write (Postgres) at p50', pg.p50 / grant.p50, 20),
        atMost('of GET at p50', grant.p50 / get.p50, 1.5),
      ],
      figures: {
        ...grantFigures(m),
        postgresVersion: postgres.version,
        postgresSdkWriteUs: pg,
        p99Ratio: pg.p99 / grant.p99,
        setupMs,
      },
    };
  },
};
