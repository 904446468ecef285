import type { BufferedOperation } from '../../buffer/buffered-operation';
import type { Tuple, TupleOperation } from '../../tuple/tuple';
import { OpenFgaAssertionError } from '../openfga-assertion.error';

/** One check as the fake's assertions describe it. */
export interface DescribedCheck extends Tuple {
  allowed: boolean | undefined;
}

/** Throws the assertion error: what was expected, then what the fake recorded. */
export function fail(expectation: string, recorded: string): never {
  throw new OpenFgaAssertionError(`${expectation}\n${recorded}`);
}

export function show(t: Tuple): string {
  return `${t.user} ${t.relation} ${t.object}`;
}

export function describeOperations(ops: readonly TupleOperation[]): string {
  return list(
    'Recorded operations',
    ops.map((o) => `${o.kind.padEnd(6)} ${show(o)}`),
  );
}

export function describePending(ops: readonly BufferedOperation[]): string {
  return list(
    'Pending operations',
    ops.map((o) => `${o.kind.padEnd(6)} ${show(o)}`),
  );
}

export function describeWritten(tuples: readonly Tuple[]): string {
  return list('Written tuples', tuples.map(show));
}

export function describeChecks(checks: readonly DescribedCheck[]): string {
  return list(
    'Recorded checks',
    checks.map((c) => `${show(c)} -> ${c.allowed === undefined ? 'unavailable' : c.allowed ? 'allowed' : 'denied'}`),
  );
}

function list(title: string, lines: string[]): string {
  if (lines.length === 0) return `${title}: (none)`;
  return `${title} (${lines.length}):\n${lines.map((l) => `  - ${l}`).join('\n')}`;
}
