import type { FgaClient } from '../client/fga-client';
import type { ListContextualTuple } from './list-options';
import type { ListQuery } from './list-query';

export interface FgaListRequest {
  modelId?: string;
  /** The caller's contextual tuples and the pending grants, at most 100 together. */
  contextualTuples: readonly ListContextualTuple[];
  context?: Record<string, unknown>;
  /** Ask OpenFGA to skip its own caches (a revoke was written moments ago, or a fresh level). */
  higherConsistency: boolean;
}

/** A list query as OpenFGA requests (each reported as a `request` event): one, or one per user filter; results sorted, without duplicates. */
export class FgaLists {
  constructor(private readonly client: FgaClient) {}

  async list(q: ListQuery, r: FgaListRequest): Promise<string[]> {
    if (q.kind === 'objects') return sorted(await this.client.listObjects(q.user, q.relation, q.type, r));
    // OpenFGA takes one user filter per request: one request per filter, answers merged.
    const pages = await Promise.all(q.userFilters.map((filter) => this.client.listUsers(q.object, q.relation, filter, r)));
    return sorted(pages.flat());
  }
}

function sorted(items: readonly string[]): string[] {
  return [...new Set(items)].sort();
}
