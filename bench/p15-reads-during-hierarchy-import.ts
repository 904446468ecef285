/**
 * P15: reads during a drive-like hierarchy import (issue 26), on OpenFGA on
 * PostgreSQL (a throwaway cluster, as P1PG). The import: folders in a tree
 * through `folder#parent` under `folder:root`, documents each with a
 * `parent` folder and an `owner` (full: 2,000 folders and 20,000 documents,
 * 42,000 ops; quick: a tenth), buffered by `tuples import`'s code path and
 * left pending. The reader: `user:bob`, a viewer of `folder:root` (in
 * OpenFGA before the import). Measured: cold `check(bob, viewer, document)`
 * on imported documents (narrowed to their path) and
 * `listObjects(bob, viewer, document, { mayOmitPendingGrants: true })` while the
 * import is pending (and, for the record, the list without the opt-in), against the same reads on a second store that has the
 * whole hierarchy written (empty buffer). Target: none fails closed, p99 at
 * most 3x.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOpenFgaCore, OpenFgaCore } from '../src/core/openfga-core';
import { moduleImportTarget } from '../src/import/module-import-target';
import { importTupleFile } from '../src/import/tuple-import';
import { CheckUnavailableError, ListUnavailableError, OpenFgaService } from '../src';
import { resolveOptions } from '../src/options/resolve-options';
import type { Tuple } from '../src/tuple/tuple';
import { startPostgres } from '../test/support/harness/postgres';
import { startOpenFga } from '../test/support/harness/servers';
import { createStore } from '../test/support/harness/store';
import type { Benchmark } from './support/benchmark';
import type { BenchContext } from './support/context';
import { latency } from './support/format';
import { summarize } from './support/percentiles';
import { atMost, none } from './support/result';

/** Folder i's parent: a tree with ten children per folder, under folder:root. */
const parentOf = (i: number) => (i === 0 ? 'folder:root' : `folder:f${Math.floor((i - 1) / 10)}`);

function hierarchy(folders: number, documents: number): Tuple[] {
  const tuples: Tuple[] = [];
  for (let i = 0; i < folders; i++) tuples.push({ user: parentOf(i), relation: 'parent', object: `folder:f${i}` });
  for (let j = 0; j < documents; j++) {
    tuples.push({ user: `folder:f${j % folders}`, relation: 'parent', object: `document:d${j}` });
    tuples.push({ user: `user:u${j}`, relation: 'owner', object: `document:d${j}` });
  }
  return tuples;
}

interface Side {
  service: OpenFgaService;
  core: OpenFgaCore;
  checks: bigint[];
  lists: bigint[];
  failed: string[];
}

/** One read, timed; a fail-closed answer is counted (and timed: it ends at checkTimeout). */
async function timed(side: Side, into: bigint[], read: () => Promise<unknown>): Promise<void> {
  const t0 = process.hrtime.bigint();
  try {
    await read();
  } catch (err) {
    if (!(err instanceof CheckUnavailableError) && !(err instanceof ListUnavailableError)) throw err;
    side.failed.push(err.message);
  }
  into.push(process.hrtime.bigint() - t0);
}

async function openSide(ctx: BenchContext, apiUrl: string, store: { storeId: string; modelId: string }): Promise<Side> {
  const core = createOpenFgaCore(resolveOptions({ ...ctx.moduleOptions(store), apiUrl }));
  ctx.defer(() => core.close());
  // As the module does before the app starts: the relation graph read (the import checks the model's write rules).
  await core.model.start();
  return { service: new OpenFgaService(core), core, checks: [], lists: [], failed: [] };
}

export const p15: Benchmark = {
  id: 'P15',
  title: 'reads during a hierarchy import',
  async run(ctx) {
    const postgres = await startPostgres().catch((err: unknown) => {
      throw new Error(`PostgreSQL could not be started: ${err instanceof Error ? err.message : String(err)}`);
    });
    ctx.defer(() => postgres.stop());
    const openfga = await startOpenFga({ engine: 'postgres', datastoreUri: postgres.url });
    ctx.defer(() => openfga.stop());
    const plan = ctx.quick
      ? { folders: 200, documents: 2000, checks: 10, lists: 2 }
      : { folders: 2000, documents: 20_000, checks: 40, lists: 5 };
    const tuples = hierarchy(plan.folders, plan.documents);
    const file = join(mkdtempSync(join(tmpdir(), 'p15-')), 'hierarchy.jsonl');
    writeFileSync(file, tuples.map((t) => JSON.stringify(t)).join('\n'));
    const bob: Tuple = { user: 'user:bob', relation: 'viewer', object: 'folder:root' };

    // The empty-buffer side: everything written to OpenFGA first.
    const empty = await openSide(ctx, openfga.apiUrl, await createStore(openfga.apiUrl, 'bench-p15-empty'));
    await empty.service.grant(bob.user, bob.relation, bob.object);
    await importTupleFile(file, 'jsonl', moduleImportTarget(empty.service, empty.core));
    const flushed = await empty.service.flush();
    if (flushed.failed + flushed.deadLettered > 0) throw new Error('setup: the empty-buffer side could not write the hierarchy');

    // The loaded side: bob's access written, the hierarchy imported and left pending.
    const loaded = await openSide(ctx, openfga.apiUrl, await createStore(openfga.apiUrl, 'bench-p15-loaded'));
    await loaded.service.grant(bob.user, bob.relation, bob.object);
    await loaded.service.flush();
    const importStarted = Date.now();
    const imported = await importTupleFile(file, 'jsonl', moduleImportTarget(loaded.service, loaded.core));
    const importMs = Date.now() - importStarted;

    // Cold checks (a different document each time) and lists, alternating sides.
    for (let k = 0; k < plan.checks; k++) {
      const doc = `document:d${(k * 7919) % plan.documents}`;
      for (const side of k % 2 === 0 ? [loaded, empty] : [empty, loaded]) {
        await timed(side, side.checks, () => side.service.check('user:bob', 'viewer', doc));
      }
    }
    const pendingAfterChecks = (await loaded.service.status()).pending.total;
    // The lists opt in to omit the pending grants that do not fit (the page a user opens during an import).
    const omit = { mayOmitPendingGrants: true };
    let listedDuringImport = 0;
    for (let k = 0; k < plan.lists; k++) {
      for (const side of k % 2 === 0 ? [loaded, empty] : [empty, loaded]) {
        await timed(side, side.lists, async () => {
          const objects = await side.service.listObjects('user:bob', 'viewer', 'document', omit);
          if (side === loaded) listedDuringImport = objects.length;
        });
      }
    }
    const pendingAfterLists = (await loaded.service.status()).pending.total;
    // For the record, last (it writes part of the import first): the same list without the opt-in.
    const exact: Side = { ...loaded, checks: [], lists: [], failed: [] };
    await timed(exact, exact.lists, () => loaded.service.listObjects('user:bob', 'viewer', 'document'));
    const [lc, ec, ll, el] = [summarize(loaded.checks), summarize(empty.checks), summarize(loaded.lists), summarize(empty.lists)];
    return {
      summary:
        `import of ${imported.total} ops buffered in ${(importMs / 1000).toFixed(1)} s; while pending: check ${latency(lc)}, listObjects ${latency(ll)}, ` +
        `${loaded.failed.length} failed closed; empty buffer: check ${latency(ec)}, listObjects ${latency(el)} ` +
        `(pending ${pendingAfterChecks} after the checks, ${pendingAfterLists} after the lists; the list with mayOmitPendingGrants ` +
        `returned ${listedDuringImport} of ${plan.documents} documents; without it: ` +
        `${exact.failed.length > 0 ? 'failed closed' : 'answered'} in ${(Number(exact.lists[0]) / 1e6).toFixed(0)} ms)`,
      checks: [
        none('reads that failed closed during the import', loaded.failed.length),
        atMost('check p99 of the empty buffer', lc.p99 / ec.p99, 3),
        atMost('listObjects p99 of the empty buffer', ll.p99 / el.p99, 3),
      ],
      figures: {
        ...plan,
        importOps: imported.total,
        importMs,
        checkPendingUs: lc,
        checkEmptyUs: ec,
        listPendingUs: ll,
        listEmptyUs: el,
        failedClosed: loaded.failed.slice(0, 5),
        pendingAfterChecks,
        pendingAfterLists,
        listedDuringImport,
        exactListMs: Number(exact.lists[0]) / 1e6,
        exactListFailedClosed: exact.failed.length > 0,
      },
    };
  },
};
