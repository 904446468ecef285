/**
 * R15: several Redis failovers under load, with replicated acknowledgement
 * on (the default). Each round starts a fresh replicated Redis (Sentinel, or
 * a Redis Cluster with one replica per master), runs the failover scenario of
 * test/support/replication/failover-scenario.ts, and counts acknowledged
 * operations missing from OpenFGA after the flush and stale "allowed"
 * answers before it. Short mode (`npm test`): one round on each topology;
 * full (`RELIABILITY=full`): four on each.
 */
import { runFailover, type FailoverOutcome } from '../support/replication/failover-scenario';
import { clusterTopology, sentinelTopology } from '../support/replication/topologies';
import { quietNestLogs, reportFigures, scaled } from '../support/reliability/scale';

const ROUNDS = scaled(1, 4);

describe('R15: Redis failovers under load, replicated acknowledgement on', () => {
  beforeAll(() => quietNestLogs('silent'));

  it(
    `${ROUNDS} failover(s) on Sentinel and on a Cluster with replicas: 0 acknowledged operations lost, 0 stale allows`,
    async () => {
      const outcomes: (FailoverOutcome & { topology: string })[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (const [topology, start] of [
          ['sentinel', sentinelTopology],
          ['cluster', clusterTopology],
        ] as const) {
          outcomes.push({ topology, ...(await runFailover(start, { replicas: 'auto', timeout: 0.5 })) });
        }
      }
      const sum = (key: 'acknowledged' | 'unknown' | 'missing' | 'staleAllows') => outcomes.reduce((n, o) => n + o[key], 0);
      const totals = {
        failovers: outcomes.length,
        acknowledged: sum('acknowledged'),
        unknown: sum('unknown'),
        lost: sum('missing'),
        staleAllows: sum('staleAllows'),
      };
      reportFigures(
        'R15',
        `${totals.failovers} failovers: ${totals.acknowledged} acknowledged, ${totals.unknown} refused as unconfirmed, ${totals.lost} lost, ${totals.staleAllows} stale allows`,
        { ...totals, outcomes },
      );
      expect(outcomes.flatMap((o) => o.otherErrors)).toEqual([]);
      expect(totals.acknowledged).toBeGreaterThan(0);
      expect({ lost: totals.lost, staleAllows: totals.staleAllows }).toEqual({ lost: 0, staleAllows: 0 });
    },
    scaled(180_000, 900_000),
  );
});
