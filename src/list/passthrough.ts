import type { ExpandResponse, OpenFgaClient } from '@openfga/sdk';
import { InvalidTupleError } from '../tuple/invalid-tuple.error';
import { validateObject, validateRelation, validateUser } from '../tuple/validate-tuple';
import type { ListContextualTuple } from './list-options';
import { validateType } from './list-query';

/** Which stored tuples `read` returns: any field may be left out; `object` may be a bare type (`document:`). */
export interface ReadFilter {
  user?: string;
  relation?: string;
  object?: string;
}

export interface ReadOptions {
  /** OpenFGA's page size (1-100; its default 50). */
  pageSize?: number;
  /** From the previous page. */
  continuationToken?: string;
}

/** A stored tuple as OpenFGA returns it, with when it was written. */
export interface StoredTuple extends ListContextualTuple {
  timestamp: string;
}

export interface ReadPage {
  tuples: StoredTuple[];
  /** Absent on the last page. */
  continuationToken?: string;
}

const FILTER_FIELDS = new Set(['user', 'relation', 'object']);

/** Validates a read filter, naming the bad field; nothing is sent when one is malformed. */
export function validateReadFilter(filter: unknown): ReadFilter {
  if (filter === undefined) return {};
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw new InvalidTupleError('filter', filter, 'an object { user?, relation?, object? }');
  }
  const f = filter as Record<string, unknown>;
  for (const key of Object.keys(f))
    if (!FILTER_FIELDS.has(key))
      throw new InvalidTupleError(`filter.${key}`, f[key], 'absent: a read filter has only user, relation and object');
  const out: ReadFilter = {};
  if (f.user !== undefined) out.user = validateUser(f.user, 'filter.user');
  if (f.relation !== undefined) out.relation = validateRelation(f.relation, 'filter.relation');
  if (f.object !== undefined) {
    const bareType = typeof f.object === 'string' && f.object.endsWith(':') && f.object.indexOf(':') === f.object.length - 1;
    out.object = bareType
      ? `${validateType((f.object as string).slice(0, -1), 'filter.object')}:`
      : validateObject(f.object, 'filter.object');
  }
  // OpenFGA's Read needs an object type whenever the filter names anything, and a user with a bare type;
  // refused here, naming the field, instead of its raw validation error (the testing fake refuses the same).
  const filtered = out.user !== undefined || out.relation !== undefined || out.object !== undefined;
  if (filtered && (out.object === undefined || (out.object.endsWith(':') && out.user === undefined))) {
    throw new InvalidTupleError(
      'filter.object',
      out.object,
      'an object "type:id", or a bare type "type:" with filter.user (OpenFGA reads by object type: a filter naming a user or relation needs one)',
    );
  }
  return out;
}

export function validateReadOptions(options: unknown): ReadOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidTupleError('options', options, 'an object { pageSize?, continuationToken? }');
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (key !== 'pageSize' && key !== 'continuationToken')
      throw new InvalidTupleError(`options.${key}`, o[key], 'absent: read takes only pageSize and continuationToken');
  }
  if (o.pageSize !== undefined && (!Number.isInteger(o.pageSize) || (o.pageSize as number) < 1 || (o.pageSize as number) > 100)) {
    throw new InvalidTupleError('options.pageSize', o.pageSize, 'an integer from 1 to 100');
  }
  if (o.continuationToken !== undefined && typeof o.continuationToken !== 'string') {
    throw new InvalidTupleError('options.continuationToken', o.continuationToken, 'the string a previous page returned');
  }
  return o as ReadOptions;
}

/** One page of OpenFGA's Read on the configured store: stored tuples only, never the buffer. */
export async function readStored(sdk: OpenFgaClient, filter: ReadFilter, options: ReadOptions): Promise<ReadPage> {
  const res = await sdk.read(filter, {
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    ...(options.continuationToken ? { continuationToken: options.continuationToken } : {}),
  });
  return {
    tuples: res.tuples.map(({ key, timestamp }) => ({
      user: key.user,
      relation: key.relation,
      object: key.object,
      ...(key.condition
        ? { condition: { name: key.condition.name, ...(key.condition.context ? { context: { ...key.condition.context } } : {}) } }
        : {}),
      timestamp,
    })),
    ...(res.continuation_token ? { continuationToken: res.continuation_token } : {}),
  };
}

/** OpenFGA's Expand of `relation` on `object` with the configured store and model: stored tuples only. */
export async function expandStored(sdk: OpenFgaClient, relation: string, object: string): Promise<ExpandResponse> {
  const { tree } = await sdk.expand({ relation, object });
  return tree ? { tree } : {};
}
