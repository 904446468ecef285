/**
 * The reliability suite's model of last-op-wins and its load generator.
 *
 * A `Ledger` records every acknowledged grant/revoke (the buffer position
 * its token names and when it resolved); `expectedTuples()` is what OpenFGA
 * must hold in the end. A call that failed may or may not have been applied,
 * so its tuple is "uncertain" until a later acknowledged op on it.
 *
 * `startLoad` runs lanes of sequential operations, each lane on its own
 * tuples, so the order of the operations on one tuple is the order of their
 * acknowledgements. Bounded in operations and time.
 */
import { OpenFgaClient } from '@openfga/sdk';
import type { Tuple } from '../../../src';
import { sleep } from './scale';

export type OpKind = 'grant' | 'revoke';

export interface AckedOp {
  kind: OpKind;
  /** Buffer position named by the returned consistency token. */
  seq: number;
  /** When the call resolved (ms since the epoch). */
  ackAt: number;
}

export const tupleId = (t: Tuple) => `${t.user} ${t.relation} ${t.object}`;

/** The buffer position a consistency token names (`v1.<base 36>.<fingerprint>`; internal format, tests may read it). */
export function tokenSeq(token: string): number {
  return parseInt(token.split('.')[1], 36);
}

export class Ledger {
  readonly last = new Map<string, AckedOp>();
  readonly uncertain = new Set<string>();
  /** Acknowledged ops per tuple. */
  readonly opsPerTuple = new Map<string, number>();
  acked = 0;
  failed = 0;

  ack(t: Tuple, kind: OpKind, token: string, ackAt = Date.now()): void {
    const id = tupleId(t);
    this.last.set(id, { kind, seq: tokenSeq(token), ackAt });
    this.uncertain.delete(id);
    this.opsPerTuple.set(id, (this.opsPerTuple.get(id) ?? 0) + 1);
    this.acked++;
  }

  fail(t: Tuple): void {
    this.uncertain.add(tupleId(t));
    this.failed++;
  }

  /** Tuples whose last acknowledged op is a grant (uncertain ones left out), sorted. */
  expectedTuples(filter: (id: string, op: AckedOp) => boolean = () => true): string[] {
    return [...this.last]
      .filter(([id, op]) => op.kind === 'grant' && !this.uncertain.has(id) && filter(id, op))
      .map(([id]) => id)
      .sort();
  }
}

export interface SetDiff {
  /** Expected but absent. */
  missing: string[];
  /** Present but not expected. */
  unexpected: string[];
}

export function diffSets(expected: readonly string[], actual: readonly string[]): SetDiff {
  const a = new Set(actual);
  const e = new Set(expected);
  return { missing: expected.filter((x) => !a.has(x)), unexpected: actual.filter((x) => !e.has(x)) };
}

/** Every tuple in an OpenFGA store, as `user relation object` ids. */
export async function readStore(apiUrl: string, storeId: string): Promise<string[]> {
  const client = new OpenFgaClient({ apiUrl, storeId });
  const out: string[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await client.read({}, { pageSize: 100, continuationToken });
    for (const t of page.tuples) out.push(`${t.key.user} ${t.key.relation} ${t.key.object}`);
    continuationToken = page.continuation_token || undefined;
  } while (continuationToken);
  return out.sort();
}

/** Compares OpenFGA with the ledger, restricted to tuples `scope` accepts (default all). */
export async function compareStore(
  apiUrl: string,
  storeId: string,
  ledger: Ledger,
  scope: (id: string) => boolean = () => true,
): Promise<SetDiff & { actual: number; expected: number }> {
  const actual = (await readStore(apiUrl, storeId)).filter((id) => scope(id) && !ledger.uncertain.has(id));
  const expected = ledger.expectedTuples((id) => scope(id));
  return { ...diffSets(expected, actual), actual: actual.length, expected: expected.length };
}

export interface Writer {
  grant(user: string, relation: string, object: string): Promise<string>;
  revoke(user: string, relation: string, object: string): Promise<string>;
}

export interface LoadOptions {
  lanes: number;
  /** Tuples each lane works on (lane `l` owns `tuple(l, 0 .. tuplesPerLane-1)`). */
  tuplesPerLane: number;
  tuple(lane: number, index: number): Tuple;
  /** Share of grants among the operations. Default 0.6. */
  grantRatio?: number;
  /** Target operations per second over all lanes; unthrottled when unset. */
  opsPerSecond?: number;
  /** Hard bounds. */
  maxOps: number;
  maxMs: number;
  random?: () => number;
}

export interface RunningLoad {
  ledger: Ledger;
  /** Latencies (ms) of acknowledged calls, with when they resolved. */
  latencies: { at: number; ms: number }[];
  errors: string[];
  /** Stops issuing operations; resolves when every lane finished its current call. */
  stop(): Promise<void>;
  /** Resolves when the load ended by itself (bounds reached) or was stopped. */
  done: Promise<void>;
}

export function startLoad(writer: Writer, options: LoadOptions, ledger = new Ledger()): RunningLoad {
  const random = options.random ?? Math.random;
  const grantRatio = options.grantRatio ?? 0.6;
  const started = Date.now();
  const latencies: { at: number; ms: number }[] = [];
  const errors: string[] = [];
  let stopped = false;
  let issued = 0;
  const laneIntervalMs = options.opsPerSecond ? (1000 * options.lanes) / options.opsPerSecond : 0;

  const lane = async (l: number) => {
    let next = Date.now();
    while (!stopped && issued < options.maxOps && Date.now() - started < options.maxMs) {
      issued++;
      const t = options.tuple(l, Math.floor(random() * options.tuplesPerLane));
      const kind: OpKind = random() < grantRatio ? 'grant' : 'revoke';
      const callStarted = Date.now();
      try {
        const token = await writer[kind](t.user, t.relation, t.object);
        const now = Date.now();
        ledger.ack(t, kind, token, now);
        latencies.push({ at: now, ms: now - callStarted });
      } catch (err) {
        ledger.fail(t);
        if (errors.length < 20) errors.push(String(err instanceof Error ? err.message : err));
      }
      if (laneIntervalMs) {
        next += laneIntervalMs;
        const wait = next - Date.now();
        if (wait > 0) await sleep(Math.min(wait, 1000));
        else if (wait < -1000) next = Date.now(); // fell behind (an outage): do not burst to catch up
      }
    }
  };
  const done = Promise.all(Array.from({ length: options.lanes }, (_, l) => lane(l))).then(() => undefined);
  return {
    ledger,
    latencies,
    errors,
    done,
    async stop() {
      stopped = true;
      await done;
    },
  };
}
