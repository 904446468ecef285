/**
 * A tuple's condition context read as the condition's declared parameter
 * types, as OpenFGA converts it (internal/condition/types) on Write and before
 * evaluating: numbers for int, uint and double (or numeric strings), RFC 3339
 * strings for timestamps, Go duration strings ("1h30m", "250ms") for
 * durations, address strings for ipaddress, a list's and a map's items by
 * their generic type; `any` takes the JSON value as it is. A value its type
 * cannot take makes OpenFGA refuse the Write (and fail a check).
 *
 * `grant` checks a context with it before anything is buffered, and the
 * testing fake builds its CEL values with it.
 */
import { parseIpAddress, type IpAddress } from './ip-address';

/** A condition parameter's type in OpenFGA's JSON form, e.g. `{ type_name: 'TYPE_NAME_LIST', generic_types: [{ type_name: 'TYPE_NAME_STRING' }] }`. */
export interface ConditionParameterType {
  type_name?: string;
  generic_types?: readonly ConditionParameterType[] | null;
}

/** The parameter types convertContextValue reads (OpenFGA v1.x's); a value of another, newer type is left to OpenFGA. */
const KNOWN_TYPES = new Set([
  'TYPE_NAME_ANY',
  'TYPE_NAME_BOOL',
  'TYPE_NAME_STRING',
  'TYPE_NAME_INT',
  'TYPE_NAME_UINT',
  'TYPE_NAME_DOUBLE',
  'TYPE_NAME_DURATION',
  'TYPE_NAME_TIMESTAMP',
  'TYPE_NAME_IPADDRESS',
  'TYPE_NAME_LIST',
  'TYPE_NAME_MAP',
]);

export function isKnownParameterType(type: ConditionParameterType): boolean {
  return KNOWN_TYPES.has(type.type_name ?? '');
}

/** Thrown for a value (or a declared type) OpenFGA would not take; the message is the expected form. */
export class ConditionNotEvaluable extends Error {}

/** What a converted value becomes: the fake builds CEL values, `checkContextValue` nothing. */
export interface ContextValueBuilders<T> {
  plain(value: boolean | string | number | bigint): T;
  any(value: unknown): T;
  uint(n: bigint): T;
  duration(nanos: bigint): T;
  timestamp(seconds: bigint, nanos: number): T;
  ipAddress(ip: IpAddress): T;
  list(items: T[]): T;
  map(entries: Map<string, T>): T;
}

/** `value` converted to the declared type and built; throws ConditionNotEvaluable when the type cannot take it. */
export function convertContextValue<T>(value: unknown, type: ConditionParameterType, build: ContextValueBuilders<T>): T {
  const fail = (what: string): never => {
    throw new ConditionNotEvaluable(`expected ${what}, found ${JSON.stringify(value) ?? typeof value}`);
  };
  switch (type.type_name) {
    case 'TYPE_NAME_ANY':
      return build.any(value);
    case 'TYPE_NAME_BOOL':
      return typeof value === 'boolean' ? build.plain(value) : fail('a bool');
    case 'TYPE_NAME_STRING':
      return typeof value === 'string' ? build.plain(value) : fail('a string');
    case 'TYPE_NAME_INT':
      return build.plain(integer(value) ?? fail('an int'));
    case 'TYPE_NAME_UINT': {
      const n = integer(value);
      return n !== undefined && n >= 0n ? build.uint(n) : fail('a uint');
    }
    case 'TYPE_NAME_DOUBLE': {
      const n = typeof value === 'string' ? numeric(value) : value;
      return typeof n === 'number' && Number.isFinite(n) ? build.plain(n) : fail('a double');
    }
    case 'TYPE_NAME_DURATION': {
      const ns = typeof value === 'string' ? durationNanos(value) : undefined;
      return ns === undefined ? fail('a duration string such as "10m"') : build.duration(ns);
    }
    case 'TYPE_NAME_TIMESTAMP': {
      const at = typeof value === 'string' ? rfc3339(value) : undefined;
      return at === undefined ? fail('an RFC 3339 timestamp string') : build.timestamp(at.seconds, at.nanos);
    }
    case 'TYPE_NAME_IPADDRESS': {
      const ip = typeof value === 'string' ? parseIpAddress(value) : undefined;
      return ip === undefined ? fail('an IP address string') : build.ipAddress(ip);
    }
    case 'TYPE_NAME_LIST':
      return Array.isArray(value) ? build.list(value.map((item) => convertContextValue(item, genericOf(type), build))) : fail('a list');
    case 'TYPE_NAME_MAP':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('a map');
      return build.map(new Map(Object.entries(value).map(([k, v]) => [k, convertContextValue(v, genericOf(type), build)])));
  }
  throw new ConditionNotEvaluable(`unknown condition parameter type ${type.type_name ?? '(none)'}`);
}

const NOTHING: ContextValueBuilders<void> = {
  plain: () => undefined,
  any: () => undefined,
  uint: () => undefined,
  duration: () => undefined,
  timestamp: () => undefined,
  ipAddress: () => undefined,
  list: () => undefined,
  map: () => undefined,
};

/** Throws ConditionNotEvaluable when the declared type cannot take `value`, as OpenFGA's Write would refuse it. */
export function checkContextValue(value: unknown, type: ConditionParameterType): void {
  convertContextValue(value, type, NOTHING);
}

/** The one generic type of a list or map parameter. */
export function genericOf(type: ConditionParameterType): ConditionParameterType {
  const [only, ...more] = type.generic_types ?? [];
  if (!only || more.length > 0) throw new ConditionNotEvaluable(`${type.type_name} needs one generic type`);
  return only;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A decimal string's number (Go's big.ParseFloat in base 10), or undefined. */
function numeric(text: string): number | undefined {
  return DECIMAL.test(text) ? Number(text) : undefined;
}

/** An integral JSON number or numeric string as a bigint (digits alone kept exact), or undefined. */
function integer(value: unknown): bigint | undefined {
  if (typeof value === 'string' && /^[+-]?\d+$/.test(value)) return BigInt(value);
  const n = typeof value === 'string' ? numeric(value) : value;
  return typeof n === 'number' && Number.isInteger(n) ? BigInt(n) : undefined;
}

const DURATION = /^[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const DURATION_PART = /(\d*)\.?(\d*)(ns|us|µs|μs|ms|s|m|h)/g;
const UNIT_NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX_NANOS = 2n ** 63n - 1n;

/** A Go duration string (time.ParseDuration) in nanoseconds, or undefined. */
export function durationNanos(text: string): bigint | undefined {
  if (/^[-+]?0$/.test(text)) return 0n;
  if (!DURATION.test(text)) return undefined;
  let ns = 0n;
  for (const [, whole, fraction, unit] of text.matchAll(DURATION_PART)) {
    const scale = UNIT_NANOS[unit];
    ns += BigInt(whole || '0') * scale + (fraction ? (BigInt(fraction) * scale) / 10n ** BigInt(fraction.length) : 0n);
  }
  if (ns > MAX_NANOS + (text.startsWith('-') ? 1n : 0n)) return undefined;
  return text.startsWith('-') ? -ns : ns;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** An RFC 3339 timestamp (as Go's time.Parse reads it) in seconds and nanoseconds since the epoch, or undefined. */
export function rfc3339(text: string): { seconds: bigint; nanos: number } | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const [sign, offsetHours, offsetMinutes] = [m[8], Number(m[9] ?? 0), Number(m[10] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC: it reads years 0-99 as 1900-1999
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  const offset = (sign === '-' ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  const seconds = BigInt(date.getTime() / 1000 + hour * 3600 + minute * 60 + second - offset);
  return { seconds, nanos: Number((m[7] ?? '').slice(0, 9).padEnd(9, '0')) };
}
