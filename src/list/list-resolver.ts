import { InvalidConsistencyTokenError } from '../consistency/consistency-token';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import type { OutstandingOp } from '../buffer/outstanding-ops';
import { isPlainUser, pairOf, typeOf } from '../model/relation-graph';
import type { Read, ReadEngine, ReadTarget } from '../read/read-engine';
import type { ReadScope } from '../scope/relation-scope';
import type { FgaLists } from './fga-lists';
import { ListUnavailableError } from './list-errors';
import type { ListContextualTuple, ListOptions } from './list-options';
import { describeQuery, type ListQuery, listedRelation, probeTuple } from './list-query';

/**
 * listObjects and listUsers with read-your-writes (README "Listing objects
 * and users"): the read engine with the query's read scope (every object,
 * or every user, of the queried relation) and OpenFGA's list call as its
 * final call. A list has no answer to judge a pending revoke by, so the
 * engine writes every relevant revoke (and condition-setting grant)
 * acknowledged before the call first; the relevant pending grants go as
 * contextual tuples. Bounded by `checkTimeout`; never a partial list: a
 * failure throws ListUnavailableError. Nothing is cached.
 */
export class ListResolver {
  constructor(
    private readonly options: ResolvedOpenFgaOptions,
    private readonly engine: ReadEngine,
    private readonly fga: FgaLists,
  ) {}

  async list(q: ListQuery, options: ListOptions): Promise<string[]> {
    const { engine } = this;
    const what = describeQuery(q);
    const fail = (reason: string, cause?: unknown) => new ListUnavailableError(what, reason, cause);
    try {
      const work = engine.begin(options, fail).then((read) => this.resolve(q, options, read));
      return await engine.bound(work, () => fail(`no answer within checkTimeout (${engine.timeoutMs} ms)`));
    } catch (err) {
      // A bad token is the caller's mistake; everything else is "no list".
      if (err instanceof ListUnavailableError || err instanceof InvalidConsistencyTokenError) throw err;
      throw fail(String(err instanceof Error ? err.message : err), err);
    }
  }

  private async resolve(q: ListQuery, options: ListOptions, read: Read): Promise<string[]> {
    const { engine, fga } = this;
    const own = options.contextualTuples ?? [];
    const target: ReadTarget = { probe: probeTuple(q), scope: engine.scope.forList(listedRelation(q)) };
    const room = engine.room(own.length);
    read.mayOmitGrants = options.mayOmitPendingGrants === true;
    const request = (contextualTuples: readonly ListContextualTuple[], higherConsistency: boolean) =>
      fga.list(q, { modelId: this.options.authorizationModelId, contextualTuples, context: options.context, higherConsistency });
    const first = await engine.snapshot(target, room);
    const effect = effectOnList(q, target.scope);
    if (target.scope && read.freshAt === undefined && first.complete && (first.ops ?? []).every((op) => effect(op) !== undefined)) {
      // Every relevant op (a scoped snapshot lists both kinds) is a plain grant to the listed user that
      // adds its own object, or a plain tuple of another user that changes nothing here: OpenFGA lists
      // without them (contextual tuples slow it down) and the added objects are added here, however many.
      const added = (first.ops ?? []).filter((op) => effect(op) === 'adds').map((op) => op.tuple.object);
      const listed = await request(own, engine.higherConsistency(read, first));
      return added.length === 0 ? listed : [...new Set([...listed, ...added])].sort();
    }
    let snapshot = await engine.ready(read, target, room, first);
    while (await engine.writeTurning(read, target, snapshot, undefined)) snapshot = await engine.ready(read, target, room);
    const { value } = await engine.answer(read, target, room, snapshot, (s) =>
      request(engine.contextualTuples(s, own), engine.higherConsistency(read, s)),
    );
    return value;
  }
}

/**
 * For listObjects of a plain user, what a relevant op does to the list, when the scope's granting
 * pairs tell: `adds` its object (a plain grant to that user), `nothing` (a plain tuple of another
 * user: it reaches only that user's answers); undefined for anything else (sent or written first).
 */
function effectOnList(q: ListQuery, scope: ReadScope | undefined): (op: OutstandingOp) => 'adds' | 'nothing' | undefined {
  const granting = q.kind === 'objects' && isPlainUser(q.user) ? scope?.granting : undefined;
  if (!granting) return () => undefined;
  const user = q.kind === 'objects' ? q.user : '';
  const userType = typeOf(user);
  return (op) => {
    const types = granting.get(pairOf(op.tuple));
    if (!types || op.condition || !isPlainUser(op.tuple.user)) return undefined;
    if (op.tuple.user !== user) return 'nothing';
    return op.kind === 'grant' && types.has(userType) ? 'adds' : undefined;
  };
}
