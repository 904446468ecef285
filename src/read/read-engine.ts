import { contextual, type OutstandingOp, type OutstandingOps, type ReadSnapshot } from '../buffer/outstanding-ops';
import type { WriteBuffer } from '../buffer/write-buffer';
import type { CheckCache } from '../cache/check-cache';
import { classifyError } from '../client/classify-error';
import { ConsistencyTokens, InvalidConsistencyTokenError } from '../consistency/consistency-token';
import type { Flusher } from '../flush/flusher';
import { pairOf } from '../model/relation-graph';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { tupleKey } from '../redis/redis-keys';
import type { RedisAvailability } from '../redis/redis-availability';
import type { ReadScope, RelationScope } from '../scope/relation-scope';
import type { ConditionalTuple, Tuple } from '../tuple/tuple';
import { Deadlines } from '../timing/deadlines';
import type { PathReach } from './path-reach';
import { type ReadFailure, WriteFirst } from './write-first';
import { secondsToMs } from '../timing/seconds';

/** OpenFGA accepts at most 100 contextual tuples per request. */
export const MAX_CONTEXTUAL_TUPLES = 100;

/** What the read engine reads and drives. */
export interface ReadEngineParts {
  options: ResolvedOpenFgaOptions;
  cache: CheckCache;
  outstanding: OutstandingOps;
  scope: RelationScope;
  buffer: WriteBuffer;
  flusher: Flusher;
  tokens: ConsistencyTokens;
  /** Narrows a read's spread pairs to its path before it writes them first. */
  reach: PathReach;
  /** Known Redis outages fail a read at once (closed), instead of at `checkTimeout`. */
  availability?: RedisAvailability;
}

/** A read's consistency option, as check, batchCheck and the lists take it (validated here). */
export interface ReadConsistency {
  consistency?: string;
  token?: unknown;
}

/** What one read is about: the tuple whose generations its snapshot reads (a list's probe) and its read scope (none: store-wide). */
export interface ReadTarget {
  probe: Tuple;
  scope: ReadScope | undefined;
  /**
   * Set by the engine the first time the read owes ops and its scope can be narrowed to its path
   * (read/path-reach.ts): the narrowed scope its snapshots read from then on; null when it could not be.
   */
  path?: ReadScope | null;
}

export type LookupResult = { source: 'cache'; allowed: boolean } | { source: 'miss'; snapshot: ReadSnapshot };

/**
 * One read under way: its deadline, its freshness target and what it has
 * written so far. Ops buffered after its cut-off (the latest position when it
 * first needed one, at or after its start) are concurrent with it: never
 * awaited, so a steady stream of writes cannot hold a read until its deadline.
 */
export class Read {
  /** Something was written first: OpenFGA is asked with higher consistency from then on. */
  wrote = false;
  /** Without a graph: the position the whole buffer was flushed through (-1: none). */
  flushedThrough = -1;
  /** A list that opted in to omit the pending grants that do not fit (ListOptions.mayOmitPendingGrants). */
  mayOmitGrants = false;
  private startAt?: Promise<number>;

  constructor(
    private readonly buffer: WriteBuffer,
    readonly deadline: number,
    readonly freshAt: number | undefined,
    readonly fail: ReadFailure,
  ) {}

  cutoff(): Promise<number> {
    return (this.startAt ??= this.buffer.positions().then((p) => p.latest));
  }
}

/**
 * The one read algorithm under `check`, `batchCheck`, `listObjects` and
 * `listUsers` (docs/design.md §4, "How a read flows"). It owns the deadline,
 * the freshness target, the snapshot of the outstanding ops a read depends
 * on, writing first what must be written, the consistency choice, the
 * contextual tuples, and the rules for pending revokes and for caching. Each
 * read kind keeps only its scope and its final OpenFGA call:
 *
 * 1. `ready`: a snapshot with nothing owed (ops up to a fresh level, more
 *    relevant ops than one snapshot lists or than fit as contextual tuples:
 *    written first, by a priority claim of exactly those tuples).
 * 2. `answer`: OpenFGA, with the relevant pending grants as contextual tuples.
 * 3. `writeTurning`: an op acknowledged before the read that OpenFGA cannot
 *    be told about and that may turn the answer (a revoke; a grant that sets
 *    a condition, which narrows a stored tuple) is written, then OpenFGA is
 *    asked again.
 * 4. `cacheable`: whether the answer may be cached.
 */
export class ReadEngine {
  readonly timeoutMs: number;
  private readonly deadlines: Deadlines;
  private readonly writeFirst: WriteFirst;

  constructor(private readonly parts: ReadEngineParts) {
    this.timeoutMs = secondsToMs(parts.options.checkTimeout);
    this.deadlines = new Deadlines(this.timeoutMs);
    this.writeFirst = new WriteFirst(parts.buffer, parts.flusher);
  }

  get scope(): RelationScope {
    return this.parts.scope;
  }

  /** Settles as `work`, or rejects with `expired()` once `checkTimeout` has passed. */
  bound<T>(work: Promise<T>, expired: () => Error): Promise<T> {
    return this.deadlines.bound(work, expired);
  }

  /** A read starting now (deadline: `checkTimeout` from now, unless given); a bad consistency option throws first. */
  async begin(options: ReadConsistency, fail: ReadFailure, deadline = Date.now() + this.timeoutMs): Promise<Read> {
    const down = this.redisDown;
    if (down) {
      // At once, but on the next turn of the event loop: a caller checking in a loop must not starve I/O.
      await new Promise((r) => setImmediate(r));
      throw fail(`Redis is unavailable (${down})`);
    }
    return new Read(this.parts.buffer, deadline, await this.freshnessTarget(options), fail);
  }

  /** Why Redis is known to be down (reads then fail closed at once), or undefined. */
  get redisDown(): string | undefined {
    return this.parts.availability?.down;
  }

  /** A read whose freshness target is known (batchCheck items share one). */
  readAt(freshAt: number | undefined, deadline: number, fail: ReadFailure): Read {
    return new Read(this.parts.buffer, deadline, freshAt, fail);
  }

  /** The buffer position a read must reflect, or undefined for minimize-latency. Bad input throws before anything else. */
  async freshnessTarget({ consistency = 'minimize-latency', token }: ReadConsistency): Promise<number | undefined> {
    switch (consistency) {
      case 'minimize-latency':
        return undefined;
      case 'at-least-as-fresh': {
        const at = this.parts.tokens.decode(token);
        // A position beyond the latest handed out (forged, or from before Redis lost its data) is the latest:
        // later writes are concurrent with the read and must not be owed (README, "Tokens").
        return Math.min(at, (await this.parts.buffer.positions()).latest);
      }
      case 'strong':
        // Newer than any token: one given is only checked (a foreign or malformed one is a caller's bug).
        if (token !== undefined) this.parts.tokens.decode(token);
        return (await this.parts.buffer.positions()).latest;
      default:
        throw new InvalidConsistencyTokenError(consistency, 'consistency must be "minimize-latency", "at-least-as-fresh" or "strong"');
    }
  }

  /** How many relevant pending grants fit as contextual tuples beside `callerTuples` of the caller's own. */
  room(callerTuples: number): number {
    return Math.max(0, Math.min(this.parts.options.readLimits.contextualTuples, MAX_CONTEXTUAL_TUPLES - callerTuples));
  }

  /** A cached answer (when `useCache`), else the read's snapshot as it is now (nothing written). */
  async lookup(t: Tuple, scope: ReadScope | undefined, useCache = this.parts.cache.enabled, room = this.room(0)): Promise<LookupResult> {
    if (useCache) {
      const allowed = await this.parts.cache.cached(t, this.parts.options.authorizationModelId, scope);
      if (allowed !== undefined) return { source: 'cache', allowed };
    }
    return { source: 'miss', snapshot: await this.snapshot({ probe: t, scope }, room) };
  }

  snapshot({ probe, scope, path }: ReadTarget, room: number): Promise<ReadSnapshot> {
    const listed = this.parts.options.readLimits.listedOperations;
    return this.parts.outstanding.snapshot(probe, path ?? scope, { listed, grants: room });
  }

  /** Snapshots of many reads in one script call (batchCheck). */
  snapshots(reads: readonly (ReadTarget & { room: number })[]): Promise<ReadSnapshot[]> {
    const listed = this.parts.options.readLimits.listedOperations;
    return this.parts.outstanding.snapshots(
      reads.map((r) => ({ t: r.probe, scope: r.path ?? r.scope, limits: { listed, grants: r.room } })),
    );
  }

  /**
   * Whether OpenFGA can be asked from this snapshot as it is: nothing owed
   * (see `owed`), and everything relevant listed.
   */
  isReady(read: Read, target: ReadTarget, snapshot: ReadSnapshot, room: number): boolean {
    if (!target.scope) return read.freshAt === undefined && snapshot.complete;
    return snapshot.complete && this.owed(snapshot, read.freshAt, room).length === 0;
  }

  /**
   * The snapshot of a read with everything it owes written first. With a
   * read scope: the ops up to a fresh level, and, when more relevant ops
   * exist than one snapshot lists or more grants than fit as contextual
   * tuples, the listed ones (the next snapshot lists the rest). Without one:
   * the whole buffer up to the fresh level, or up to the cut-off when the
   * pending grants cannot all be listed.
   */
  async ready(read: Read, target: ReadTarget, room: number, first?: ReadSnapshot): Promise<ReadSnapshot> {
    let snapshot = first ?? (await this.snapshot(target, room));
    for (;;) {
      if (!target.scope) {
        const through = read.freshAt ?? (snapshot.complete ? undefined : await read.cutoff());
        if (through === undefined || read.flushedThrough >= through) return snapshot;
        await this.flushThrough(read, through);
      } else {
        const owed = this.owed(snapshot, read.freshAt, room);
        if (owed.length > 0 && target.path === undefined && target.scope.reach) {
          // Before writing anything first: only the ops on the read's path may be owed (an import's
          // thousands of parent links elsewhere are not). Narrowed once; an OpenFGA error keeps the whole pairs.
          target.path = (await this.parts.reach.narrow(target.probe, target.scope).catch(() => undefined)) ?? null;
        } else if (owed.length > 0 && read.mayOmitGrants && omittable(target.scope, snapshot)) {
          // The list opted in: answer with the grants that fit rather than write the rest first.
          return { ...snapshot, ops: pendingGrants(snapshot).slice(0, room) };
        } else if (owed.length > 0) {
          await this.writeFirst.ops(owed, read.deadline, read.fail);
          read.wrote = true;
        } else if (snapshot.complete) {
          return snapshot;
        } else if (Date.now() >= read.deadline) {
          // (An incomplete listing with no op in it read only stale index entries, which it dropped.)
          throw read.fail('the operations it depends on could not be listed in time');
        }
      }
      snapshot = await this.snapshot(target, room);
    }
  }

  /**
   * Asks OpenFGA (`ask`) from a ready snapshot. OpenFGA rejects a whole
   * request when a pending grant sent with it is invalid, or when it cannot
   * evaluate a stored tuple's condition that a pending revoke removes: the
   * relevant ops acknowledged before the read are then written (the flush
   * dead-letters a bad one) and OpenFGA is asked once more; a second
   * rejection fails closed.
   */
  async answer<T>(
    read: Read,
    target: ReadTarget,
    room: number,
    snapshot: ReadSnapshot,
    ask: (snapshot: ReadSnapshot) => Promise<T>,
  ): Promise<{ value: T; snapshot: ReadSnapshot }> {
    try {
      return { value: await ask(snapshot), snapshot };
    } catch (err) {
      const outstanding = target.scope ? (snapshot.ops?.length ?? 0) > 0 : snapshot.outstandingRevokes > 0 || snapshot.ops?.length !== 0;
      if (!outstanding || classifyError(err).kind !== 'permanent') throw err;
      const cutoff = await read.cutoff();
      if (target.scope) {
        await this.writeFirst.settled(
          snapshot.ops!.filter((op) => op.seq <= cutoff),
          read.deadline,
          read.fail,
        );
        read.wrote = true;
      } else {
        await this.flushThrough(read, cutoff);
      }
      const left = await this.ready(read, target, room);
      try {
        return { value: await ask(left), snapshot: left };
      } catch (again) {
        throw read.fail(`OpenFGA refused the request with the pending operations it depends on written first: ${String(again)}`, again);
      }
    }
  }

  /**
   * Writes first what OpenFGA answered without and what may turn its answer,
   * among the ops acknowledged before the read (after its cut-off they are
   * concurrent with it). Returns whether anything was written: the read then
   * takes a new snapshot and asks again.
   * - With a read scope: pending revokes, and pending grants that set a
   *   condition (a contextual tuple cannot hide the stored, wider form), on
   *   the pairs where they can turn `allowed`: the positive ones after an
   *   "allowed", the negative ones (a `but not` side) after a "denied"; both
   *   for a list (`allowed` undefined), written before it is asked.
   * - Without one: the whole buffer up to the cut-off, while any revoke or
   *   conditional grant is outstanding, whatever the answer.
   */
  async writeTurning(read: Read, target: ReadTarget, snapshot: ReadSnapshot, allowed: boolean | undefined): Promise<boolean> {
    if (!this.mayTurn(target.scope, snapshot, allowed)) return false;
    const cutoff = await read.cutoff();
    if (!target.scope) {
      if (read.flushedThrough >= cutoff) return false;
      await this.flushThrough(read, cutoff);
      return true;
    }
    const turning = this.turning(target.scope, snapshot, allowed).filter((op) => op.seq <= cutoff);
    if (turning.length === 0) return false;
    await this.writeFirst.settled(turning, read.deadline, read.fail);
    read.wrote = true;
    return true;
  }

  /** Whether the snapshot holds an op that may turn `allowed` (see writeTurning), whenever it was buffered. */
  mayTurn(scope: ReadScope | undefined, snapshot: ReadSnapshot, allowed: boolean | undefined): boolean {
    if (!scope) return snapshot.outstandingRevokes > 0 || conditionalIn(snapshot);
    return this.turning(scope, snapshot, allowed).length > 0;
  }

  private turning(scope: ReadScope, snapshot: ReadSnapshot, allowed: boolean | undefined): OutstandingOp[] {
    return (snapshot.ops ?? []).filter((op) => {
      if (op.kind === 'grant' && !op.condition) return false;
      if (allowed === undefined) return true;
      return (allowed ? scope.positive : scope.negative).has(pairOf(op.tuple));
    });
  }

  /**
   * Whether an answer may be cached: never one OpenFGA gave while a relevant
   * revoke was outstanding (it answered without it, and its settle moves no
   * generation); never for a relation reading conditional tuples or with a
   * pending conditional grant (a condition may decide otherwise later, with
   * nothing written); never under a request's own context or tuples (it
   * holds for that request only); without a graph, only from a complete
   * snapshot with no revoke outstanding in the store.
   */
  cacheable(scope: ReadScope | undefined, snapshot: ReadSnapshot, requestOwn: boolean): boolean {
    if (requestOwn || conditionalIn(snapshot)) return false;
    if (!scope) return snapshot.complete && snapshot.outstandingRevokes === 0;
    return !scope.conditional && !(snapshot.ops ?? []).some((op) => op.kind === 'revoke');
  }

  /**
   * Whether OpenFGA is asked with HIGHER_CONSISTENCY: at a fresh level, once
   * the read wrote something first, and for `revokeConsistencyWindow` after
   * any process wrote a revoke (OpenFGA's own check cache or a replica may
   * still answer from before it).
   */
  higherConsistency(read: Read, snapshot: ReadSnapshot): boolean {
    if (read.freshAt !== undefined || read.wrote) return true;
    return snapshot.revokedAt > 0 && Date.now() - snapshot.revokedAt < secondsToMs(this.parts.options.revokeConsistencyWindow);
  }

  /**
   * The contextual tuples of a request: the relevant pending grants, then the
   * caller's own that do not repeat one (OpenFGA refuses a duplicate; the
   * pending grant is what the store holds).
   */
  contextualTuples(snapshot: ReadSnapshot, callerTuples: readonly ConditionalTuple[]): ConditionalTuple[] {
    const grants = pendingGrants(snapshot).map(contextual);
    if (callerTuples.length === 0) return grants;
    const pending = new Set(grants.map(tupleKey));
    return [...grants, ...callerTuples.filter((c) => !pending.has(tupleKey(c)))];
  }

  /**
   * The relevant ops a read must see written before it asks OpenFGA: at a
   * fresh level, every one up to its position; at any level, when more
   * relevant ops exist than were listed, or more grants than fit as
   * contextual tuples, the listed ones.
   */
  private owed(snapshot: ReadSnapshot, freshAt: number | undefined, room: number): OutstandingOp[] {
    const ops = snapshot.ops ?? [];
    if (!snapshot.complete || pendingGrants(snapshot).length > room) return ops;
    return freshAt === undefined ? [] : ops.filter((op) => op.seq <= freshAt);
  }

  private async flushThrough(read: Read, seq: number): Promise<void> {
    await this.writeFirst.through(seq, read.deadline, read.fail);
    read.flushedThrough = seq;
    read.wrote = true;
  }
}

/**
 * Whether a read that may omit pending grants can answer from this snapshot without writing them:
 * every relevant op is then a plain grant that can only add access (no revoke outstanding in the
 * store, no conditional tuple read, no `but not`), so what it omits is access, never a removal.
 */
function omittable(scope: ReadScope, snapshot: ReadSnapshot): boolean {
  return snapshot.outstandingRevokes === 0 && !scope.conditional && scope.negative.size === 0 && !conditionalIn(snapshot);
}

/** The outstanding grants a snapshot lists: what OpenFGA is asked with, as contextual tuples. */
export function pendingGrants(snapshot: ReadSnapshot): OutstandingOp[] {
  return (snapshot.ops ?? []).filter((op) => op.kind === 'grant');
}

/** Whether one of a snapshot's pending grants is conditional: an answer it may decide is never cached. */
export function conditionalIn(snapshot: ReadSnapshot): boolean {
  return (snapshot.ops ?? []).some((op) => op.condition !== undefined);
}
