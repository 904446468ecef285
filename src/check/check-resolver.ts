import type { CacheSnapshot, CheckCache } from '../cache/check-cache';
import type { WriteBuffer } from '../buffer/write-buffer';
import { classifyError } from '../client/classify-error';
import type { FgaClient } from '../client/fga-client';
import { ConsistencyTokens, InvalidConsistencyTokenError } from '../consistency/consistency-token';
import type { Flusher } from '../flush/flusher';
import type { OpenFgaEvents } from '../events/openfga-events';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { tupleKey } from '../redis/redis-keys';
import type { Tuple } from '../tuple/tuple';
import { CheckDeadlines } from './check-deadlines';
import { operationsProcessed } from '../flush/flush-result';
import type { CheckOptions } from './check-options';
import { CheckUnavailableError } from './check-unavailable.error';

/** What the read path reads and drives. */
export interface CheckResolverParts {
  options: ResolvedOpenFgaOptions;
  cache: CheckCache;
  buffer: WriteBuffer;
  flusher: Flusher;
  client: FgaClient;
  tokens: ConsistencyTokens;
  events: OpenFgaEvents;
}

/** How long one flush step of a waiting check may claim new batches. */
const FLUSH_SLICE_MS = 100;
/** How often a waiting check looks at the buffer position when it has nothing to flush itself. */
const POLL_MS = 25;

/**
 * The read path: how a check is answered without ever serving state older
 * than a write acknowledged before it (see the README's Consistency section).
 * Framework-free: `OpenFgaService.check` is a facade over it.
 */
export class CheckResolver {
  /** OpenFGA checks under way, by what they ask (see askOpenFga). */
  private readonly inFlightChecks = new Map<string, Promise<boolean>>();
  /** Bounds every check by `checkTimeout` (fail closed), without a timer per check. */
  private readonly deadlines: CheckDeadlines;

  constructor(private readonly core: CheckResolverParts) {
    this.deadlines = new CheckDeadlines(core.options.checkTimeout * 1000);
  }

  /**
   * Answers a validated check within `checkTimeout` (fail closed): the cache,
   * else OpenFGA with the pending grants as contextual tuples (cached
   * afterwards). Emits `checked`. Throws `CheckUnavailableError` when no
   * trustworthy answer can be had, `InvalidConsistencyTokenError` for a bad token.
   */
  async check(t: Tuple, options: CheckOptions = {}): Promise<boolean> {
    const timeoutMs = this.core.options.checkTimeout * 1000;
    const consistency = options.consistency ?? 'minimize-latency';
    const { events } = this.core;
    const started = events.has('checked') ? performance.now() : 0;
    try {
      const deadline = Date.now() + timeoutMs;
      const answer =
        consistency === 'minimize-latency'
          ? this.resolveCheck(t, deadline, undefined)
          : this.freshnessTarget(options).then((freshAt) => this.resolveCheck(t, deadline, freshAt));
      const { allowed, source } = await this.deadlines.bound(
        answer,
        () => new CheckUnavailableError(t, `no answer within checkTimeout (${timeoutMs} ms)`),
      );
      if (started) events.emit('checked', { source, allowed, durationMs: performance.now() - started, consistency });
      return allowed;
    } catch (err) {
      if (started) events.emit('checked', { source: 'error', allowed: false, durationMs: performance.now() - started, consistency });
      // A bad token is the caller's mistake (400), not an outage; everything else is "no answer".
      if (err instanceof CheckUnavailableError || err instanceof InvalidConsistencyTokenError) throw err;
      throw new CheckUnavailableError(t, String(err instanceof Error ? err.message : err), err);
    }
  }

  /** The buffer position a check must reflect, or undefined for minimize-latency. Bad input throws before anything else. */
  private async freshnessTarget({ consistency = 'minimize-latency', token }: CheckOptions): Promise<number | undefined> {
    switch (consistency) {
      case 'minimize-latency':
        return undefined;
      case 'at-least-as-fresh':
        return this.core.tokens.decode(token);
      case 'strong':
        return (await this.core.buffer.positions()).latest;
      default:
        throw new InvalidConsistencyTokenError(consistency, 'consistency must be "minimize-latency", "at-least-as-fresh" or "strong"');
    }
  }

  /**
   * Flushes until every operation up to `seq` has reached OpenFGA (or was
   * dead-lettered). A position beyond the latest one handed out (a forged
   * token, or one from before Redis lost its data) counts as the latest:
   * nothing past it exists to wait for.
   */
  private async flushThrough(t: Tuple, seq: number, deadline: number): Promise<void> {
    let target: number | undefined;
    for (;;) {
      const { oldestOutstanding, latest } = await this.core.buffer.positions();
      target ??= Math.min(seq, latest);
      if (oldestOutstanding === null || oldestOutstanding > target) return;
      await this.advanceFlush(t, deadline, 'buffered writes');
    }
  }

  /**
   * One step of waiting for buffered writes to reach OpenFGA: flush what this
   * process can claim (also ops released since the last step), else give
   * other processes or queue workers a moment. Fails closed at the deadline.
   * A flush this process is already running is not awaited (it may drain a
   * large backlog): the caller polls its position instead.
   */
  private async advanceFlush(t: Tuple, deadline: number, what: string): Promise<void> {
    if (Date.now() >= deadline) throw new CheckUnavailableError(t, `${what} could not reach OpenFGA in time`);
    // A short slice: under a steady stream of writes a flush would otherwise keep
    // claiming newer batches; the caller re-checks its position after each slice.
    const slice = this.core.flusher.flushSlice(Math.max(0, Math.min(FLUSH_SLICE_MS, deadline - Date.now())));
    if (!slice) return pause(POLL_MS);
    const result = await slice;
    if (result.failed > 0) throw new CheckUnavailableError(t, `${what} could not be written: ${result.error ?? 'OpenFGA unavailable'}`);
    // (failed is 0 here: a failure threw above)
    if (operationsProcessed(result) === 0) await pause(POLL_MS);
  }

  private async resolveCheck(
    t: Tuple,
    deadline: number,
    freshAt: number | undefined,
  ): Promise<{ allowed: boolean; source: 'cache' | 'openfga' }> {
    const { cache, options } = this.core;
    const modelId = options.authorizationModelId;
    const fresh = freshAt !== undefined;
    const latest = async () => (await this.core.buffer.positions()).latest;
    const lookup = (useCache: boolean | undefined = fresh ? false : undefined) => cache.lookup(t, modelId, useCache);
    let found = await lookup();
    if (found.source !== 'miss') return { allowed: found.allowed, source: found.source };
    if (fresh || found.snapshot.pendingGrants === undefined) {
      // Fresh levels flush up to their position; too many pending grants to send
      // as contextual tuples are flushed instead, so OpenFGA knows them.
      await this.flushThrough(t, freshAt ?? (await latest()), deadline);
      found = await lookup();
      if (found.source !== 'miss') return { allowed: found.allowed, source: found.source };
    }
    const ask = async (snapshot: CacheSnapshot, higherConsistency: boolean): Promise<boolean> => {
      try {
        return await this.askOpenFga(t, snapshot, higherConsistency);
      } catch (err) {
        if (!snapshot.pendingGrants?.length || classifyError(err).kind !== 'permanent') throw err;
        // OpenFGA rejects the whole check when one pending grant sent as a contextual
        // tuple is invalid. Flush what is buffered now (the flush dead-letters that
        // grant), then ask once more with the pending grants left, so none of them
        // (a `but not` grant may take access away) is ignored. Bounded by the deadline;
        // a second rejection fails closed.
        await this.flushThrough(t, await latest(), deadline);
        found = await lookup(false);
        if (found.source !== 'miss' || found.snapshot.pendingGrants === undefined) {
          throw new CheckUnavailableError(t, `pending grants could not be sent to OpenFGA: ${String(err)}`, err);
        }
        return this.askOpenFga(t, found.snapshot, true);
      }
    };
    let allowed = await ask(found.snapshot, fresh);
    // A pending revoke (of this or any tuple it may derive from) can make an
    // OpenFGA "allowed" stale: write every op buffered before this point, then
    // ask again. Ops buffered later are concurrent with this check, so waiting
    // for them is not needed (and would never end under a steady stream of revokes).
    if (allowed && found.snapshot.outstandingRevokes > 0) {
      await this.flushThrough(t, await latest(), deadline);
      found = await lookup();
      if (found.source !== 'miss') return { allowed: found.allowed, source: found.source };
      allowed = await ask(found.snapshot, true);
    }
    // Without its pending grants (too many to list) the answer may miss one of them: serve it, never cache it.
    if (found.snapshot.pendingGrants !== undefined) await cache.populate(t, modelId, found.snapshot, allowed);
    return { allowed, source: 'openfga' };
  }

  /**
   * Asks OpenFGA with the pending grants as contextual tuples, so relations
   * derived from them (editor → viewer, group membership, parent folders)
   * are seen before the flush. For `revokeConsistencyWindow` after any
   * process wrote a revoke, OpenFGA is asked with higher consistency: its own
   * check cache may still hold an "allowed" from before the revoke.
   *
   * Identical misses share one OpenFGA call (single flight): same tuple,
   * generations, epoch and pending grants, and the same last written revoke.
   * Settling a revoke moves no generation, but it moves `revokedAt` (a new
   * value at every settle that wrote a revoke), so a check whose snapshot
   * sees a revoke written never joins a call that may predate it.
   */
  private askOpenFga(t: Tuple, snapshot: CacheSnapshot, higherConsistency: boolean): Promise<boolean> {
    const { client, options } = this.core;
    const modelId = options.authorizationModelId;
    const contextualTuples = snapshot.pendingGrants ?? [];
    const higher =
      higherConsistency || (snapshot.revokedAt > 0 && Date.now() - snapshot.revokedAt < options.revokeConsistencyWindow * 1000);
    const key = [
      tupleKey(t),
      snapshot.objectGen,
      snapshot.userGen,
      snapshot.epoch,
      snapshot.revokedAt,
      snapshot.outstandingRevokes > 0,
      higher,
      ...contextualTuples.map(tupleKey).sort(),
    ].join('\n');
    let answer = this.inFlightChecks.get(key);
    if (!answer) {
      answer = client.check(t, { modelId, higherConsistency: higher, contextualTuples }).finally(() => this.inFlightChecks.delete(key));
      this.inFlightChecks.set(key, answer);
    }
    return answer;
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
