import type { BufferedOperation } from '../../buffer/buffered-operation';
import { CheckUnavailableError } from '../../check/check-unavailable.error';
import { MAX_CONTEXTUAL_TUPLES } from '../../read/read-engine';
import type { ConsistencyTokens } from '../../consistency/consistency-token';
import { effectOnList } from '../../list/list-effect';
import { ListUnavailableError } from '../../list/list-errors';
import type { ListOptions } from '../../list/list-options';
import { describeQuery, type ListQuery, type UserFilter } from '../../list/list-query';
import type { ReadFilter, ReadOptions, ReadPage } from '../../list/passthrough';
import { isPlainUser, pairOf, type RelationDependencies, type RelationGraph, typeOf } from '../../model/relation-graph';
import type { Tuple } from '../../tuple/tuple';
import { InvalidTupleError } from '../../tuple/invalid-tuple.error';
import type { FakeBuffer } from './fake-buffer';
import { fakeFreshnessTarget } from './fake-freshness';
import type { FakeFlusher } from './fake-flusher';
import type { FakeModel } from './fake-model';
import type { FakeTuples } from './fake-tuples';

/**
 * listObjects/listUsers and read for the fake, step for step the real list
 * read path with the writes done at once: the pending ops on the pairs the
 * queried relation depends on are considered; unless each is a plain grant
 * that adds one item or a plain tuple that changes nothing here, relevant
 * revokes (and, at a fresh level, every relevant op up to its position; and
 * grants beyond 100) are written first; then the model is evaluated over the written tuples,
 * the pending grants and the caller's contextual tuples, for every object
 * (or user) of the asked type the fake knows of. Needs the `model` option.
 */
export class FakeLists {
  constructor(
    private readonly buffer: FakeBuffer,
    private readonly tuples: FakeTuples,
    private readonly flusher: FakeFlusher,
    private readonly tokens: ConsistencyTokens,
    private readonly model: FakeModel | undefined,
    private readonly graph: RelationGraph | undefined,
    private readonly rejects: (t: Tuple) => string | undefined,
  ) {}

  async list(q: ListQuery, options: ListOptions): Promise<string[]> {
    const freshAt = this.freshnessTarget(options);
    const fail = (reason: string) => new ListUnavailableError(describeQuery(q), reason);
    const model = this.model;
    if (!model || !this.graph) throw fail('the fake lists only with its `model` option (it evaluates the model over its tuples)');
    const type = q.kind === 'objects' ? q.type : typeOf(q.object);
    const refused = model.rejectCheck({ user: 'user:x', relation: q.relation, object: `${type}:x` });
    if (refused !== undefined) throw fail(refused);
    for (const f of q.kind === 'users' ? q.userFilters : []) {
      const why = model.rejectFilter(f.type, f.relation);
      if (why !== undefined) throw fail(why);
    }
    const own = options.contextualTuples ?? [];
    const refusedOwn = own.map((t) => model.rejectWrite(t)).find((why) => why !== undefined);
    if (refusedOwn !== undefined) throw fail(refusedOwn);
    const deps = this.graph.dependencies(type, q.relation)!;
    const relevant = () => this.buffer.list().filter((op) => listMayChange(deps, q, op));
    const write = (ops: readonly BufferedOperation[]) => this.flusher.flushOnly(new Set(ops.map((op) => op.key)));
    const grants = () => relevant().filter((op) => op.kind === 'grant');
    // As the real list: when every relevant op is a plain grant that adds one item or a plain tuple that
    // changes nothing here, nothing is written first, however many (src/list/list-effect.ts).
    const effect = effectOnList(q, this.graph.grantingPairs(type, q.relation));
    const local =
      freshAt === undefined && relevant().every((op) => effect({ kind: op.kind, tuple: op, condition: op.condition }) !== undefined);
    if (!local) {
      if (grants().length > MAX_CONTEXTUAL_TUPLES - own.length) await write(relevant());
      const target = freshAt === undefined ? undefined : Math.min(freshAt, this.buffer.latest);
      const owed = relevant().filter((op) => op.kind === 'revoke' || (target !== undefined && op.seq <= target));
      if (owed.length > 0) await write(owed);
      // OpenFGA rejects the whole query when a pending grant is invalid: written first (dead-lettering it).
      if (grants().some((g) => this.rejects(g) !== undefined)) await write(grants());
    }
    const known: Tuple[] = [...this.tuples.all(), ...grants(), ...own];
    const source = (withWildcards: boolean) => (object: string, relation: string) =>
      known.filter((x) => x.object === object && x.relation === relation && (withWildcards || !x.user.endsWith(':*')));
    // A condition the model cannot evaluate fails the whole list closed, with the list's error as the real one.
    const holds = (t: Tuple, withWildcards: boolean): boolean => {
      try {
        return model.check(t, source(withWildcards), options.context);
      } catch (err) {
        if (!(err instanceof CheckUnavailableError)) throw err;
        throw fail(err.message.slice(`Check ${t.user} ${t.relation} ${t.object} could not be answered: `.length));
      }
    };
    if (q.kind === 'objects') {
      const candidates = namesOfType(known, q.type, false);
      return candidates.filter((object) => holds({ user: q.user, relation: q.relation, object }, true)).sort();
    }
    const users = q.userFilters.flatMap((f) => usersOf(known, f));
    // As OpenFGA: a wildcard is listed as `type:*`, not expanded into the users it covers.
    const has = (user: string) => holds({ user, relation: q.relation, object: q.object }, user.endsWith(':*'));
    return [...new Set(users.filter(has))].sort();
  }

  /** One page of the written tuples (never the pending ones, as the real `read`), in the order written; `filter` as validateReadFilter leaves it. */
  read(filter: ReadFilter, options: ReadOptions): ReadPage {
    // A token the fake did not issue is refused, as OpenFGA refuses one (not read as the first page).
    if (options.continuationToken && !/^[1-9]\d*$/.test(options.continuationToken)) {
      throw new InvalidTupleError('options.continuationToken', options.continuationToken, 'the string a previous page returned');
    }
    const matching = this.tuples
      .all()
      .filter(
        (t) =>
          (filter.user === undefined || t.user === filter.user) &&
          (filter.relation === undefined || t.relation === filter.relation) &&
          (filter.object === undefined || (filter.object.endsWith(':') ? t.object.startsWith(filter.object) : t.object === filter.object)),
      );
    const from = options.continuationToken ? Number(options.continuationToken) : 0;
    const size = options.pageSize ?? 50;
    const page = matching.slice(from, from + size).map((t) => ({ ...t, timestamp: this.tuples.writtenAt(t) }));
    return { tuples: page, ...(from + size < matching.length ? { continuationToken: String(from + size) } : {}) };
  }

  private freshnessTarget(options: ListOptions): number | undefined {
    return fakeFreshnessTarget(options, this.tokens, this.buffer);
  }
}

/** Whether an op may change the list: the real list scope's index ranges (src/list/list-scope.ts), as a predicate. */
function listMayChange(deps: RelationDependencies, q: ListQuery, op: Tuple): boolean {
  const pair = pairOf(op);
  if (deps.spread.has(pair)) return true;
  if (q.kind === 'objects') return deps.local.has(pair) || (deps.byUser.has(pair) && (op.user === q.user || !isPlainUser(op.user)));
  return deps.byUser.has(pair) || (deps.local.has(pair) && op.object === q.object);
}

/** Every `type:id` named by the tuples (as object, user, or a userset's subject); with `wildcard`, `type:*` too. */
function namesOfType(tuples: readonly Tuple[], type: string, wildcard: boolean): string[] {
  const names = new Set<string>();
  const add = (name: string) => {
    if (typeOf(name) === type && (wildcard || !name.endsWith(':*'))) names.add(name);
  };
  for (const t of tuples) {
    add(t.object);
    add(t.user.split('#')[0]);
  }
  return [...names];
}

function usersOf(tuples: readonly Tuple[], filter: UserFilter): string[] {
  const names = namesOfType(tuples, filter.type, filter.relation === undefined);
  return filter.relation ? names.filter((n) => !n.endsWith(':*')).map((n) => `${n}#${filter.relation}`) : names;
}
