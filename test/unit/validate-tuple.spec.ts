/** Tuple validation that needs no server: the forms OpenFGA can receive unchanged. */
import { InvalidTupleError } from '../../src';
import { validateObject, validateRelation, validateTuple, validateUser } from '../../src/tuple/validate-tuple';

function rejection(call: () => unknown): InvalidTupleError {
  try {
    call();
  } catch (err) {
    if (err instanceof InvalidTupleError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('lone UTF-16 surrogates', () => {
  // Encoded for the wire, each becomes U+FFFD: 'user:a\ud800' and 'user:a\udc00' would name one tuple.
  it.each([
    ['user', () => validateUser('user:a\ud800'), /^Invalid user "user:a\\ud800": expected "type:id".* in well-formed Unicode/],
    ['user', () => validateUser('group:eng#mem\udc00'), /expected "type:id", "type:id#relation" or "type:\*" in well-formed Unicode/],
    ['object', () => validateObject('document:\udc00x'), /^Invalid object "document:\\udc00x": expected "type:id" in well-formed Unicode/],
    ['object', () => validateObject('doc\ud83d:1'), /expected "type:id" in well-formed Unicode/],
    ['relation', () => validateRelation('view\ude00er'), /^Invalid relation .*: expected a relation name .* in well-formed Unicode/],
    ['tuples[3].user', () => validateTuple({ user: '\ud800:x', relation: 'viewer', object: 'document:1' }, 'tuples[3].'), /expected/],
  ])('rejects one in %s, naming the field and the expected form', (field, call, message) => {
    const err = rejection(call);
    expect(err.field).toBe(field);
    expect(err.message).toMatch(message);
  });

  it('accepts a surrogate pair (an astral character such as an emoji)', () => {
    expect(validateTuple({ user: 'user:\ud83d\ude00', relation: 'viewer', object: 'document:\u{1F4C4}' })).toEqual({
      user: 'user:😀',
      relation: 'viewer',
      object: 'document:📄',
    });
  });
});
