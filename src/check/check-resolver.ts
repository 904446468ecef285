import type { ReadSnapshot } from '../buffer/outstanding-ops';
import type { CheckCache } from '../cache/check-cache';
import type { FgaClient } from '../client/fga-client';
import { InvalidConsistencyTokenError } from '../consistency/consistency-token';
import type { OpenFgaEvents } from '../events/openfga-events';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { type Read, type ReadEngine } from '../read/read-engine';
import { tupleKey } from '../redis/redis-keys';
import type { Tuple } from '../tuple/tuple';
import type { CheckOptions } from './check-options';
import { CheckUnavailableError } from './check-unavailable.error';
import { NO_EXTRAS, RequestExtras, requestExtras } from './request-context';

/** What a check reads and drives. */
export interface CheckResolverParts {
  options: ResolvedOpenFgaOptions;
  engine: ReadEngine;
  cache: CheckCache;
  client: FgaClient;
  events: OpenFgaEvents;
}

export type Answer = { allowed: boolean; source: 'cache' | 'openfga' };

/** How long a shared OpenFGA answer stays joinable after it arrived, with the cache on (see askOpenFga). */
const SHARED_ANSWER_GRACE_MS = 50;

/**
 * `check`: the cache, else the read engine with one tuple's read scope and
 * OpenFGA's Check as its final call (see the README's Consistency section).
 * Framework-free: `OpenFgaService.check` is a facade over it.
 */
export class CheckResolver {
  /** OpenFGA checks under way, by what they ask (see askOpenFga). */
  private readonly inFlightChecks = new Map<string, Promise<boolean>>();

  constructor(private readonly core: CheckResolverParts) {}

  /**
   * Answers a validated check within `checkTimeout` (fail closed). Emits
   * `checked`. Throws `CheckUnavailableError` when no trustworthy answer can
   * be had, `InvalidConsistencyTokenError` for a bad token.
   */
  async check(t: Tuple, options: CheckOptions = {}): Promise<boolean> {
    const { engine, events } = this.core;
    const consistency = options.consistency ?? 'minimize-latency';
    const extras = requestExtras(options.context, options.contextualTuples);
    const started = events.has('checked') ? performance.now() : 0;
    try {
      const fail = (reason: string, cause?: unknown) => new CheckUnavailableError(t, reason, cause);
      // The common case starts at once (no freshness target to read): the warm path is one MGET.
      const answer =
        consistency === 'minimize-latency' && !engine.redisDown
          ? this.resolve(t, engine.readAt(undefined, Date.now() + engine.timeoutMs, fail), extras)
          : engine.begin(options, fail).then((read) => this.resolve(t, read, extras));
      const { allowed, source } = await engine.bound(
        answer,
        () => new CheckUnavailableError(t, `no answer within checkTimeout (${engine.timeoutMs} ms)`),
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

  /**
   * The whole read of one check, unbounded (the caller bounds it). A check
   * with a request-time context or caller contextual tuples (`extras`)
   * neither reads nor fills the cache: its answer holds for that request only.
   * `first`: a snapshot already taken (batchCheck's). A miss on a quiet
   * store (nothing outstanding, see CheckCache.lookupMany) starts from the
   * snapshot its cache read implies.
   */
  async resolve(t: Tuple, read: Read, extras: RequestExtras = NO_EXTRAS, first?: ReadSnapshot): Promise<Answer> {
    const { engine, cache, options } = this.core;
    const target = { probe: t, scope: engine.scope.forRead(t) };
    const requestOwn = extras.key !== '';
    let taken = first;
    if (!first && read.freshAt === undefined && !requestOwn) {
      const found = await cache.lookup(t, options.authorizationModelId, target.scope);
      if (found.allowed !== undefined) return { allowed: found.allowed, source: 'cache' };
      taken = found.quiet; // nothing outstanding in the store: no snapshot script
    }
    const room = engine.room(extras.tuples.length);
    let snapshot = await engine.ready(read, target, room, taken);
    for (;;) {
      const answered = await engine.answer(read, target, room, snapshot, (s) => this.askOpenFga(t, read, s, extras));
      snapshot = answered.snapshot;
      const allowed = answered.value;
      if (await engine.writeTurning(read, target, snapshot, allowed)) {
        snapshot = await engine.ready(read, target, room);
        continue;
      }
      if (engine.cacheable(target.scope, snapshot, requestOwn))
        await cache.populate(t, options.authorizationModelId, target.scope, snapshot, allowed);
      return { allowed, source: 'openfga' };
    }
  }

  /**
   * Asks OpenFGA with the relevant pending grants as contextual tuples, so
   * relations derived from them (editor → viewer, group membership, parent
   * folders) are seen before the flush.
   *
   * Identical misses share one OpenFGA call (single flight): same tuple,
   * generations, epoch and pending grants, and the same last written revoke.
   * Settling a revoke moves no generation, but it moves `revokedAt` (a new
   * value at every settle that wrote a revoke), so a check whose snapshot
   * sees a revoke written never joins a call that may predate it. A
   * request's own context and tuples are part of what is asked (`extras.key`).
   */
  private askOpenFga(t: Tuple, read: Read, snapshot: ReadSnapshot, extras: RequestExtras): Promise<boolean> {
    const { client, engine, options } = this.core;
    const modelId = options.authorizationModelId;
    const higher = engine.higherConsistency(read, snapshot);
    const contextualTuples = engine.contextualTuples(snapshot, extras.tuples);
    const key = [
      tupleKey(t),
      snapshot.objectGen,
      snapshot.userGen,
      snapshot.relationGen,
      snapshot.epoch,
      snapshot.revokedAt,
      snapshot.outstandingRevokes > 0,
      higher,
      ...contextualTuples.map((c) => (c.condition ? `${tupleKey(c)} ${JSON.stringify(c.condition)}` : tupleKey(c))).sort(),
      extras.key,
    ].join('\n');
    let answer = this.inFlightChecks.get(key);
    if (!answer) {
      answer = client.check(t, {
        modelId,
        higherConsistency: higher,
        contextualTuples,
        ...(extras.context ? { context: extras.context } : {}),
      });
      // With the cache on, kept a moment after it resolves: a miss whose snapshot was read while the answer
      // was on its way (Redis Cluster answers a burst slower) shares it, as it would have found it cached.
      // The key is the whole snapshot, so no write it depends on can have happened in between.
      // A failure is forgotten at once: a check started after OpenFGA came back must not join the outage's error.
      const graceMs = options.cache ? SHARED_ANSWER_GRACE_MS : 0;
      const shared = answer;
      const forget = () => {
        if (this.inFlightChecks.get(key) === shared) this.inFlightChecks.delete(key);
      };
      answer.then(() => setTimeout(forget, graceMs).unref(), forget);
      this.inFlightChecks.set(key, answer);
    }
    return answer;
  }
}
