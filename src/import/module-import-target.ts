import type { OpenFgaCore } from '../core/openfga-core';
import { checkWritesInModel } from '../model/write-rules';
import type { OpenFgaService } from '../openfga.service';
import { validateTuple } from '../tuple/validate-tuple';
import type { ImportWaitTarget } from './import-wait';
import type { ImportTarget, ResumePoint } from './tuple-import';

/** How long an interrupted import's place is kept. */
const RESUME_TTL_S = 7 * 24 * 3600;

/**
 * A connection's import target: `grant`'s checks (the module's tuple rules, and the model's write
 * rules when the model could be read), its `grantMany`, and the place of an interrupted import kept in
 * the store's Redis keys (`import:<file hash>` = `done|clears`, a week), beside the buffer's clear
 * count (the field `cleared` of `count`, counted by clear-8.lua): all under the store's hash tag, one
 * Cluster slot.
 *
 * Why a clear count rather than clear deleting the import keys: clear would have to find them (a
 * SCAN, or an index of them to keep up), while a count is one HINCRBY in the clear's first step,
 * atomic with it, on a key the script already declares, and a place saved before it is told apart by
 * one read. A place without a count (saved by an earlier version) counts as 0: it holds until the
 * first clear.
 */
export function moduleImportTarget(service: OpenFgaService, core: OpenFgaCore): ImportTarget {
  const keys = core.buffer.keys;
  const key = (hash: string) => `${keys.base}import:${hash}`;
  return {
    validate(value) {
      const tuple = validateTuple(value, '', true);
      const graph = core.model.graph;
      if (graph) checkWritesInModel([{ kind: 'grant', ...tuple }], graph, () => '');
      return tuple;
    },
    grantMany: (tuples) => service.grantMany(tuples),
    clears: () => clearCount(core),
    async resumePoint(hash) {
      return parseResumePoint(await core.redis.get(key(hash)));
    },
    async saveResume(hash, point) {
      if (point === undefined) await core.redis.del(key(hash));
      else {
        const value = `${point.done}|${point.clears}${point.after !== undefined ? `|${point.after}` : ''}`;
        await core.redis.set(key(hash), value, 'EX', RESUME_TTL_S);
      }
    },
  };
}

/** What `tuples import --wait` reads and does on the connection: the buffer's positions, the service's flush and dead letters. */
export function moduleImportWaitTarget(service: OpenFgaService, core: OpenFgaCore): ImportWaitTarget {
  return {
    positions: () => core.buffer.positions(),
    async outstanding() {
      const status = await service.status();
      return status.pending.total + status.inFlight;
    },
    flush: (timeoutMs) => service.flush({ timeoutMs }),
    async deadLetteredBetween(after, through) {
      return (await service.getDeadLetters()).filter((d) => d.operation.seq > after && d.operation.seq <= through).length;
    },
    clears: () => clearCount(core),
  };
}

async function clearCount(core: OpenFgaCore): Promise<number> {
  return Number((await core.redis.hget(core.buffer.keys.count, 'cleared')) ?? 0);
}

/** `done|clears`, or a bare `done` (saved before clears were counted: as if none had been). */
export function parseResumePoint(raw: string | null): ResumePoint | undefined {
  const match = raw === null ? null : /^(\d+)(?:\|(\d+)(?:\|(\d+))?)?$/.exec(raw);
  if (!match) return undefined;
  return { done: Number(match[1]), clears: Number(match[2] ?? 0), ...(match[3] !== undefined ? { after: Number(match[3]) } : {}) };
}
