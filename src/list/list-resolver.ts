import { InvalidConsistencyTokenError } from '../consistency/consistency-token';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import type { Read, ReadEngine, ReadTarget } from '../read/read-engine';
import type { FgaLists } from './fga-lists';
import { effectOnList } from './list-effect';
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
    const effect = effectOnList(q, target.scope?.granting);
    const effects = first.ops?.map(effect) ?? [];
    if (target.scope && read.freshAt === undefined && first.complete && effects.every((e) => e !== undefined)) {
      // Every relevant op (a scoped snapshot lists both kinds) is a plain grant that adds one item, or a
      // plain tuple that changes nothing here: OpenFGA lists without them (contextual tuples slow it
      // down) and the items they add are added here, however many.
      const added = effects.filter((e): e is string => typeof e === 'string');
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
