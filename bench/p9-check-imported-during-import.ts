/**
 * P9: a cold check on the relation being imported (`user:uK viewer
 * document:dK`, K a still-pending imported `owner` tuple, a different K every
 * time) while the bulk import of 100k grants (quick: 20k) is pending, against
 * the same check with an empty buffer (on tuples already written to OpenFGA,
 * so both answer "allowed"). Target: p99 at most 3x. Fail-closed checks are
 * reported (and timed: they end at checkTimeout).
 */
import type { Benchmark } from './support/benchmark';
import { coldCheckFigures, coldCheckText } from './support/cold-check-report';
import { importTuple, importTuples, coldChecksDuringImport } from './support/import-backlog';
import { atMost } from './support/result';

export const p9: Benchmark = {
  id: 'P9',
  title: 'imported check, import pending',
  async run(ctx) {
    let next = 0;
    const viewerOf = (k: number, tag: string) => {
      const t = importTuple(tag, k);
      return { user: t.user, object: t.object };
    };
    const run = await coldChecksDuringImport(ctx, {
      tag: 'p9',
      async prepareEmpty(service, maxChecks) {
        await importTuples(service, 'p9e', 0, maxChecks);
        const flushed = await service.flush();
        if (flushed.failed > 0 || (await service.status()).pending.total > 0)
          throw new Error('setup: the empty-buffer side could not flush');
      },
      loaded: (service, pendingIndex) => {
        const { user, object } = viewerOf(pendingIndex(), 'p9i');
        return service.check(user, 'viewer', object);
      },
      empty: (service) => {
        const { user, object } = viewerOf(next++, 'p9e');
        return service.check(user, 'viewer', object);
      },
    });
    const report = coldCheckFigures(run);
    return {
      summary: coldCheckText(run, report),
      checks: [atMost('of empty-buffer p99', report.loaded.p99 / report.empty.p99, 3)],
      figures: report.figures,
    };
  },
};
