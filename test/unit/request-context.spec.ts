import type { Tuple } from '../../src/tuple/tuple';
import type { ReadSnapshot } from '../../src/buffer/outstanding-ops';
import { ReadEngine, type ReadEngineParts } from '../../src/read/read-engine';
import { validateBatchCheck } from '../../src/check/batch-check-items';
import { validateCheckOptions } from '../../src/check/check-options';
import { MAX_CONTEXT_CHARS, NO_EXTRAS, requestExtras, validateContext, validateContextualTuples } from '../../src/check/request-context';
import { InvalidCheckOptionsError, InvalidTupleError } from '../../src';

const ANNE = { user: 'user:anne', relation: 'viewer', object: 'document:1' };
const BOB = { user: 'user:bob', relation: 'viewer', object: 'document:1' };
const fieldOf = (call: () => unknown) => {
  try {
    call();
  } catch (err) {
    return (err as { field?: string }).field;
  }
  return undefined;
};

describe('request context and caller contextual tuples', () => {
  it('copies a plain JSON context, keeping a "__proto__" key as data', () => {
    const input = JSON.parse('{"ip":"10.0.0.1","n":1.5,"ok":true,"none":null,"tags":["a",{"b":2}],"__proto__":{"polluted":1}}') as Record<
      string,
      unknown
    >;
    const copy = validateContext(input, 'options.context');
    expect(copy).toEqual(input);
    expect(copy).not.toBe(input);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names the offending path of a context that is not plain JSON', () => {
    class Thing {}
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 20; i++) at = (at.x = {}) as Record<string, unknown>;
    const cases: [unknown, string][] = [
      ['x', 'options.context'],
      [null, 'options.context'],
      [[1], 'options.context'],
      [new Thing(), 'options.context'],
      [{ a: new Thing() }, 'options.context.a'],
      [{ a: [1, Infinity] }, 'options.context.a[1]'],
      [{ a: 1n }, 'options.context.a'],
      [{ a: undefined }, 'options.context.a'],
      [{ a: Symbol('s') }, 'options.context.a'],
      [deep, 'options.context.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x'],
      [{ big: 'x'.repeat(MAX_CONTEXT_CHARS) }, 'options.context'],
    ];
    for (const [value, field] of cases) expect([field, fieldOf(() => validateContext(value, 'options.context'))]).toEqual([field, field]);
  });

  it('validates contextual tuples like tuples, with an optional condition, no duplicates and at most 100', () => {
    expect(validateContextualTuples([ANNE, { ...BOB, condition: { name: 'same_region', context: { home: 'eu' } } }], 'f')).toEqual([
      ANNE,
      { ...BOB, condition: { name: 'same_region', context: { home: 'eu' } } },
    ]);
    expect(() => validateContextualTuples([ANNE, { ...ANNE, object: 'doc' }], 'options.contextualTuples')).toThrow(InvalidTupleError);
    const cases: [unknown, string][] = [
      [ANNE, 'ct'],
      [[ANNE, 'x'], 'ct[1]'],
      [[{ ...ANNE, user: 'anne' }], 'ct[0].user'],
      [[{ ...ANNE, relation: 'a b' }], 'ct[0].relation'],
      [[{ ...ANNE, extra: 1 }], 'ct[0].extra'],
      [[{ ...ANNE, condition: 'c' }], 'ct[0].condition'],
      [[{ ...ANNE, condition: { name: '' } }], 'ct[0].condition.name'],
      [[{ ...ANNE, condition: { name: 'c', when: 1 } }], 'ct[0].condition.when'],
      [[{ ...ANNE, condition: { name: 'c', context: { d: new Date() } } }], 'ct[0].condition.context.d'],
      [[ANNE, BOB, ANNE], 'ct[2]'],
      [Array.from({ length: 101 }, (_, i) => ({ ...ANNE, user: `user:u${i}` })), 'ct'],
    ];
    for (const [value, field] of cases) expect([field, fieldOf(() => validateContextualTuples(value, 'ct'))]).toEqual([field, field]);
  });

  it('check options: copies what it knows, refuses what it does not', () => {
    expect(validateCheckOptions({ consistency: 'strong', context: { a: 1 }, contextualTuples: [ANNE] })).toEqual({
      consistency: 'strong',
      context: { a: 1 },
      contextualTuples: [ANNE],
    });
    expect(() => validateCheckOptions({ contextTuples: [] })).toThrow(InvalidCheckOptionsError);
  });

  it('extras: none for an empty context and no tuples; the same question gives the same key, another question another', () => {
    expect(requestExtras({}, [])).toBe(NO_EXTRAS);
    expect(requestExtras(undefined, undefined)).toBe(NO_EXTRAS);
    const a = requestExtras({ region: 'eu' }, undefined);
    expect(a.key).toBe(requestExtras({ region: 'eu' }, []).key);
    expect(a.key).not.toBe(requestExtras({ region: 'us' }, []).key);
    expect(requestExtras(undefined, [ANNE]).key).not.toBe(requestExtras(undefined, [{ ...ANNE, condition: { name: 'c' } }]).key);
    expect(a.key).not.toBe('');
  });

  it('sends a caller tuple repeating a pending grant once, the pending grant first', () => {
    const engine = new ReadEngine({ options: { checkTimeout: 1 } } as unknown as ReadEngineParts);
    const pending = (t: Tuple) => ({ kind: 'grant' as const, key: `${t.user} ${t.relation} ${t.object}`, tuple: t, seq: 1 });
    const snapshot = { ops: [pending(ANNE)] } as unknown as ReadSnapshot;
    expect(engine.contextualTuples(snapshot, requestExtras(undefined, [ANNE, BOB]).tuples)).toEqual([ANNE, BOB]);
    expect(engine.contextualTuples(snapshot, NO_EXTRAS.tuples)).toEqual([ANNE]);
  });

  it('batch input: items copied with their extras; every bad field named checks[i].field', () => {
    const { items, options } = validateBatchCheck([ANNE, { ...BOB, context: { a: 1 }, correlationId: 'x' }], { consistency: 'strong' });
    expect(options).toEqual({ consistency: 'strong' });
    expect(items.map((i) => i.item)).toEqual([ANNE, { ...BOB, context: { a: 1 }, correlationId: 'x' }]);
    expect(items[0].extras).toBe(NO_EXTRAS);
    expect(items[1].extras.key).not.toBe('');
    const cases: [unknown, unknown, string][] = [
      [{}, undefined, 'checks'],
      [[1], undefined, 'checks[0]'],
      [[ANNE, { ...BOB, object: '' }], undefined, 'checks[1].object'],
      [[{ ...ANNE, contextualTuples: [{ ...BOB, user: 'u' }] }], undefined, 'checks[0].contextualTuples[0].user'],
      [[{ ...ANNE, correlationId: '' }], undefined, 'checks[0].correlationId'],
      [[ANNE], { contextualTuples: [] }, 'options.contextualTuples'],
      [[ANNE], [], 'options'],
    ];
    for (const [checks, opts, field] of cases) expect([field, fieldOf(() => validateBatchCheck(checks, opts))]).toEqual([field, field]);
  });
});
