/** `@Grant`'s `condition` option is declared with the requirement; `@Revoke` refuses one (a revoke deletes whatever condition the tuple has). */
import 'reflect-metadata';
import { Grant, Revoke } from '../../../src';
import { RECORDS_METADATA } from '../../../src/http/openfga-http.constants';
import type { TupleRecordRequirement } from '../../../src/http/requirements';

describe('@Grant condition', () => {
  it('is kept with the requirement, fixed or as a function of the request and the result', () => {
    const fixed = { name: 'non_expired_grant', context: { grant_duration: '60s' } };
    const computed = (_req: unknown, result: { seconds: number }) => ({
      name: 'non_expired_grant',
      context: { grant_duration: `${result.seconds}s` },
    });
    class Shares {
      @Grant('viewer', 'document:{params.id}', { condition: fixed })
      fixed(): void {}
      @Grant<{ seconds: number }>('viewer', 'document:{params.id}', { condition: computed })
      computed(): { seconds: number } {
        return { seconds: 5 };
      }
    }
    const [a] = Reflect.getMetadata(RECORDS_METADATA, Shares.prototype.fixed) as TupleRecordRequirement[];
    const [b] = Reflect.getMetadata(RECORDS_METADATA, Shares.prototype.computed) as TupleRecordRequirement[];
    expect(a.condition).toEqual(fixed);
    expect(b.condition).toBe(computed);
  });

  it('is refused on @Revoke when the decorator is declared (JavaScript callers bypass the types)', () => {
    const options = { condition: { name: 'c' } } as unknown as Parameters<typeof Revoke>[2];
    expect(() => Revoke('viewer', 'document:{params.id}', options)).toThrow(/@Revoke takes no condition/);
  });
});
