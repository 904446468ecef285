/**
 * Concurrent enqueues share one script call: a lone chunk goes at once, the
 * ones arriving meanwhile go together next; a group takes only chunks of
 * the same model, on tuples not already in it, up to maxOps; every caller
 * gets its group's result or error.
 */
import { CoalescedEnqueue, EnqueueChunk } from '../../src/buffer/coalesced-enqueue';
import type { TupleOperation } from '../../src/tuple/tuple';

const op = (kind: 'grant' | 'revoke', n: string): [string, TupleOperation] => [
  `user:${n} viewer document:1`,
  { kind, user: `user:${n}`, relation: 'viewer', object: 'document:1' },
];

function harness(maxOps = 100) {
  const sent: { keys: string[]; modelId: string }[] = [];
  const pending: { resolve(): void; reject(err: unknown): void }[] = [];
  const coalesced = new CoalescedEnqueue(
    (chunk: EnqueueChunk, modelId: string) =>
      new Promise((resolve, reject) => {
        sent.push({ keys: chunk.map(([k, o]) => `${o.kind} ${k}`), modelId });
        const seq = sent.length * 10;
        pending.push({ resolve: () => resolve({ seq, queued: seq }), reject });
      }),
    maxOps,
  );
  /** Answers the call in flight; the next group goes out. */
  const answer = async () => {
    pending.shift()!.resolve();
    await new Promise((r) => setImmediate(r));
  };
  return { coalesced, sent, pending, answer };
}

describe('CoalescedEnqueue', () => {
  it('sends a lone chunk at once and the ones that arrive meanwhile together', async () => {
    const { coalesced, sent, answer } = harness();
    const first = coalesced.enqueue([op('grant', 'a')], '');
    expect(sent).toHaveLength(1);
    const rest = [coalesced.enqueue([op('grant', 'b')], ''), coalesced.enqueue([op('grant', 'c'), op('grant', 'd')], '')];
    expect(sent).toHaveLength(1);
    await answer();
    expect(await first).toEqual({ seq: 10, queued: 10 });
    expect(sent[1].keys).toEqual(['grant user:b viewer document:1', 'grant user:c viewer document:1', 'grant user:d viewer document:1']);
    await answer();
    expect(await Promise.all(rest)).toEqual([
      { seq: 20, queued: 20 },
      { seq: 20, queued: 20 },
    ]);
  });

  it('keeps the callers order for one tuple: a later op on it waits for the next group', async () => {
    const { coalesced, sent, answer } = harness();
    void coalesced.enqueue([op('grant', 'x')], '');
    void coalesced.enqueue([op('grant', 'a')], '');
    void coalesced.enqueue([op('revoke', 'a')], ''); // same tuple as the one before: next group
    void coalesced.enqueue([op('grant', 'b')], ''); // joins the last group, after the revoke
    await answer();
    await answer();
    await answer();
    expect(sent.map((s) => s.keys)).toEqual([
      ['grant user:x viewer document:1'],
      ['grant user:a viewer document:1'],
      ['revoke user:a viewer document:1', 'grant user:b viewer document:1'],
    ]);
  });

  it('groups only one model and at most maxOps ops', async () => {
    const { coalesced, sent, answer } = harness(2);
    void coalesced.enqueue([op('grant', 'x')], '');
    void coalesced.enqueue([op('grant', 'a')], 'M1');
    void coalesced.enqueue([op('grant', 'b')], 'M2');
    void coalesced.enqueue([op('grant', 'c')], 'M2');
    void coalesced.enqueue([op('grant', 'd')], 'M2');
    for (let i = 0; i < 4; i++) await answer();
    expect(sent.map((s) => [s.modelId, s.keys.length])).toEqual([
      ['', 1],
      ['M1', 1],
      ['M2', 2],
      ['M2', 1],
    ]);
  });

  it('fails every caller of a failed group, and goes on with the next', async () => {
    const { coalesced, pending, answer } = harness();
    const first = coalesced.enqueue([op('grant', 'x')], '');
    const group = [coalesced.enqueue([op('grant', 'a')], ''), coalesced.enqueue([op('grant', 'b')], '')];
    await answer();
    await first;
    pending.shift()!.reject(new Error('OOM'));
    await expect(group[0]).rejects.toThrow('OOM');
    await expect(group[1]).rejects.toThrow('OOM');
    const after = coalesced.enqueue([op('grant', 'c')], '');
    await answer();
    await expect(after).resolves.toEqual({ seq: 30, queued: 30 });
  });
});
