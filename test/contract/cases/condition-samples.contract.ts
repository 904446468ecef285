/**
 * Contract cases for condition evaluation, on the conditions of OpenFGA's
 * public sample stores (test/fixtures/condition-samples.fga): every parameter
 * type, CEL's functions, macros and operators, OpenFGA's ipaddress type. The
 * fake must answer as OpenFGA does, pending or flushed: allowed, denied, or
 * unavailable (a missing parameter, a value its type cannot take, an
 * evaluation error).
 */
import { join } from 'node:path';
import { CheckUnavailableError, type ConditionalTuple } from '../../../src';
import type { ContractFactory, ContractSubject } from '../openfga-service.contract';

const MODEL = join(__dirname, '..', '..', 'fixtures', 'condition-samples.fga');

interface SampleCase {
  name: string;
  grants: ConditionalTuple[];
  check: [user: string, relation: string, object: string, context?: Record<string, unknown>];
  expected: boolean | 'unavailable';
}

const valid = (name: string, context?: Record<string, unknown>): ConditionalTuple => ({
  user: 'user:anne',
  relation: 'is_valid',
  object: 'datatype_test:one',
  condition: { name: `is_valid_${name}`, ...(context ? { context } : {}) },
});
const isValid = (context?: Record<string, unknown>): SampleCase['check'] => ['user:anne', 'is_valid', 'datatype_test:one', context];

/** ip-based-access: anne views document:1 of acme, whose members are granted from one network. */
const inNetwork = (user_ip?: string): SampleCase => ({
  name: `ip-based-access: user_ip ${user_ip ?? 'missing'} in 192.168.0.0/24`,
  grants: [
    {
      user: 'organization:acme#member',
      relation: 'ip_based_access_policy',
      object: 'organization:acme',
      condition: { name: 'in_company_network', context: { cidr: '192.168.0.0/24' } },
    },
    { user: 'organization:acme', relation: 'organization', object: 'document:1' },
    { user: 'user:anne', relation: 'viewer', object: 'document:1' },
    { user: 'user:anne', relation: 'member', object: 'organization:acme' },
  ],
  check: ['user:anne', 'can_view', 'document:1', user_ip === undefined ? undefined : { user_ip }],
  expected: user_ip === undefined ? 'unavailable' : user_ip.startsWith('192.168.0.'),
});

/** groups-resource-attributes: group content's members read drafts and published documents of acme. */
const docStatus = (status: string, expected: boolean): SampleCase => ({
  name: `groups-resource-attributes: a ${status} document`,
  grants: [
    { user: 'organization:acme', relation: 'organization', object: 'document:1' },
    { user: 'user:anne', relation: 'member', object: 'group:content' },
    {
      user: 'group:content#member',
      relation: 'can_access_docs',
      object: 'organization:acme',
      condition: { name: 'doc_viewer_condition', context: { allowed_statuses: ['draft', 'published'] } },
    },
  ],
  check: ['user:anne', 'can_access', 'document:1', { document_attributes: { status } }],
  expected,
});

const temporal = (grant_duration: string, current_time: string, expected: boolean): SampleCase => ({
  name: `temporal-access: granted for ${grant_duration} at 00:00, checked at ${current_time.slice(11, 19)}`,
  grants: [
    {
      user: 'user:anne',
      relation: 'temporal_viewer',
      object: 'document:1',
      condition: { name: 'temporal_access', context: { grant_time: '2023-01-01T00:00:00Z', grant_duration } },
    },
  ],
  check: ['user:anne', 'temporal_viewer', 'document:1', { current_time }],
  expected,
});

const transfer = (context: Record<string, unknown>, expected: SampleCase['expected']): SampleCase => ({
  name: `banking: a limit of 100, ${JSON.stringify(context)}`,
  grants: [
    {
      user: 'user:anne',
      relation: 'can_make_bank_transfer',
      object: 'account:123',
      condition: { name: 'transfer_limit_policy', context: { transaction_limit: 100 } },
    },
  ],
  check: ['user:anne', 'can_make_bank_transfer', 'account:123', context],
  expected,
});

const quota = (context: Record<string, unknown>, expected: SampleCase['expected']): SampleCase => ({
  name: `within_quota (own): ${JSON.stringify(context)}`,
  grants: [{ user: 'user:anne', relation: 'can_deploy', object: 'project:p', condition: { name: 'within_quota', context: { quota: 5 } } }],
  check: ['user:anne', 'can_deploy', 'project:p', context],
  expected,
});

const budget = (price: number, expected: boolean): SampleCase => ({
  name: `under_budget (own): price ${price}`,
  grants: [
    {
      user: 'user:anne',
      relation: 'can_buy',
      object: 'project:p',
      condition: { name: 'under_budget', context: { spent: 10.5, budget: 100 } },
    },
  ],
  check: ['user:anne', 'can_buy', 'project:p', { price }],
  expected,
});

export const SAMPLE_CASES: SampleCase[] = [
  // condition-data-types, with the sample's own values (in the tuple, then in the check), then values that fail.
  {
    name: 'string: startsWith, endsWith, contains, matches',
    grants: [valid('string', { _string: '1' })],
    check: isValid(),
    expected: true,
  },
  { name: 'string: "12" does not end with "1"', grants: [valid('string')], check: isValid({ _string: '12' }), expected: false },
  { name: 'int', grants: [valid('int', { _int: 1 })], check: isValid(), expected: true },
  { name: 'int: a numeric string from the check', grants: [valid('int')], check: isValid({ _int: '-3' }), expected: false },
  { name: 'int: 1.5 is no int', grants: [valid('int')], check: isValid({ _int: 1.5 }), expected: 'unavailable' },
  { name: 'uint: 1u', grants: [valid('uint', { _uint: 1 })], check: isValid(), expected: true },
  { name: 'uint: -1 is no uint', grants: [valid('uint')], check: isValid({ _uint: -1 }), expected: 'unavailable' },
  { name: 'double: an integer JSON number', grants: [valid('double')], check: isValid({ _double: 1 }), expected: true },
  { name: 'duration: 10s > duration("0s")', grants: [valid('duration', { _duration: '10s' })], check: isValid(), expected: true },
  { name: 'duration: 0s', grants: [valid('duration')], check: isValid({ _duration: '0s' }), expected: false },
  {
    name: 'duration: "ten seconds" is no duration',
    grants: [valid('duration')],
    check: isValid({ _duration: 'ten seconds' }),
    expected: 'unavailable',
  },
  {
    name: 'timestamp: after timestamp("2019-01-01T00:00:00Z")',
    grants: [valid('timestamp', { _timestamp: '2019-02-01T00:00:00Z' })],
    check: isValid(),
    expected: true,
  },
  {
    name: 'timestamp: with an offset, before',
    grants: [valid('timestamp')],
    check: isValid({ _timestamp: '2019-01-01T00:30:00+01:00' }),
    expected: false,
  },
  {
    name: 'timestamp: a date alone is no RFC 3339 timestamp',
    grants: [valid('timestamp')],
    check: isValid({ _timestamp: '2019-02-01' }),
    expected: 'unavailable',
  },
  {
    name: 'map<string>: "key" in map, map["key"]',
    grants: [valid('map_string', { _mapstring: { key: '1' } })],
    check: isValid(),
    expected: true,
  },
  { name: 'map<string>: without "key"', grants: [valid('map_string')], check: isValid({ _mapstring: { other: '1' } }), expected: false },
  {
    name: 'list<string>: in, [0], exists, exists_one, all',
    grants: [valid('list_string', { _liststring: ['1'] })],
    check: isValid(),
    expected: true,
  },
  {
    name: 'list<string>: exists_one with two matches',
    grants: [valid('list_string')],
    check: isValid({ _liststring: ['1', '2'] }),
    expected: false,
  },
  {
    name: 'ipaddress: != ipaddress("192.0.0.1")',
    grants: [valid('ipaddress', { _ipaddress: '192.168.0.1' })],
    check: isValid(),
    expected: true,
  },
  {
    name: 'ipaddress: == ipaddress("192.0.0.1")',
    grants: [valid('ipaddress')],
    check: isValid({ _ipaddress: '192.0.0.1' }),
    expected: false,
  },
  {
    name: 'ipaddress: "192.168.0.256" is no address',
    grants: [valid('ipaddress')],
    check: isValid({ _ipaddress: '192.168.0.256' }),
    expected: 'unavailable',
  },
  inNetwork('192.168.0.1'),
  inNetwork('192.168.1.1'),
  inNetwork(),
  docStatus('draft', true),
  docStatus('archived', false),
  temporal('1h', '2023-01-01T00:10:00Z', true),
  temporal('1h', '2023-01-01T02:00:00Z', false),
  temporal('5s', '2023-01-01T00:00:09Z', false),
  transfer({ transaction_amount: 10, new_transaction_limit_approved: 0 }, true),
  transfer({ transaction_amount: 1000, new_transaction_limit_approved: 1000 }, true),
  transfer({ transaction_amount: 1000, new_transaction_limit_approved: 0 }, false),
  // OpenFGA needs every parameter, even one the expression would not reach.
  transfer({ transaction_amount: 10 }, 'unavailable'),
  quota({ used: 3, requested: 2, teams: ['team-web'] }, true),
  quota({ used: 3, requested: 3, teams: ['team-web'] }, false),
  quota({ used: 3, requested: 1, teams: [] }, false),
  quota({ used: 3, requested: 1, teams: ['team-web', 'ops'] }, false),
  // 5u - 6u overflows: an evaluation error.
  quota({ used: 6, requested: 0, teams: ['team-web'] }, 'unavailable'),
  budget(74, true),
  budget(75.5, false),
];

export function conditionSamplesContract(factory: ContractFactory): void {
  describe('conditions of the OpenFGA sample stores', () => {
    let subject: ContractSubject;
    beforeEach(async () => {
      subject = await factory(MODEL);
    });
    afterEach(() => subject.close());

    it.each(SAMPLE_CASES.map((c) => [c.name, c] as const))('%s, pending or flushed', async (_, { grants, check, expected }) => {
      const fga = subject.service;
      await fga.grantMany(grants);
      const [user, relation, object, context] = check;
      for (const stage of ['pending', 'flushed']) {
        const answer = await fga.check(user, relation, object, context ? { context } : {}).catch((err: unknown) => {
          if (err instanceof CheckUnavailableError) return 'unavailable';
          throw err;
        });
        expect([stage, answer]).toEqual([stage, expected]);
        await fga.flush();
      }
    });
  });
}
