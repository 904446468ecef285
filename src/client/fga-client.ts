import {
  AuthorizationModel,
  ConsistencyPreference,
  OpenFgaApi,
  TupleKey,
  TupleOperation,
  User,
  WriteRequestDeletesOnMissing,
  WriteRequestWritesOnDuplicate,
} from '@openfga/sdk';
import { OpenFgaEvents, type OpenFgaRequestApi } from '../events/openfga-events';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import type { ConditionalTuple, Tuple } from '../tuple/tuple';
import type { OpenFgaAgents } from './openfga-agents';
import { sdkConfiguration } from './sdk-configuration';
import { secondsToMs } from '../timing/seconds';

/** A change read from OpenFGA's change feed. */
export interface FgaChange {
  tuple: Tuple;
  kind: 'grant' | 'revoke';
  /** When OpenFGA applied it (ms since the epoch). */
  at: number;
}

export interface FgaCheckOptions {
  modelId?: string;
  /** Ask OpenFGA to skip its own caches. */
  higherConsistency?: boolean;
  contextualTuples?: readonly ConditionalTuple[];
  /** Request-time context for the model's conditions. */
  context?: Record<string, unknown>;
}

/** One check of a BatchCheck request. */
export interface FgaBatchItem {
  tuple: Tuple;
  contextualTuples: readonly ConditionalTuple[];
  context?: Record<string, unknown>;
}

/** OpenFGA's answer to one check of a batch: allowed, or why it could not answer that one. */
export type FgaBatchResult = { allowed: boolean; error?: undefined } | { allowed?: undefined; error: string };

/**
 * The thin layer over @openfga/sdk: one Write request per call (chunking is
 * the writer's job), checks, and nothing else. The SDK's own retries are off:
 * the buffer retries with backoff and never loses the operation meanwhile.
 */
export class FgaClient {
  private readonly api: OpenFgaApi;
  private readonly requestOptions: { timeout: number };

  constructor(
    private readonly options: Pick<ResolvedOpenFgaOptions, 'apiUrl' | 'storeId' | 'credentials' | 'requestTimeout'>,
    private readonly events: OpenFgaEvents,
    /** The connections it asks over (the core's, closed with it). */
    agents: OpenFgaAgents,
  ) {
    this.api = new OpenFgaApi(sdkConfiguration(options, agents));
    this.requestOptions = { timeout: secondsToMs(options.requestTimeout) };
  }

  /**
   * One Write request. Duplicate writes and missing deletes are ignored, so a replayed batch never fails (invariant 3).
   * Grants carry their condition; OpenFGA refuses (409, see isConditionConflict) a grant of a tuple that exists with another.
   */
  async write(writes: ConditionalTuple[], deletes: Tuple[], modelId?: string): Promise<void> {
    await this.timed('write', writes.length + deletes.length, () =>
      this.api.write(
        this.options.storeId,
        {
          ...(writes.length
            ? { writes: { tuple_keys: writes.map(withCondition), on_duplicate: WriteRequestWritesOnDuplicate.Ignore } }
            : {}),
          ...(deletes.length ? { deletes: { tuple_keys: deletes.map(plain), on_missing: WriteRequestDeletesOnMissing.Ignore } } : {}),
          ...(modelId ? { authorization_model_id: modelId } : {}),
        },
        this.requestOptions,
      ),
    );
  }

  /** One page of OpenFGA's change feed. Without a token it starts at `startTime`. */
  async readChanges(
    type: string | undefined,
    pageSize: number,
    continuationToken: string | undefined,
    startTime: string | undefined,
  ): Promise<{ changes: FgaChange[]; continuationToken?: string }> {
    const res = await this.timed('readChanges', undefined, () =>
      this.api.readChanges(
        this.options.storeId,
        type,
        pageSize,
        continuationToken,
        continuationToken ? undefined : startTime,
        this.requestOptions,
      ),
    );
    return {
      changes: (res.changes ?? []).map((c) => ({
        tuple: plain(c.tuple_key),
        kind: c.operation === TupleOperation.Delete ? 'revoke' : 'grant',
        at: Date.parse(c.timestamp),
      })),
      continuationToken: res.continuation_token || undefined,
    };
  }

  async check(t: Tuple, o: FgaCheckOptions = {}): Promise<boolean> {
    const res = await this.timed('check', o.contextualTuples?.length, () =>
      this.api.check(
        this.options.storeId,
        {
          tuple_key: plain(t),
          ...(o.modelId ? { authorization_model_id: o.modelId } : {}),
          ...(o.contextualTuples?.length ? { contextual_tuples: { tuple_keys: o.contextualTuples.map(withCondition) } } : {}),
          ...(o.context ? { context: o.context } : {}),
          consistency: o.higherConsistency ? ConsistencyPreference.HigherConsistency : ConsistencyPreference.MinimizeLatency,
        },
        this.requestOptions,
      ),
    );
    return res.allowed === true;
  }

  /**
   * One BatchCheck request (at most OpenFGA's `max_checks_per_batch_check` items: chunking is the
   * caller's job); results in the order of `items`, matched by correlation id.
   */
  async batchCheck(
    items: readonly FgaBatchItem[],
    o: Omit<FgaCheckOptions, 'contextualTuples' | 'context'> = {},
  ): Promise<FgaBatchResult[]> {
    const res = await this.timed('batchCheck', items.length, () =>
      this.api.batchCheck(
        this.options.storeId,
        {
          checks: items.map((item, i) => ({
            tuple_key: plain(item.tuple),
            correlation_id: String(i),
            ...(item.contextualTuples.length ? { contextual_tuples: { tuple_keys: item.contextualTuples.map(withCondition) } } : {}),
            ...(item.context ? { context: item.context } : {}),
          })),
          ...(o.modelId ? { authorization_model_id: o.modelId } : {}),
          consistency: o.higherConsistency ? ConsistencyPreference.HigherConsistency : ConsistencyPreference.MinimizeLatency,
        },
        this.requestOptions,
      ),
    );
    const result = res.result ?? {};
    return items.map((_, i): FgaBatchResult => {
      const r = result[String(i)];
      if (!r) return { error: 'OpenFGA returned no result for this check' };
      const e = r.error;
      const code = [e?.input_error, e?.internal_error].find((c) => c && c !== 'no_error' && c !== 'no_internal_error');
      if (e?.message || code) return { error: e?.message || String(code) };
      return { allowed: r.allowed === true };
    });
  }

  /** One ListObjects request: the objects of `type` on which `user` has `relation` (unsorted, as OpenFGA returns them). */
  async listObjects(user: string, relation: string, type: string, o: FgaCheckOptions = {}): Promise<string[]> {
    const res = await this.timed('listObjects', o.contextualTuples?.length, () =>
      this.api.listObjects(
        this.options.storeId,
        {
          user,
          relation,
          type,
          ...this.readOptions(o),
          ...(o.contextualTuples?.length ? { contextual_tuples: { tuple_keys: o.contextualTuples.map(withCondition) } } : {}),
        },
        this.requestOptions,
      ),
    );
    return res.objects;
  }

  /** One ListUsers request (OpenFGA takes one user filter per request): `type:id`, `type:id#relation` or `type:*`. */
  async listUsers(
    object: string,
    relation: string,
    filter: { type: string; relation?: string },
    o: FgaCheckOptions = {},
  ): Promise<string[]> {
    const colon = object.indexOf(':');
    const res = await this.timed('listUsers', o.contextualTuples?.length, () =>
      this.api.listUsers(
        this.options.storeId,
        {
          object: { type: object.slice(0, colon), id: object.slice(colon + 1) },
          relation,
          user_filters: [filter.relation ? { type: filter.type, relation: filter.relation } : { type: filter.type }],
          ...this.readOptions(o),
          ...(o.contextualTuples?.length ? { contextual_tuples: o.contextualTuples.map(withCondition) } : {}),
        },
        this.requestOptions,
      ),
    );
    return res.users.map(userString).filter((u): u is string => u !== undefined);
  }

  /**
   * The users of the stored tuples of `object#relation` (Read, page by page), or undefined when there
   * are more than `most`. Asked with higher consistency: a caller relies on seeing every tuple written
   * before it asked (read/path-reach.ts).
   */
  async readUsers(object: string, relation: string, most: number): Promise<string[] | undefined> {
    const users: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.timed('read', undefined, () =>
        this.api.read(
          this.options.storeId,
          {
            tuple_key: { object, relation },
            page_size: Math.min(100, most + 1),
            ...(token ? { continuation_token: token } : {}),
            consistency: ConsistencyPreference.HigherConsistency,
          },
          this.requestOptions,
        ),
      );
      for (const t of res.tuples) users.push(t.key.user);
      if (users.length > most) return undefined;
      token = res.continuation_token || undefined;
    } while (token);
    return users;
  }

  private readOptions(o: FgaCheckOptions) {
    return {
      ...(o.modelId ? { authorization_model_id: o.modelId } : {}),
      ...(o.context ? { context: o.context } : {}),
      consistency: o.higherConsistency ? ConsistencyPreference.HigherConsistency : ConsistencyPreference.MinimizeLatency,
    };
  }

  /**
   * The authorization model `id`, or the store's latest one (undefined: the store has none), as OpenFGA's
   * JSON document (what the relation graph is compiled from).
   */
  async readModel(id?: string): Promise<AuthorizationModel | undefined> {
    if (id) return (await this.api.readAuthorizationModel(this.options.storeId, id, this.requestOptions)).authorization_model;
    const res = await this.api.readAuthorizationModels(this.options.storeId, 1, undefined, this.requestOptions);
    return res.authorization_models?.[0];
  }

  /** Reports every OpenFGA request (duration and outcome) to the event hub, for metrics and tracing. */
  private async timed<T>(api: OpenFgaRequestApi, tuples: number | undefined, call: () => Promise<T>): Promise<T> {
    if (!this.events.has('request')) return call();
    const started = performance.now();
    try {
      const result = await call();
      this.events.emit('request', { api, durationMs: performance.now() - started, outcome: 'ok', tuples });
      return result;
    } catch (err) {
      this.events.emit('request', { api, durationMs: performance.now() - started, outcome: 'error', tuples });
      throw err;
    }
  }
}

function plain(t: Tuple): TupleKey {
  return { user: t.user, relation: t.relation, object: t.object };
}

function withCondition(t: ConditionalTuple): TupleKey {
  if (!t.condition) return plain(t);
  const { name, context } = t.condition;
  return { ...plain(t), condition: context ? { name, context } : { name } };
}

/** A ListUsers answer as a string: `type:id`, `type:id#relation` or `type:*`. */
function userString(u: User): string | undefined {
  if (u.object) return `${u.object.type}:${u.object.id}`;
  if (u.userset) return `${u.userset.type}:${u.userset.id}#${u.userset.relation}`;
  if (u.wildcard) return `${u.wildcard.type}:*`;
  return undefined;
}
