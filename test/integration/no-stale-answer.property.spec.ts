/**
 * Property (fast-check) on the real servers, over models with groups, nested
 * groups, `user:*` wildcards, tuple-to-userset, intersection and exclusion:
 * after every acknowledged grant or revoke, from another process, cached and
 * uncached, before and after flushes, the module answers every check of a small universe
 * exactly as a mirror store does, to which each operation is written
 * directly with the SDK (docs/design.md §4). Counts both kinds of stale answer.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpenFgaClient } from '@openfga/sdk';
import { transformer } from '@openfga/syntax-transformer';
import type { Tuple } from '../../src';
import { serverEnv, testOptions } from '../support/harness/env';
import { PROJECT_ROOT } from '../support/harness/servers';
import { openService } from '../support/harness/service';
import { createStore } from '../support/harness/store';
import { modelUniverse } from '../support/inputs/model-universe';
import type { AuthorizationModelDocument } from '../../src/model';
import { recordAndMirror } from '../support/state/mirror-store';

const MODELS = ['model.fga', 'exclusion.fga', 'role-assignments.fga', 'intersection.fga'];
const key = (t: Tuple) => `${t.user} ${t.relation} ${t.object}`;

describe('no stale answer, allowed or denied, on derived relations (property against a mirror store)', () => {
  const totals = { checks: 0, staleAllows: 0, staleDenies: 0, flushes: 0 };
  afterAll(() => {
    console.log(
      `no-stale-answer: ${totals.checks} module answers compared with the mirror over ${MODELS.length} models ` +
        `(${totals.flushes} flushes): ${totals.staleAllows} stale allows, ${totals.staleDenies} stale denies`,
    );
  });

  it.each(MODELS)(
    '%s',
    async (file) => {
      const path = join(PROJECT_ROOT, 'test', 'fixtures', file);
      const model = transformer.transformDSLToJSONObject(readFileSync(path, 'utf8')) as unknown as AuthorizationModelDocument;
      const { tuples, checks } = modelUniverse(model);
      const stale: string[] = [];
      // Each run works on a few tuples of the universe, so chains (a group in a group, a folder under a
      // folder, a role on a project) form often; every check of the universe is compared after each step.
      const run = fc
        .shuffledSubarray(
          tuples.map((_, i) => i),
          { minLength: 5, maxLength: 9 },
        )
        .chain((subset) =>
          fc.array(
            fc.oneof(
              {
                weight: 6,
                arbitrary: fc.record({ kind: fc.constantFrom('grant' as const, 'revoke' as const), t: fc.constantFrom(...subset) }),
              },
              { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const, t: 0 }) },
            ),
            { minLength: 6, maxLength: 16, size: 'max' },
          ),
        );
      await fc.assert(
        fc.asyncProperty(run, async (steps) => {
          const api = serverEnv().apiUrl;
          const [store, mirrorStore] = await Promise.all([
            createStore(api, `stale-${file}`, path),
            createStore(api, `mirror-${file}`, path),
          ]);
          const mirror = new OpenFgaClient({ apiUrl: api, storeId: mirrorStore.storeId, authorizationModelId: mirrorStore.modelId });
          const options = testOptions(store);
          const writer = openService(options);
          const reader = openService({ ...options });
          const compare = async (when: string) => {
            const truths = await Promise.all(
              checks.map(async (t) => (await mirror.check(t, { consistency: 'HIGHER_CONSISTENCY' as never })).allowed === true),
            );
            // Twice: the first answer may come from OpenFGA and be cached, the second from the cache.
            for (let round = 0; round < 2; round++) {
              for (const [i, t] of checks.entries()) {
                const got = await reader.service.check(t.user, t.relation, t.object);
                totals.checks++;
                if (got === truths[i]) continue;
                if (got) totals.staleAllows++;
                else totals.staleDenies++;
                stale.push(`${when}: ${key(t)} answered ${got}, mirror ${truths[i]}`);
              }
            }
          };
          try {
            await compare('start');
            for (const s of steps) {
              if (s.kind === 'flush') {
                totals.flushes++;
                expect(await writer.service.flush()).toMatchObject({ failed: 0, deadLettered: 0 });
                await compare('after flush');
                continue;
              }
              const t = tuples[s.t];
              await recordAndMirror(writer.service, mirror, s.kind, t);
              await compare(`after ${s.kind} ${key(t)}`);
            }
            await writer.service.flush();
            await compare('after the final flush');
          } finally {
            await Promise.all([writer.close(), reader.close()]);
          }
          expect(stale).toEqual([]);
        }),
        { numRuns: 6, seed: 1307 },
      );
    },
    120_000,
  );
});
