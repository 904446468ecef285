/**
 * P11: listObjects with 50 relevant pending grants (read from the
 * outstanding-op index in one script call; plain grants to the listed user,
 * so the module adds their objects to OpenFGA's answer instead of sending
 * them as contextual tuples) against @openfga/sdk listObjects on a second
 * store holding the same tuples already written (the target), and against
 * the SDK sending the same 50 as contextual tuples (what the module sent
 * before, and still sends for grants through groups or parent links). Both
 * stores also hold the same 200 written tuples (documents of other users,
 * group memberships, a folder tree).
 */
import type { Benchmark } from './support/benchmark';
import { latency } from './support/format';
import { summarize } from './support/percentiles';
import { atMost } from './support/result';
import { interleave } from './support/sampler';

const PENDING = 50;

export const p11: Benchmark = {
  id: 'P11',
  title: 'listObjects with pending grants',
  async run(ctx) {
    const [buffered, written] = await Promise.all([ctx.newStore('p11-buffered'), ctx.newStore('p11-written')]);
    const user = 'user:p11';
    const background = [
      ...Array.from({ length: 100 }, (_, i) => ({ user: `user:o${i}`, relation: 'viewer', object: `document:bg${i}` })),
      ...Array.from({ length: 50 }, (_, i) => ({ user: `user:o${i}`, relation: 'member', object: `group:g${i % 5}` })),
      ...Array.from({ length: 50 }, (_, i) => ({ user: 'folder:tree', relation: 'parent', object: `document:t${i}` })),
    ];
    const mine = Array.from({ length: PENDING }, (_, i) => ({ user, relation: 'viewer', object: `document:mine${i}` }));
    const { service, core } = ctx.openService(buffered);
    await core.model.start(); // the relation graph read: the scoped path, not the store-wide fallback
    await service.grantMany(background);
    await service.flush();
    await service.grantMany(mine);
    const sdk = ctx.sdk();
    const all = [...background, ...mine];
    for (let i = 0; i < all.length; i += 100) {
      await sdk.write(written.storeId, { writes: { tuple_keys: all.slice(i, i + 100) }, authorization_model_id: written.modelId });
    }
    const body = { user, relation: 'viewer', type: 'document', authorization_model_id: written.modelId };
    const listed = await service.listObjects(user, 'viewer', 'document');
    const raw = (await sdk.listObjects(written.storeId, body)).objects;
    if (listed.length !== PENDING || raw.length !== PENDING)
      throw new Error(`setup: listed ${listed.length} and ${raw.length}, expected ${PENDING}`);
    if ((await service.status()).pending.total !== PENDING) throw new Error('setup: the pending grants were written');

    // OpenFGA's own cost of contextual tuples: the grants sent along, on the store where they are still pending.
    const contextual = { ...body, authorization_model_id: buffered.modelId, contextual_tuples: { tuple_keys: mine } };
    const plan = ctx.quick ? { rounds: 20, per: 10 } : { rounds: 60, per: 20 };
    const samples = await interleave(
      [
        { name: 'list', perRound: plan.per, warmup: 30, run: () => service.listObjects(user, 'viewer', 'document') },
        { name: 'sdk', perRound: plan.per, warmup: 30, run: () => sdk.listObjects(written.storeId, body) },
        { name: 'contextual', perRound: plan.per, warmup: 30, run: () => sdk.listObjects(buffered.storeId, contextual) },
      ],
      { rounds: plan.rounds, budgetMs: ctx.quick ? 15_000 : 60_000 },
    );
    const list = summarize(samples.get('list')!);
    const direct = summarize(samples.get('sdk')!);
    const withContextual = summarize(samples.get('contextual')!);
    const ratio = list.p50 / direct.p50;
    // OpenFGA's own cost of contextual tuples, and the module's overhead over the request it sends.
    const openFgaShare = withContextual.p50 / direct.p50;
    const overhead = list.p50 / withContextual.p50;
    return {
      summary:
        `listObjects with ${PENDING} pending grants ${latency(list)}; SDK listObjects, same tuples written ${latency(direct)}; ` +
        `SDK with the same ${PENDING} as contextual tuples ${latency(withContextual)} (OpenFGA's own ${openFgaShare.toFixed(2)}×)`,
      checks: [atMost('of SDK listObjects at p50', ratio, 1.2), atMost('of SDK with the same contextual tuples at p50', overhead, 1.2)],
      figures: {
        listUs: list,
        sdkListUs: direct,
        sdkContextualUs: withContextual,
        ratioP50: ratio,
        openFgaShareP50: openFgaShare,
        overheadP50: overhead,
        pending: PENDING,
      },
    };
  },
};
