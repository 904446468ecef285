/**
 * Malformed request-time contexts, contextual tuples and batchCheck items
 * (issue 14), each with the field the error must name. Fields are relative:
 * contexts to the option (`options.context`), tuples to the list
 * (`options.contextualTuples`), items to the batch (`checks`).
 */
import { BAD_OBJECTS, BAD_RELATIONS, BAD_USERS } from './malformed-inputs';

const ANNE = { user: 'user:anne', relation: 'viewer', object: 'document:1' };
class Session {
  ip = '10.0.0.1';
}
const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;
cyclic.a = 1;
let deep: Record<string, unknown> = { leaf: 1 };
for (let i = 0; i < 30; i++) deep = { d: deep };

/** [context, the field named, relative to the option: '' is the option itself]. */
export const BAD_CONTEXTS: [unknown, string][] = [
  ['ip=10.0.0.1', ''],
  [42, ''],
  [true, ''],
  [null, ''],
  [[], ''],
  [[{ ip: '10.0.0.1' }], ''],
  [new Session(), ''],
  [new Map([['ip', '10.0.0.1']]), ''],
  [new Date(0), ''],
  [() => ({}), ''],
  [{ at: new Date(0) }, '.at'],
  [{ n: Number.NaN }, '.n'],
  [{ n: Infinity }, '.n'],
  [{ n: -Infinity }, '.n'],
  [{ big: 10n }, '.big'],
  [{ u: undefined }, '.u'],
  [{ s: Symbol('s') }, '.s'],
  [{ f: () => 1 }, '.f'],
  [{ list: [1, 2, undefined] }, '.list[2]'],
  [{ list: [1, [Number.NaN]] }, '.list[1][0]'],
  [{ nested: { session: new Session() } }, '.nested.session'],
  [{ re: /x/ }, '.re'],
  [{ buf: Buffer.from('x') }, '.buf'],
  [{ set: new Set([1]) }, '.set'],
  [{ text: 'x'.repeat(40_000) }, ''],
  [{ many: Array.from({ length: 10_000 }, (_, i) => i) }, ''],
];
// Nesting past the bound (and a cycle, which never ends) names the deepest path reached.
BAD_CONTEXTS.push(
  [deep, '.d.d.d.d.d.d.d.d.d.d.d.d.d.d.d.d.d'],
  [cyclic, '.self.self.self.self.self.self.self.self.self.self.self.self.self.self.self.self.self'],
);

/** [contextualTuples, the field named, relative to the option]. */
export const BAD_CONTEXTUAL_TUPLES: [unknown, string][] = [
  [ANNE, ''],
  ['user:anne viewer document:1', ''],
  [{ 0: ANNE, length: 1 }, ''],
  [null, ''],
  [[null], '[0]'],
  [['user:anne'], '[0]'],
  [[[ANNE]], '[0]'],
  [[ANNE, { ...ANNE, extra: 1 }], '[1].extra'],
  [[{ ...ANNE, condition: 'c' }], '[0].condition'],
  [[{ ...ANNE, condition: null }], '[0].condition'],
  [[{ ...ANNE, condition: {} }], '[0].condition.name'],
  [[{ ...ANNE, condition: { name: '' } }], '[0].condition.name'],
  [[{ ...ANNE, condition: { name: 'in office' } }], '[0].condition.name'],
  [[{ ...ANNE, condition: { name: 'c:1' } }], '[0].condition.name'],
  [[{ ...ANNE, condition: { name: 'c'.repeat(51) } }], '[0].condition.name'],
  [[{ ...ANNE, condition: { name: 7 } }], '[0].condition.name'],
  [[{ ...ANNE, condition: { name: 'c', ctx: {} } }], '[0].condition.ctx'],
  [[{ ...ANNE, condition: { name: 'c', context: 'x' } }], '[0].condition.context'],
  [[{ ...ANNE, condition: { name: 'c', context: { at: new Date(0) } } }], '[0].condition.context.at'],
  [[ANNE, ANNE], '[1]'],
  [Array.from({ length: 101 }, (_, i) => ({ ...ANNE, user: `user:u${i}` })), ''],
];
for (const [field, values] of [
  ['user', BAD_USERS],
  ['relation', BAD_RELATIONS],
  ['object', BAD_OBJECTS],
] as const) {
  for (const value of values) BAD_CONTEXTUAL_TUPLES.push([[ANNE, { ...ANNE, user: 'user:bob', [field]: value }], `[1].${field}`]);
}

/** [checks, the field named]: a whole batchCheck call that must be rejected before anything is asked. */
export const BAD_BATCH_CHECKS: [unknown, string][] = [
  [ANNE, 'checks'],
  ['checks', 'checks'],
  [null, 'checks'],
  [{ length: 1, 0: ANNE }, 'checks'],
  [[ANNE, null], 'checks[1]'],
  [[ANNE, 'user:anne viewer document:1'], 'checks[1]'],
  [[ANNE, [ANNE]], 'checks[1]'],
  [[ANNE, { ...ANNE, extra: 1 }], 'checks[1].extra'],
  [[ANNE, { ...ANNE, consistency: 'strong' }], 'checks[1].consistency'],
  [[ANNE, { ...ANNE, correlationId: 1 }], 'checks[1].correlationId'],
  [[ANNE, { ...ANNE, correlationId: '' }], 'checks[1].correlationId'],
  [[ANNE, { ...ANNE, correlationId: 'x'.repeat(257) }], 'checks[1].correlationId'],
  [
    [
      { ...ANNE, correlationId: 'same' },
      { ...ANNE, correlationId: 'same' },
    ],
    'checks[1].correlationId',
  ],
  [Array.from({ length: 1001 }, () => ANNE), 'checks'],
];
for (const [value, field] of BAD_CONTEXTS) BAD_BATCH_CHECKS.push([[ANNE, { ...ANNE, context: value }], `checks[1].context${field}`]);
for (const [value, field] of BAD_CONTEXTUAL_TUPLES) {
  BAD_BATCH_CHECKS.push([[ANNE, { ...ANNE, contextualTuples: value }], `checks[1].contextualTuples${field}`]);
}
for (const [field, values] of [
  ['user', BAD_USERS],
  ['relation', BAD_RELATIONS],
  ['object', BAD_OBJECTS],
] as const) {
  for (const value of values) BAD_BATCH_CHECKS.push([[ANNE, { ...ANNE, [field]: value }], `checks[1].${field}`]);
}
