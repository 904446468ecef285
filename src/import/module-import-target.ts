import type { OpenFgaCore } from '../core/openfga-core';
import { checkWritesInModel } from '../model/write-rules';
import type { OpenFgaService } from '../openfga.service';
import { validateTuple } from '../tuple/validate-tuple';
import type { ImportTarget } from './tuple-import';

/** How long an interrupted import's place is kept. */
const RESUME_TTL_S = 7 * 24 * 3600;

/**
 * A connection's import target: `grant`'s checks (the module's tuple rules, and the model's write
 * rules when the model could be read), its `grantMany`, and the place of an interrupted import kept in
 * the store's Redis keys (`import:<file hash>`, a week).
 */
export function moduleImportTarget(service: OpenFgaService, core: OpenFgaCore): ImportTarget {
  const key = (hash: string) => `${core.buffer.keys.base}import:${hash}`;
  return {
    validate(value) {
      const tuple = validateTuple(value, '', true);
      const graph = core.model.graph;
      if (graph) checkWritesInModel([{ kind: 'grant', ...tuple }], graph, () => '');
      return tuple;
    },
    grantMany: (tuples) => service.grantMany(tuples),
    async resumeAt(hash) {
      return Number((await core.redis.get(key(hash))) ?? 0);
    },
    async saveResume(hash, done) {
      if (done === undefined) await core.redis.del(key(hash));
      else await core.redis.set(key(hash), String(done), 'EX', RESUME_TTL_S);
    },
  };
}
