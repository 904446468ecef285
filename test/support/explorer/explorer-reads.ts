/**
 * After each step, every read kind of the module against the mirror store
 * (what OpenFGA answers once everything acknowledged is written, asked with
 * HIGHER_CONSISTENCY). A wrong answer is a stale allow or a stale deny,
 * whether OpenFGA is up or not; an error is a bug only while OpenFGA is up
 * (during an outage failing closed is the point).
 */
import { ConsistencyPreference } from '@openfga/sdk';
import type { BatchCheckAnswer, CheckOptions, Tuple } from '../../../src';
import { seededRandom } from '../inputs/random-model';
import { mirrorUsers } from '../state/mirror-store';
import type { ExplorerWorld } from './explorer-world';

export const READ_KINDS = ['check', 'check-cached', 'check-uncached', 'check-fresh', 'batchCheck', 'listObjects', 'listUsers'] as const;
export type ReadKind = (typeof READ_KINDS)[number];

export interface ExplorerCounts {
  sequences: number;
  operations: number;
  reads: Record<ReadKind, number>;
  staleAllows: Record<ReadKind, number>;
  staleDenies: Record<ReadKind, number>;
  errorsWhileUp: Record<ReadKind, number>;
  /** Reads that failed closed while OpenFGA was unreachable (expected, not a bug). */
  errorsWhileDown: number;
  /**
   * Reads that failed closed while OpenFGA was up but a claimed batch's writer was frozen: a read that
   * depends on its ops waits for them; not counted as bugs, reported apart.
   */
  errorsBehindFrozenWriter: number;
  /** Mismatches on a check the mirror itself answered both ways without a write (OpenFGA's, not the module's). */
  unsteady: number;
}

export function emptyCounts(): ExplorerCounts {
  const perKind = () => Object.fromEntries(READ_KINDS.map((k) => [k, 0])) as Record<ReadKind, number>;
  return {
    sequences: 0,
    operations: 0,
    reads: perKind(),
    staleAllows: perKind(),
    staleDenies: perKind(),
    errorsWhileUp: perKind(),
    errorsWhileDown: 0,
    errorsBehindFrozenWriter: 0,
    unsteady: 0,
  };
}

/** How a problem that is an error (not a wrong answer) reads. */
export const FAILED_WHILE_UP = 'failed while OpenFGA was up';
const PROCESS_NAMES = ['A', 'B (cache off)', 'C'];
/** Checks asked one by one per comparison: those the step changed first, then allowed ones, then a sample. */
const FOCUS = 12;
const LISTS = 2;
const HIGHER = { consistency: ConsistencyPreference.HigherConsistency };

type Truth = boolean | 'error';

/** How often the mirror is asked again before a mismatch is blamed on the module (only on a mismatch). */
const CHECK_ASKS = 64;
const LIST_ASKS = 16;

/** Whether any of `asks` repeated mirror reads (8 at a time) answers otherwise than the first. */
async function wavers(asks: number, differs: () => Promise<boolean>): Promise<boolean> {
  for (let done = 0; done < asks; done += 8) {
    const answers = await Promise.all(Array.from({ length: Math.min(8, asks - done) }, differs));
    if (answers.some(Boolean)) return true;
  }
  return false;
}

/** Compares the module with the mirror after a step; pushes each wrong answer (and error while up) onto `problems`. */
export class ExplorerReads {
  private previous?: Truth[];

  constructor(
    private readonly world: ExplorerWorld,
    private readonly counts: ExplorerCounts,
    readonly problems: string[],
  ) {}

  /**
   * Every read kind after a step: single checks on the focus checks from each process (C first: a
   * process without the model must not serve what another cached before a write), a batchCheck of the
   * whole universe, lists around the focus, the focus again (cached), `at-least-as-fresh` with the last
   * token. While OpenFGA is down or a writer is frozen, a few of each at once: each may wait out `checkTimeout`.
   */
  async compare(when: string, stepIndex: number): Promise<void> {
    const { world } = this;
    const checks = world.model.checks;
    const truths = await this.mirrorChecks(checks);
    const random = seededRandom(world.sequence.sample + stepIndex * 7919);
    const rank = (i: number) => (this.previous && this.previous[i] !== truths[i] ? 0 : truths[i] === true ? 1 : 2) + random();
    const focus = checks
      .map((_, i) => [i, rank(i)] as const)
      .sort((a, b) => a[1] - b[1])
      .slice(0, world.down || world.frozen ? 2 : FOCUS)
      .map(([i]) => i);
    this.previous = truths;
    const name = (p: number) => (p === 2 && world.sequence.noModel ? 'C (no model)' : PROCESS_NAMES[p]);
    const reader = (world.sequence.sample + stepIndex) % 3;
    const single = (p: number, kind: ReadKind, i: number, options?: CheckOptions) => () =>
      this.check(when, kind, name(p), checks[i], truths[i], () =>
        this.serviceOf(p).check(checks[i].user, checks[i].relation, checks[i].object, options),
      );
    const token = world.token;
    const reads: (() => Promise<void>)[] = [
      ...focus.map((i) => single(2, 'check', i)),
      ...focus.map((i) => single(1, 'check-uncached', i)),
      ...focus.map((i) => single(0, 'check', i)),
      () => this.batchCheck(when, name(reader), world.down || world.frozen ? focus : checks.map((_, i) => i), truths, reader),
      () =>
        this.lists(
          when,
          name(reader),
          reader,
          focus.map((i) => checks[i]),
          random,
        ),
      ...focus.map((i) => single(0, 'check-cached', i)),
      ...(token ? focus.slice(0, 4).map((i) => single(0, 'check-fresh', i, { consistency: 'at-least-as-fresh', token })) : []),
    ];
    if (world.down || world.frozen) await Promise.all(reads.map((read) => read()));
    else for (const read of reads) await read();
  }

  private serviceOf(p: number) {
    return this.world.processes[p].service;
  }

  private async mirrorChecks(checks: readonly Tuple[]): Promise<Truth[]> {
    const { result } = await this.world.mirror.batchCheck(
      { checks: checks.map((c, i) => ({ ...c, correlationId: String(i) })) },
      { ...HIGHER, maxParallelRequests: 4 },
    );
    const byId = new Map(result.map((r) => [r.correlationId, r.error ? ('error' as const) : r.allowed === true]));
    return checks.map((_, i) => byId.get(String(i)) ?? 'error');
  }

  private async check(when: string, kind: ReadKind, process: string, t: Tuple, truth: Truth, ask: () => Promise<boolean>) {
    if (truth === 'error') return;
    this.counts.reads[kind]++;
    let got: boolean;
    try {
      got = await ask();
    } catch (err) {
      return this.failed(when, kind, `${process} check(${t.user}, ${t.relation}, ${t.object})`, err);
    }
    if (got !== truth) await this.wrongCheck(when, kind, process, t, got, truth);
  }

  private async batchCheck(when: string, process: string, items: number[], truths: Truth[], reader: number) {
    const checks = items.map((i) => this.world.model.checks[i]);
    let answers: BatchCheckAnswer[];
    try {
      answers = await this.serviceOf(reader).batchCheck(checks);
    } catch (err) {
      this.counts.reads.batchCheck += checks.length;
      return this.failed(when, 'batchCheck', `${process} batchCheck of ${checks.length} items`, err);
    }
    for (const [j, a] of answers.entries()) {
      const truth = truths[items[j]];
      if (truth === 'error') continue;
      this.counts.reads.batchCheck++;
      if (a.error) this.failed(when, 'batchCheck', `${process} batchCheck item check(${a.user}, ${a.relation}, ${a.object})`, a.error);
      else if (a.allowed !== truth) await this.wrongCheck(when, 'batchCheck', process, checks[j], a.allowed, truth);
    }
  }

  /** listObjects and listUsers around the focus checks (their user and type, their object), and one at random. */
  private async lists(when: string, process: string, reader: number, focus: Tuple[], random: () => number) {
    const { checks } = this.world.model;
    const pick =
      this.world.down || this.world.frozen ? focus.slice(0, 1) : [...focus.slice(0, LISTS), checks[Math.floor(random() * checks.length)]];
    const service = this.serviceOf(reader);
    const objectQueries = new Map(pick.map((c) => [`${c.user} ${c.relation} ${c.object.split(':')[0]}`, c]));
    for (const c of objectQueries.values()) {
      const type = c.object.split(':')[0];
      const what = `${process} listObjects(${c.user}, ${c.relation}, ${type})`;
      const truth = async () => (await this.world.mirror.listObjects({ user: c.user, relation: c.relation, type }, HIGHER)).objects.sort();
      await this.list(when, 'listObjects', what, truth, () => service.listObjects(c.user, c.relation, type));
    }
    const userQueries = new Map(pick.map((c) => [`${c.object} ${c.relation}`, c]));
    for (const c of userQueries.values()) {
      const [type, id] = c.object.split(':');
      const what = `${process} listUsers(${c.object}, ${c.relation}, [user])`;
      const truth = async () => {
        const res = await this.world.mirror.listUsers(
          { object: { type, id }, relation: c.relation, user_filters: [{ type: 'user' }] },
          HIGHER,
        );
        return mirrorUsers(res);
      };
      await this.list(when, 'listUsers', what, truth, () => service.listUsers(c.object, c.relation, ['user']));
    }
  }

  private async list(when: string, kind: ReadKind, what: string, truthOf: () => Promise<string[]>, ask: () => Promise<string[]>) {
    let truth: string[];
    try {
      truth = await truthOf();
    } catch {
      return; // OpenFGA itself cannot answer it (e.g. a cycle): nothing to compare with
    }
    this.counts.reads[kind]++;
    let got: string[];
    try {
      got = [...(await ask())].sort();
    } catch (err) {
      return this.failed(when, kind, what, err);
    }
    const extra = got.filter((o) => !truth.includes(o));
    const missing = truth.filter((o) => !got.includes(o));
    if (extra.length === 0 && missing.length === 0) return;
    if (await wavers(LIST_ASKS, async () => (await truthOf().catch(() => undefined))?.join() !== truth.join())) {
      return void this.counts.unsteady++;
    }
    if (extra.length > 0) this.counts.staleAllows[kind]++;
    if (missing.length > 0) this.counts.staleDenies[kind]++;
    this.problems.push(
      `${when}: ${what} listed ${JSON.stringify(got)}, mirror ${JSON.stringify(truth)}${this.world.down ? ' (OpenFGA down)' : ''}`,
    );
  }

  private async wrongCheck(when: string, kind: ReadKind, process: string, t: Tuple, got: boolean, truth: boolean) {
    // OpenFGA answers some checks both ways on one state (cyclic usersets; one measured 22 false in 300):
    // ask the mirror again before blaming the module. One check per request: a BatchCheck answers
    // repeated items once.
    const mirrorCheck = () => this.world.mirror.check(t, HIGHER).then((r) => r.allowed === true);
    if (await wavers(CHECK_ASKS, async () => (await mirrorCheck().catch(() => 'error' as const)) !== truth)) {
      return void this.counts.unsteady++;
    }
    if (got) this.counts.staleAllows[kind]++;
    else this.counts.staleDenies[kind]++;
    this.problems.push(
      `${when}: [${kind}] ${process} check(${t.user}, ${t.relation}, ${t.object}) answered ${got}, mirror ${truth}${this.world.down ? ' (OpenFGA down)' : ''}`,
    );
  }

  private failed(when: string, kind: ReadKind, what: string, err: unknown) {
    if (this.world.down) {
      this.counts.errorsWhileDown++;
      return;
    }
    if (this.world.frozen) {
      this.counts.errorsBehindFrozenWriter++;
      return;
    }
    this.counts.errorsWhileUp[kind]++;
    this.problems.push(`${when}: [${kind}] ${what} ${FAILED_WHILE_UP}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
