import { ConsistencyTokens, InvalidConsistencyTokenError } from '../../src/consistency/consistency-token';

describe('ConsistencyTokens', () => {
  const tokens = new ConsistencyTokens('openfga', '01HVMMBCMGZNT3SED4Z17ECXCA');

  it('round-trips a buffer position through an opaque token', () => {
    for (const seq of [0, 1, 42, 2 ** 40]) expect(tokens.decode(tokens.encode(seq))).toBe(seq);
  });

  it.each([undefined, '', 'v1', 'v2.1.abcdefghij', 'v1..abcdefghij', 'v1.1.short', 'v1.ZZ.abcdefghij', 42])(
    'rejects malformed %p',
    (bad) => {
      expect(() => tokens.decode(bad)).toThrow(InvalidConsistencyTokenError);
    },
  );

  it('rejects a token of another store or prefix', () => {
    const other = new ConsistencyTokens('other', '01HVMMBCMGZNT3SED4Z17ECXCA').encode(5);
    expect(() => tokens.decode(other)).toThrow(/another store or prefix/);
  });
});
