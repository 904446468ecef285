/** Conditions without a server: their validation, what the relation graph says of them, and the model checks. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformer } from '@openfga/syntax-transformer';
import { InvalidTupleError, MAX_CONDITION_CONTEXT_BYTES } from '../../src';
import { AuthorizationModelDocument, RelationGraph } from '../../src/model';
import { checkConditionsInModel } from '../../src/model/conditions-in-model';
import { validateCondition } from '../../src/tuple/validate-condition';
import { validateOperations, validateTuple } from '../../src/tuple/validate-tuple';
import type { TupleOperation } from '../../src/tuple/tuple';
import { BAD_CONDITIONS } from '../support/inputs/malformed-conditions';

const graph = RelationGraph.compile({
  id: 'm',
  ...(transformer.transformDSLToJSONObject(readFileSync(join(__dirname, '..', 'fixtures', 'temporal-access.fga'), 'utf8')) as Omit<
    AuthorizationModelDocument,
    'id'
  >),
});

function rejection(call: () => unknown): InvalidTupleError {
  try {
    call();
  } catch (err) {
    if (err instanceof InvalidTupleError) return err;
    throw err;
  }
  throw new Error('accepted');
}

const grant = (condition: TupleOperation['condition'], user = 'user:anne', relation = 'viewer'): TupleOperation[] => [
  { kind: 'grant', user, relation, object: 'document:1', ...(condition ? { condition } : {}) },
];

describe('validateCondition', () => {
  it('returns a plain copy; an empty context is no context', () => {
    const context = { region: 'eu', allowed: ['eu', 'fr'], nested: { n: 1.5, ok: true, none: null } };
    const copy = validateCondition({ name: 'in_region', context });
    expect(copy).toEqual({ name: 'in_region', context });
    expect(copy.context).not.toBe(context);
    expect(validateCondition({ name: 'in_region', context: {} })).toEqual({ name: 'in_region' });
    expect(validateCondition(Object.assign(Object.create(null) as object, { name: 'x' }))).toEqual({ name: 'x' });
  });

  it('keeps a "__proto__" key as a parameter of the copy (as JSON.parse makes it), never as its prototype', () => {
    const context = JSON.parse('{"__proto__": {"grant_duration": "87600h"}, "region": "eu"}') as Record<string, unknown>;
    const copy = validateCondition({ name: 'in_region', context });
    expect(Object.keys(copy.context ?? {})).toEqual(['__proto__', 'region']);
    expect(Object.getPrototypeOf(copy.context)).toBe(Object.prototype);
    expect(JSON.stringify(copy.context)).toBe('{"__proto__":{"grant_duration":"87600h"},"region":"eu"}');
    const only = validateCondition({ name: 'c', context: JSON.parse('{"__proto__": {"a": 1}}') as object });
    expect(only).toEqual({ name: 'c', context: JSON.parse('{"__proto__": {"a": 1}}') as object });
    expect(Object.keys(only.context ?? {})).toEqual(['__proto__']);
  });

  it('bounds the serialized context at MAX_CONDITION_CONTEXT_BYTES (UTF-8 bytes)', () => {
    const fits = 'x'.repeat(MAX_CONDITION_CONTEXT_BYTES - '{"v":""}'.length);
    expect(validateCondition({ name: 'c', context: { v: fits } }).context).toEqual({ v: fits });
    expect(rejection(() => validateCondition({ name: 'c', context: { v: `${fits}é` } })).field).toBe('condition.context');
  });

  it.each(BAD_CONDITIONS.filter((c) => !c.needsModel).map((c) => [c.field, c]))('refuses a malformed condition at %s', (field, c) => {
    expect(rejection(() => validateCondition(c.condition)).field).toBe(field);
  });
});

describe('validateTuple and validateOperations', () => {
  it('take a condition on grants only, naming the field with the batch index', () => {
    expect(
      validateTuple({ user: 'user:a', relation: 'viewer', object: 'document:1', condition: { name: 'c' } }, '', true).condition,
    ).toEqual({
      name: 'c',
    });
    expect(
      rejection(() => validateTuple({ user: 'user:a', relation: 'viewer', object: 'document:1', condition: { name: 'c' } })).field,
    ).toBe('condition');
    const ok = { user: 'user:a', relation: 'viewer', object: 'document:1' };
    expect(validateOperations('grant', [ok, { ...ok, condition: { name: 'c', context: { a: 1 } } }])[1].condition).toEqual({
      name: 'c',
      context: { a: 1 },
    });
    expect(rejection(() => validateOperations('revoke', [ok, { ...ok, condition: { name: 'c' } }])).field).toBe('tuples[1].condition');
    expect(rejection(() => validateOperations('grant', [ok, ok, { ...ok, condition: { name: '' } }])).field).toBe(
      'tuples[2].condition.name',
    );
    expect(validateOperations('grant', [{ ...ok, condition: undefined }])[0]).not.toHaveProperty('condition');
  });
});

describe('conditions in the relation graph', () => {
  it('marks relations that read conditional tuples, directly or through a userset', () => {
    expect(graph.dependencies('document', 'viewer')?.conditional).toBe(true);
    expect(graph.dependencies('group', 'member')?.conditional).toBe(true);
    expect(graph.dependencies('document', 'editor')?.conditional).toBe(false);
    expect(graph.dependencies('document', 'owner')?.conditional).toBe(false);
    expect(graph.condition('non_expired_grant')?.parameters).toEqual(
      new Map([
        ['current_time', 'TYPE_NAME_TIMESTAMP'],
        ['grant_time', 'TYPE_NAME_TIMESTAMP'],
        ['grant_duration', 'TYPE_NAME_DURATION'],
      ]),
    );
  });

  it('accepts a declared condition the relation takes for the user type, with declared parameters of their type', () => {
    expect(() =>
      checkConditionsInModel(grant({ name: 'in_region', context: { region: 'eu', allowed: ['eu'] } }), graph, () => ''),
    ).not.toThrow();
    expect(() => checkConditionsInModel(grant({ name: 'non_expired_grant' }), graph, () => '')).not.toThrow();
    // A relation the model lacks is left to OpenFGA, as for unconditional grants.
    expect(() => checkConditionsInModel(grant({ name: 'in_region' }, 'user:a', 'nope'), graph, () => '')).not.toThrow();
  });

  it.each([
    [{ name: 'undeclared' }, 'user:anne', 'viewer', 'tuples[3].condition.name'],
    [{ name: 'in_region', context: { zone: 'eu' } }, 'user:anne', 'viewer', 'tuples[3].condition.context.zone'],
    [{ name: 'in_region', context: { region: 5 } }, 'user:anne', 'viewer', 'tuples[3].condition.context.region'],
    [{ name: 'non_expired_grant', context: { grant_time: 1 } }, 'user:anne', 'viewer', 'tuples[3].condition.context.grant_time'],
    [{ name: 'in_region' }, 'user:anne', 'editor', 'tuples[3].condition'],
    [{ name: 'in_region' }, 'user:*', 'viewer', 'tuples[3].condition'],
    [{ name: 'in_region' }, 'group:g#member', 'viewer', 'tuples[3].condition'],
  ])('refuses %p for %s on %s at %s', (condition, user, relation, field) => {
    expect(rejection(() => checkConditionsInModel(grant(condition, user, relation), graph, () => 'tuples[3].')).field).toBe(field);
  });
});

describe('context values as OpenFGA converts them', () => {
  it.each([
    [{ name: 'in_region', context: { region: 'eu', allowed: ['eu', 3] } }, 'tuples[3].condition.context.allowed'],
    [{ name: 'non_expired_grant', context: { grant_time: 'yesterday' } }, 'tuples[3].condition.context.grant_time'],
  ])('refuses %p, which OpenFGA refuses on write, at %s', (condition, field) => {
    expect(rejection(() => checkConditionsInModel(grant(condition), graph, () => 'tuples[3].')).field).toBe(field);
  });
});
