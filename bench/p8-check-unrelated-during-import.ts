/**
 * P8: a cold check of a relation the import does not touch (`user:bob viewer
 * folder:<new>`, a different folder every time so the cache never serves it)
 * while a bulk import of 100k grants (quick: 20k) on document#owner is
 * pending, against the same check with an empty buffer. Target: p99 at most
 * 2x, and no check fails closed (CheckUnavailableError). A fail-closed check
 * is timed too (it ends at checkTimeout).
 */
import type { Benchmark } from './support/benchmark';
import { coldCheckFigures, coldCheckText } from './support/cold-check-report';
import { coldChecksDuringImport } from './support/import-backlog';
import { atMost, none } from './support/result';

export const p8: Benchmark = {
  id: 'P8',
  title: 'unrelated check, import pending',
  async run(ctx) {
    const run = await coldChecksDuringImport(ctx, {
      tag: 'p8',
      loaded: (service, _pending, i) => service.check('user:bob', 'viewer', `folder:p8-loaded-${i}`),
      empty: (service, i) => service.check('user:bob', 'viewer', `folder:p8-empty-${i}`),
    });
    const report = coldCheckFigures(run);
    return {
      summary: coldCheckText(run, report),
      checks: [
        atMost('of empty-buffer p99', report.loaded.p99 / report.empty.p99, 2),
        none('checks failed closed', run.loadedFailures.length + run.emptyFailures.length),
      ],
      figures: report.figures,
    };
  },
};
