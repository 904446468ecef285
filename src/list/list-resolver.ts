import { CheckCache, contextual, MAX_CONTEXTUAL_TUPLES, type OutstandingOp } from '../cache/check-cache';
import type { RelationScope } from '../cache/relation-scope';
import type { WriteBuffer } from '../buffer/write-buffer';
import { CheckDeadlines } from '../check/check-deadlines';
import { classifyError } from '../client/classify-error';
import { ConsistencyTokens, InvalidConsistencyTokenError } from '../consistency/consistency-token';
import type { Flusher } from '../flush/flusher';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { type StoreKeys, tupleKey } from '../redis/redis-keys';
import type { FgaLists } from './fga-lists';
import { ListUnavailableError } from './list-errors';
import type { ListContextualTuple, ListOptions } from './list-options';
import { describeQuery, type ListQuery } from './list-query';
import { listScope, probeTuple } from './list-scope';
import { PendingWrites } from './pending-writes';

/** What the list read path reads and drives. */
export interface ListResolverParts {
  options: ResolvedOpenFgaOptions;
  cache: CheckCache;
  scope: RelationScope;
  keys: StoreKeys;
  buffer: WriteBuffer;
  flusher: Flusher;
  tokens: ConsistencyTokens;
  fga: FgaLists;
}

/**
 * listObjects and listUsers with read-your-writes (README "Listing objects
 * and users"). With the model's relation graph, only the outstanding ops on
 * the pairs the queried relation depends on matter: pending grants among
 * them go to OpenFGA as contextual tuples (written first when they do not
 * fit in one request), and pending revokes among them are written (priority
 * claim) and awaited before OpenFGA is asked, so OpenFGA's answer already
 * lacks what they took away (and has what a `but not` revoke gave). Without
 * a graph, everything buffered before the call is written first. Bounded by
 * `checkTimeout`; never a partial list: a failure throws ListUnavailableError.
 * Nothing is cached.
 */
export class ListResolver {
  private readonly deadlines: CheckDeadlines;

  constructor(private readonly parts: ListResolverParts) {
    this.deadlines = new CheckDeadlines(parts.options.checkTimeout * 1000);
  }

  async list(q: ListQuery, options: ListOptions): Promise<string[]> {
    const what = describeQuery(q);
    const fail = (reason: string, cause?: unknown) => new ListUnavailableError(what, reason, cause);
    const timeoutMs = this.parts.options.checkTimeout * 1000;
    try {
      const work = this.resolve(q, options, Date.now() + timeoutMs, fail);
      return await this.deadlines.bound(work, () => fail(`no answer within checkTimeout (${timeoutMs} ms)`));
    } catch (err) {
      // A bad token is the caller's mistake; everything else is "no list".
      if (err instanceof ListUnavailableError || err instanceof InvalidConsistencyTokenError) throw err;
      throw fail(String(err instanceof Error ? err.message : err), err);
    }
  }

  private async resolve(q: ListQuery, options: ListOptions, deadline: number, fail: (r: string, c?: unknown) => Error): Promise<string[]> {
    const { buffer, cache, keys, fga, options: o } = this.parts;
    const token = this.tokenPosition(options);
    // Ops buffered after `startAt` are concurrent with the call: they need not be awaited. Read only
    // when needed (a fresh level, a revoke to judge, no graph): any fixed position at or after the
    // call's start bounds the wait; a later one only waits for more.
    let startAt = options.consistency === 'strong' || token !== undefined ? (await buffer.positions()).latest : undefined;
    const cutoff = async () => (startAt ??= (await buffer.positions()).latest);
    const freshAt = options.consistency === 'strong' ? startAt : token === undefined ? undefined : Math.min(token, startAt!);
    const writes = new PendingWrites(buffer, this.parts.flusher, fail);
    const own = options.contextualTuples ?? [];
    const modelId = o.authorizationModelId;
    const scope = listScope(this.parts.scope, keys, q);
    if (!scope) {
      // No graph (model unreadable) or a relation it lacks: the whole buffer up to now goes first.
      await writes.flushThrough(await cutoff(), deadline);
      return fga.list(q, { modelId, contextualTuples: own, context: options.context, higherConsistency: true });
    }
    const room = MAX_CONTEXTUAL_TUPLES - own.length;
    const probe = probeTuple(q);
    let awaited = false;
    let retried = false;
    for (;;) {
      const found = await cache.lookup(probe, modelId, scope, false);
      if (found.source !== 'miss') throw fail('the read path returned a cached answer for a list'); // (useCache false: never)
      const snapshot = found.snapshot;
      const ops = snapshot.ops ?? [];
      const grants = ops.filter((op) => op.kind === 'grant');
      if (!snapshot.complete || grants.length > room) {
        // Too many to list or to send: the listed ones are written ahead of the backlog, then listed again.
        await writes.writeFirst(ops, deadline);
        continue;
      }
      const revokeCutoff = ops.some((op) => op.kind === 'revoke') ? await cutoff() : 0;
      const owed = ops.filter((op) => (op.kind === 'revoke' && op.seq <= revokeCutoff) || (freshAt !== undefined && op.seq <= freshAt));
      if (owed.length > 0) {
        await writes.waitWritten(owed, deadline);
        awaited = true;
        continue;
      }
      const higherConsistency =
        awaited || freshAt !== undefined || (snapshot.revokedAt > 0 && Date.now() - snapshot.revokedAt < o.revokeConsistencyWindow * 1000);
      try {
        return await fga.list(q, { modelId, contextualTuples: withPending(own, grants), context: options.context, higherConsistency });
      } catch (err) {
        // OpenFGA rejects the whole query when one pending grant is invalid: write them (the flush
        // dead-letters the bad one) and ask once more with what is left; a second rejection fails closed.
        if (retried || grants.length === 0 || classifyError(err).kind !== 'permanent') throw err;
        retried = true;
        await writes.waitWritten(grants, deadline);
      }
    }
  }

  /** The position of an `at-least-as-fresh` token; bad input throws before anything else. */
  private tokenPosition({ consistency = 'minimize-latency', token }: ListOptions): number | undefined {
    switch (consistency) {
      case 'minimize-latency':
      case 'strong':
        return undefined;
      case 'at-least-as-fresh':
        return this.parts.tokens.decode(token);
      default:
        throw new InvalidConsistencyTokenError(consistency, 'consistency must be "minimize-latency", "at-least-as-fresh" or "strong"');
    }
  }
}

/** The caller's contextual tuples and the pending grants; OpenFGA refuses a duplicate, so the pending grant (the store's state) wins. */
function withPending(own: readonly ListContextualTuple[], grants: readonly OutstandingOp[]): ListContextualTuple[] {
  const pending = new Set(grants.map((op) => op.key));
  return [...own.filter((t) => !pending.has(tupleKey(t))), ...grants.map(contextual)];
}
