/**
 * R14 — the read explorer at length (issue 21): at least 10,000 random
 * sequences (EXPLORER_RUNS) of grants, revokes, conditional grants and
 * re-grants, bulk grants, flushes, partial flushes by another process, a
 * frozen flusher, a process that cannot read the model and OpenFGA outages,
 * on generated models; after each step every read kind (check cached and
 * not, at-least-as-fresh with the step's token, batchCheck, listObjects,
 * listUsers) is compared with a mirror store. Reports 0 stale allows, 0 stale
 * denies and 0 errors while OpenFGA is up, or the shrunk counterexample.
 * Short mode: 3 sequences (the integration suite runs the short explorer).
 * A long run may be split into segments of distinct seeds
 * (RELIABILITY_SEED) bounded by EXPLORER_TIME_LIMIT (seconds); each
 * segment's counts are stored with its seed (reportFigures). A printed
 * failure replays with its seed and EXPLORER_PATH.
 */
import { exploreReads } from '../support/explorer/read-explorer';
import { quietNestLogs, RELIABILITY_SEED, reportFigures, scaled } from '../support/reliability/scale';

const RUNS = Number(process.env.EXPLORER_RUNS ?? scaled(3, 10_000));
const TIME_LIMIT_MS = process.env.EXPLORER_TIME_LIMIT ? Number(process.env.EXPLORER_TIME_LIMIT) * 1000 : scaled(120_000, 20 * 3600_000);

describe('R14 read explorer', () => {
  beforeAll(() => quietNestLogs('silent'));

  it(
    'explores the read states: every read kind answers as the mirror store',
    async () => {
      const report = await exploreReads({
        runs: RUNS,
        seed: RELIABILITY_SEED,
        models: scaled(2, 12),
        tuples: { min: 4, max: 10 },
        steps: { min: 4, max: 14 },
        bulkSizes: [3, 5, 40],
        // Small, so three ops reach the write-first and incomplete-listing paths.
        readLimits: { contextualTuples: 2, listedOperations: 3 },
        // Bounded: a full run stops after 20 hours, a short one after 2 minutes (the counts say how far it got).
        timeLimitMs: TIME_LIMIT_MS,
        ...(process.env.EXPLORER_PATH ? { path: process.env.EXPLORER_PATH } : {}),
      });
      const { counts } = report;
      reportFigures('r14-read-explorer', report.line, {
        seed: report.seed,
        sequences: report.runs,
        shrinks: report.shrinks,
        operations: counts.operations,
        reads: counts.reads,
        staleAllows: counts.staleAllows,
        staleDenies: counts.staleDenies,
        errorsWhileUp: counts.errorsWhileUp,
        errorsWhileDown: counts.errorsWhileDown,
        unsteady: counts.unsteady,
        durationMs: report.durationMs,
        failure: report.failure ?? null,
      });
      expect(report.failure).toBeUndefined();
    },
    scaled(300_000, 21 * 3600_000),
  );
});
