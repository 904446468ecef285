/** Reads OpenFGA's own state, to assert what really landed there. */
import type { Tuple } from '../../../src';
import { serverEnv } from '../harness/env';
import { sdkClient } from '../harness/sdk';

export async function readAllTuples(storeId: string): Promise<Tuple[]> {
  const client = sdkClient({ apiUrl: serverEnv().apiUrl, storeId });
  const out: Tuple[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await client.read({}, { pageSize: 100, continuationToken });
    for (const t of page.tuples) out.push({ user: t.key.user, relation: t.key.relation, object: t.key.object });
    continuationToken = page.continuation_token || undefined;
  } while (continuationToken);
  return out;
}

export async function directCheck(storeId: string, t: Tuple): Promise<boolean> {
  const client = sdkClient({ apiUrl: serverEnv().apiUrl, storeId });
  const res = await client.check(t, { consistency: 'HIGHER_CONSISTENCY' as never });
  return res.allowed === true;
}

export const tupleId = (t: Tuple) => `${t.user} ${t.relation} ${t.object}`;
