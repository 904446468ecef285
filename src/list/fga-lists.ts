import { ConsistencyPreference, type OpenFgaClient, type TupleKey, type User } from '@openfga/sdk';
import type { ListContextualTuple } from './list-options';
import type { ListQuery, UserFilter } from './list-query';

export interface FgaListRequest {
  modelId?: string;
  /** The caller's contextual tuples and the pending grants, at most 100 together. */
  contextualTuples: readonly ListContextualTuple[];
  context?: Record<string, unknown>;
  /** Ask OpenFGA to skip its own caches (a revoke was written moments ago, or a fresh level). */
  higherConsistency: boolean;
}

/** The list calls of OpenFGA, through the configured SDK client's API (one request each; results sorted). */
export class FgaLists {
  constructor(
    private readonly sdk: OpenFgaClient,
    private readonly storeId: string,
    private readonly requestTimeoutMs: number,
  ) {}

  async list(q: ListQuery, r: FgaListRequest): Promise<string[]> {
    if (q.kind === 'objects') {
      const res = await this.sdk.api.listObjects(
        this.storeId,
        {
          user: q.user,
          relation: q.relation,
          type: q.type,
          ...this.common(r),
          ...(r.contextualTuples.length ? { contextual_tuples: { tuple_keys: r.contextualTuples.map(tupleKey) } } : {}),
        },
        { timeout: this.requestTimeoutMs },
      );
      return [...new Set(res.objects)].sort();
    }
    // OpenFGA takes one user filter per request: one request per filter, answers merged.
    const pages = await Promise.all(q.userFilters.map((filter) => this.listUsers(q.object, q.relation, filter, r)));
    return [...new Set(pages.flat())].sort();
  }

  private async listUsers(object: string, relation: string, filter: UserFilter, r: FgaListRequest): Promise<string[]> {
    const colon = object.indexOf(':');
    const res = await this.sdk.api.listUsers(
      this.storeId,
      {
        object: { type: object.slice(0, colon), id: object.slice(colon + 1) },
        relation,
        user_filters: [filter.relation ? { type: filter.type, relation: filter.relation } : { type: filter.type }],
        ...this.common(r),
        ...(r.contextualTuples.length ? { contextual_tuples: r.contextualTuples.map(tupleKey) } : {}),
      },
      { timeout: this.requestTimeoutMs },
    );
    return res.users.map(userString).filter((u): u is string => u !== undefined);
  }

  private common(r: FgaListRequest) {
    return {
      ...(r.modelId ? { authorization_model_id: r.modelId } : {}),
      ...(r.context ? { context: r.context } : {}),
      consistency: r.higherConsistency ? ConsistencyPreference.HigherConsistency : ConsistencyPreference.MinimizeLatency,
    };
  }
}

function tupleKey(t: ListContextualTuple): TupleKey {
  return {
    user: t.user,
    relation: t.relation,
    object: t.object,
    ...(t.condition ? { condition: { name: t.condition.name, ...(t.condition.context ? { context: t.condition.context } : {}) } } : {}),
  };
}

/** `type:id`, `type:id#relation` or `type:*`. */
function userString(u: User): string | undefined {
  if (u.object) return `${u.object.type}:${u.object.id}`;
  if (u.userset) return `${u.userset.type}:${u.userset.id}#${u.userset.relation}`;
  if (u.wildcard) return `${u.wildcard.type}:*`;
  return undefined;
}
