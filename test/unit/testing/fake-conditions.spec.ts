/**
 * The fake's condition evaluator (@bufbuild/cel with OpenFGA's parameter
 * types and ipaddress): what OpenFGA evaluates, and what it fails a check for.
 * The contract (test/contract/cases/condition-samples.contract.ts) holds it
 * to the real server on the sample stores' conditions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformer } from '@openfga/syntax-transformer';
import { conditionHolds, ConditionNotEvaluable } from '../../../src/testing/fake/fake-conditions';
import { durationNanos, rfc3339 } from '../../../src/model/condition-context';
import { inCidr, parseIpAddress } from '../../../src/model/ip-address';
import type { FakeAuthorizationModel, FakeConditionParameterType } from '../../../src/testing';

const MODEL = transformer.transformDSLToJSONObject(
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'temporal-access.fga'), 'utf8'),
) as FakeAuthorizationModel;

const t = (type: string, ...generic: FakeConditionParameterType[]): FakeConditionParameterType => ({
  type_name: `TYPE_NAME_${type.toUpperCase()}`,
  ...(generic.length ? { generic_types: generic } : {}),
});
const holds = (expression: string, parameters: Record<string, FakeConditionParameterType>, context: Record<string, unknown>) =>
  conditionHolds(expression, parameters, context);
const notEvaluable = (expression: string, parameters: Record<string, FakeConditionParameterType>, context: Record<string, unknown>) =>
  expect(() => holds(expression, parameters, context)).toThrow(ConditionNotEvaluable);

describe('conditionHolds', () => {
  const expiring = 'current_time < grant_time + grant_duration';
  const times = { current_time: t('timestamp'), grant_time: t('timestamp'), grant_duration: t('duration') };
  const granted = { grant_time: '2026-01-01T00:00:00Z', grant_duration: '1h30m' };

  it("evaluates a time-limited grant with the tuple's context, then the check's (the tuple's wins)", () => {
    expect(conditionHolds(expiring, times, granted, { current_time: '2026-01-01T01:29:59.999Z' })).toBe(true);
    expect(conditionHolds(expiring, times, granted, { current_time: '2026-01-01T01:30:00Z' })).toBe(false);
    expect(conditionHolds(expiring, times, granted, { current_time: '2026-01-01T00:00:00Z', grant_duration: '0s' })).toBe(true);
    // Keys the condition does not declare are left out, as OpenFGA leaves them.
    expect(conditionHolds(expiring, times, granted, { current_time: '2026-01-01T00:00:00Z', other: 'x' })).toBe(true);
  });

  it('evaluates CEL: operators, functions, macros, maps, lists, conversions, the ternary', () => {
    const p = { s: t('string'), n: t('int'), u: t('uint'), d: t('double'), tags: t('list', t('string')), attrs: t('map', t('int')) };
    const ctx = { s: 'team-web', n: 3, u: 4, d: 0.5, tags: ['a', 'b'], attrs: { level: 2 } };
    for (const expression of [
      's.startsWith("team-") && s.endsWith("web") && s.contains("-") && s.matches("^[a-z]+-[a-z]+$")',
      'size(s) == 8 && s.size() == 8 && size(tags) == 2 && size(attrs) == 1',
      'n * 2 - 1 == 5 && n / 2 == 1 && n % 2 == 1 && -n < 0',
      'u + 1u == 5u && double(u) * d == 2.0 && int(u) > n',
      '"a" in tags && !("c" in tags) && tags[1] == "b" && tags + ["c"] == ["a", "b", "c"]',
      '"level" in attrs && attrs["level"] == 2 && attrs.level >= 2 && has(attrs.level) && !has(attrs.other)',
      'tags.exists(x, x == "a") && tags.all(x, size(x) == 1) && tags.exists_one(x, x == "b") && tags.map(x, x + x) == ["aa", "bb"]',
      '(n > 2 ? "big" : "small") == "big" && string(n) == "3" && int("12") == 12',
      'timestamp("2026-01-01T10:00:00Z").getHours() == 10 && duration("90m") == duration("1h30m")',
    ]) {
      expect([expression, holds(expression, p, ctx)]).toEqual([expression, true]);
    }
  });

  it('reads ipaddress parameters, ipaddress("...") and in_cidr as OpenFGA', () => {
    const p = { ip: t('ipaddress'), cidr: t('string') };
    expect(holds('ip.in_cidr(cidr)', p, { ip: '192.168.0.7', cidr: '192.168.0.0/24' })).toBe(true);
    expect(holds('ip.in_cidr(cidr)', p, { ip: '192.168.1.7', cidr: '192.168.0.0/24' })).toBe(false);
    expect(holds('ip.in_cidr(cidr)', p, { ip: '::ffff:192.168.0.7', cidr: '192.168.0.0/24' })).toBe(true);
    expect(holds('ip.in_cidr(cidr)', p, { ip: '2001:db8::1', cidr: '2001:db8::/32' })).toBe(true);
    expect(holds('ip == ipaddress("2001:DB8:0::1") && ip != ipaddress("2001:db8::2")', p, { ip: '2001:db8::1', cidr: '' })).toBe(true);
    notEvaluable('ip.in_cidr(cidr)', p, { ip: '192.168.0.7', cidr: '192.168.0.0' });
    notEvaluable('ip == ipaddress("localhost")', p, { ip: '192.168.0.7', cidr: '' });
  });

  it('takes `any` as the JSON value: numbers are doubles, objects maps', () => {
    const p = { x: t('any') };
    expect(holds('x.limits.max == 3 && x.names[0] == "a" && x.on', p, { x: { limits: { max: 3 }, names: ['a'], on: true } })).toBe(true);
  });

  it('fails for a missing parameter, even one the expression would not reach (as OpenFGA)', () => {
    expect(() => conditionHolds(expiring, times, granted)).toThrow(/missing context parameters current_time/);
    const p = { a: t('bool'), b: t('bool') };
    expect(() => holds('a || b', p, { a: true })).toThrow(/missing context parameters b/);
  });

  it.each([
    ['a bool', { b: t('bool') }, { b: 'true' }],
    ['a string', { s: t('string') }, { s: 1 }],
    ['an int', { n: t('int') }, { n: 1.5 }],
    ['an int', { n: t('int') }, { n: 'one' }],
    ['a uint', { n: t('uint') }, { n: -1 }],
    ['a double', { n: t('double') }, { n: null }],
    ['a duration', { d: t('duration') }, { d: '1d' }],
    ['a timestamp', { d: t('timestamp') }, { d: '2026-02-30T00:00:00Z' }],
    ['an ipaddress', { d: t('ipaddress') }, { d: '10.0.0.256' }],
    ['a list<int>', { l: t('list', t('int')) }, { l: [1, 'x'] }],
    ['a map<string>', { m: t('map', t('string')) }, { m: ['a'] }],
  ])('fails for a value that is not %s', (_, parameters, context) => {
    const [name] = Object.keys(parameters);
    expect(() => holds(`${name} == ${name}`, parameters, context)).toThrow(new RegExp(`context parameter ${name}: expected`));
  });

  it('reads numeric strings for int, uint and double, digits alone exactly', () => {
    expect(holds('n == 9007199254740993', { n: t('int') }, { n: '9007199254740993' })).toBe(true);
    expect(holds('n == 3u', { n: t('uint') }, { n: '3.0' })).toBe(true);
    expect(holds('n == 1500.0', { n: t('double') }, { n: '1.5e3' })).toBe(true);
    expect(holds('n == 2', { n: t('int') }, { n: 2.0 })).toBe(true);
  });

  it('fails closed on an evaluation error, an expression that does not parse or is not boolean, an unknown type', () => {
    notEvaluable('u - 1u > 0u', { u: t('uint') }, { u: 0 });
    notEvaluable('n / 0 == 1', { n: t('int') }, { n: 1 });
    notEvaluable('m["absent"] == 1', { m: t('map', t('int')) }, { m: {} });
    notEvaluable('n <', { n: t('int') }, { n: 1 });
    notEvaluable('n + 1', { n: t('int') }, { n: 1 });
    notEvaluable('undeclared == 1', {}, {});
    notEvaluable('b == b', { b: t('bytes') }, { b: 'AA==' });
    notEvaluable('l == l', { l: t('list') }, { l: [] });
    // Not CEL's standard library (an extension OpenFGA does not load).
    notEvaluable('s.lowerAscii() == "a"', { s: t('string') }, { s: 'A' });
  });
});

describe('durationNanos (Go time.ParseDuration)', () => {
  it.each([
    ['0', 0n],
    ['-0', 0n],
    ['10s', 10_000_000_000n],
    ['1h30m', 5_400_000_000_000n],
    ['1.5h', 5_400_000_000_000n],
    ['-1m', -60_000_000_000n],
    ['250ms', 250_000_000n],
    ['1us1µs1μs1ns', 3_001n],
    ['.5s', 500_000_000n],
    ['2562047h47m16.854775807s', 2n ** 63n - 1n],
  ])('%s', (text, nanos) => expect(durationNanos(text)).toBe(nanos));

  it.each(['', '1', '1d', 'h', '1 h', '1H', '.s', '+', '2562047h47m16.854775808s'])('refuses %p', (text) => {
    expect(durationNanos(text)).toBeUndefined();
  });
});

describe('rfc3339 (Go time.Parse with time.RFC3339)', () => {
  it('reads offsets, fractions (to the nanosecond) and years before 100', () => {
    expect(rfc3339('1970-01-01T00:00:00Z')).toEqual({ seconds: 0n, nanos: 0 });
    expect(rfc3339('1970-01-01T01:00:00+01:00')).toEqual({ seconds: 0n, nanos: 0 });
    expect(rfc3339('2023-01-01T00:00:00.5-00:30')).toEqual({ seconds: 1672533000n, nanos: 500_000_000 });
    expect(rfc3339('1969-12-31T23:59:59.1234567891Z')).toEqual({ seconds: -1n, nanos: 123_456_789 });
    expect(rfc3339('0050-01-01T00:00:00Z')?.seconds).toBe(BigInt(Date.parse('0050-01-01T00:00:00Z') / 1000));
  });

  it.each([
    '2023-01-01',
    '2023-01-01 00:00:00Z',
    '2023-01-01t00:00:00Z',
    '2023-01-01T00:00:00',
    '2023-02-29T00:00:00Z',
    '2023-01-01T24:00:00Z',
    '2023-01-01T00:00:60Z',
    '2023-13-01T00:00:00Z',
    '2023-01-01T00:00:00+24:00',
  ])('refuses %p', (text) => expect(rfc3339(text)).toBeUndefined());
});

describe('ipaddress (Go net/netip)', () => {
  const bytes = (text: string) => ((ip) => ip && [...ip.bytes])(parseIpAddress(text));

  it('reads IPv4, IPv6 (compressed, with a dotted tail, a zone) and unmaps IPv4-mapped addresses', () => {
    expect(bytes('10.0.0.1')).toEqual([10, 0, 0, 1]);
    expect(bytes('::')).toEqual(Array(16).fill(0));
    expect(bytes('2001:db8::ff00:42:8329')).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0x42, 0x83, 0x29]);
    expect(bytes('::1.2.3.4')).toEqual([...Array(12).fill(0), 1, 2, 3, 4]);
    expect(bytes('::ffff:1.2.3.4')).toEqual([1, 2, 3, 4]);
    expect(bytes('::FFFF:0102:0304')).toEqual([1, 2, 3, 4]);
    expect(parseIpAddress('fe80::1%eth0')).toMatchObject({ zone: 'eth0' });
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '256.0.0.1',
    '1.2.3.4%eth0',
    '::1%',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '12345::',
    ':1::',
    'g::',
    '::1.2.3',
  ])('refuses %p', (text) => expect(parseIpAddress(text)).toBeUndefined());

  it('in_cidr: prefixes of any length, mapped IPv4 CIDRs, no match across families or with a zone', () => {
    const ip = (text: string) => parseIpAddress(text)!;
    expect(inCidr(ip('192.168.0.7'), '192.168.0.0/24')).toBe(true);
    expect(inCidr(ip('192.168.0.7'), '192.168.0.1/24')).toBe(true);
    expect(inCidr(ip('10.1.2.3'), '10.0.0.0/15')).toBe(true);
    expect(inCidr(ip('10.2.2.3'), '10.0.0.0/15')).toBe(false);
    expect(inCidr(ip('8.8.8.8'), '0.0.0.0/0')).toBe(true);
    expect(inCidr(ip('192.168.0.7'), '::ffff:192.168.0.0/120')).toBe(true);
    expect(inCidr(ip('192.168.0.7'), '::ffff:0:0/95')).toBe(false);
    expect(inCidr(ip('::1'), '0.0.0.0/0')).toBe(false);
    expect(inCidr(ip('fe80::1%eth0'), 'fe80::/10')).toBe(false);
    expect(inCidr(ip('fe80::1'), 'fe80::/10')).toBe(true);
    for (const cidr of ['192.168.0.0', '192.168.0.0/33', '192.168.0.0/024', '192.168.0.0/+4', 'fe80::%eth0/10', '/8', 'x/8']) {
      expect([cidr, inCidr(ip('192.168.0.7'), cidr)]).toEqual([cidr, undefined]);
    }
  });
});

describe('without the optional peers', () => {
  // Fresh modules: the evaluator is loaded once per module registry (the cases above loaded it).
  beforeEach(() => jest.resetModules());
  afterEach(() => {
    jest.dontMock('@bufbuild/cel');
    jest.resetModules();
  });

  it.each(['@bufbuild/cel', '@bufbuild/protobuf'])(
    'a check reaching a condition rejects with MissingPeerDependencyError naming %s',
    async (missing) => {
      // @bufbuild/cel requires @bufbuild/protobuf itself: without it, requiring @bufbuild/cel fails naming @bufbuild/protobuf.
      jest.doMock('@bufbuild/cel', () => {
        const err = new Error(`Cannot find module '${missing}'`) as NodeJS.ErrnoException;
        err.code = 'MODULE_NOT_FOUND';
        throw err;
      });
      const { OpenFgaFake } = await import('../../../src/testing');
      const { MissingPeerDependencyError } = await import('../../../src');
      const fake = new OpenFgaFake({ model: MODEL });
      await fake.grant('user:anne', 'viewer', 'document:1', {
        condition: { name: 'in_region', context: { region: 'eu', allowed: ['eu'] } },
      });
      await fake.grant('user:bob', 'viewer', 'document:1');
      // No condition reached: nothing is loaded.
      expect(await fake.check('user:bob', 'viewer', 'document:1')).toBe(true);
      const err = await fake.check('user:anne', 'viewer', 'document:1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MissingPeerDependencyError);
      expect(err).toMatchObject({
        dependency: missing,
        message: `OpenFgaFake evaluating a condition needs the "${missing}" package: install it with \`npm install ${missing}\``,
      });
    },
  );
});
