/** The printed line and stored figures of P8 and P9. */
import { count, latency } from './format';
import type { ColdCheckRun } from './import-backlog';
import { LatencySummary, median, summarize } from './percentiles';

export interface ColdCheckReport {
  empty: LatencySummary;
  loaded: LatencySummary;
  figures: Record<string, unknown>;
}

export function coldCheckFigures(run: ColdCheckRun): ColdCheckReport {
  const empty = summarize(run.empty);
  const loaded = summarize(run.loaded);
  const refills = run.outstandingBeforeTopUp.slice(1);
  return {
    empty,
    loaded,
    figures: {
      importSize: run.importSize,
      importMs: run.importMs,
      emptyUs: empty,
      loadedUs: loaded,
      p99Ratio: loaded.p99 / empty.p99,
      p50Ratio: loaded.p50 / empty.p50,
      loadedFailedClosed: run.loadedFailures.length,
      emptyFailedClosed: run.emptyFailures.length,
      firstFailure: run.loadedFailures[0] ?? run.emptyFailures[0],
      outstandingLeftBeforeTopUps: refills,
    },
  };
}

export function coldCheckText(run: ColdCheckRun, r: ColdCheckReport): string {
  const quick = run.importSize < 100_000 ? ` [quick: ${count(run.importSize)} import, not 100k]` : '';
  const refills = run.outstandingBeforeTopUp.slice(1);
  const left = refills.length ? `, median ${count(median(refills))} left pending after a check (topped up again)` : '';
  const failed =
    `${run.loadedFailures.length}/${r.loaded.n} failed closed` +
    (run.emptyFailures.length ? `, ${run.emptyFailures.length} on the empty side` : '');
  return (
    `${count(run.importSize)} pending (imported in ${(run.importMs / 1000).toFixed(1)} s)${quick}: check ${latency(r.loaded)} (n=${r.loaded.n}, ${failed}${left}); ` +
    `empty buffer ${latency(r.empty)} (n=${r.empty.n})`
  );
}
