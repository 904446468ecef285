/**
 * The read explorer (issue 21): random sequences of grants, revokes,
 * conditional grants and re-grants, grantMany, bulk grants, flushes, partial
 * flushes by another process, a frozen flusher, a process that cannot read
 * the model and OpenFGA outages, on generated models; after each step every
 * read kind is compared with a mirror store. fast-check shrinks a failing
 * sequence; the seed and the shrunk sequence are printed.
 */
import fc from 'fast-check';
import { serverEnv } from '../harness/env';
import { ExplorerModel, modelPool } from './explorer-model';
import { ExplorerCounts, ExplorerReads, emptyCounts, FAILED_WHILE_UP, READ_KINDS } from './explorer-reads';
import { Sequence, sequenceArb, SequenceSizes, Step, UniverseShape } from './explorer-steps';
import type { OpenFgaReadLimits } from '../../../src';
import { ExplorerWorld, keyOf } from './explorer-world';

export interface ExplorerSettings extends SequenceSizes {
  runs: number;
  seed: number;
  readLimits: OpenFgaReadLimits;
  /** Stops exploring (and shrinking) after this long; a failure found so far is still reported. */
  timeLimitMs: number;
  /** Only stale answers fail a sequence (errors while up are still counted): to hunt them when errors would shrink first. */
  staleOnly?: boolean;
  /** Replays the counterexample a failure printed (its seed and path), then shrinks on from it. */
  path?: string;
}

export interface ExplorerReport {
  counts: ExplorerCounts;
  /** Sequences run (shrinking ones included), and how many of them were shrinks. */
  runs: number;
  shrinks: number;
  seed: number;
  durationMs: number;
  /** The shrunk counterexample, spelled out, with what each read answered; undefined when none was found. */
  failure?: string;
  /** The one-line summary (also logged). */
  line: string;
}

export async function exploreReads(settings: ExplorerSettings): Promise<ExplorerReport> {
  const started = Date.now();
  const pool = await modelPool(serverEnv().apiUrl, settings.seed, settings.models);
  const counts = emptyCounts();
  let timedOut = 0;
  const isFailure = (problem: string) => !settings.staleOnly || !problem.includes(FAILED_WHILE_UP);
  const property = fc.asyncProperty(sequenceArb(pool.map(shapeOf), settings), async (sequence) => {
    // Bounded without interrupting a run (an interrupted one would go on in the background): past the
    // time limit every run passes at once, which also ends shrinking with the smallest failure so far.
    if (Date.now() - started > settings.timeLimitMs) {
      timedOut++;
      return;
    }
    const problems = await runSequence(pool[sequence.model], sequence, settings.readLimits, counts, isFailure);
    if (problems.some(isFailure)) throw new Error(problems.join('\n'));
  });
  const details = await fc.check(property, {
    numRuns: settings.runs,
    seed: settings.seed,
    ...(settings.path ? { path: settings.path } : {}),
  });
  const counterexample = (details.counterexample as [Sequence] | null)?.[0];
  const failure =
    details.failed && counterexample
      ? [
          `seed ${details.seed}, path "${details.counterexamplePath}" (shrunk ${details.numShrinks} times):`,
          describeSequence(pool[counterexample.model], counterexample),
          'what the module answered against the mirror:',
          details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance),
        ].join('\n')
      : undefined;
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const perKind = READ_KINDS.map(
    (k) =>
      `${k} ${counts.reads[k]}` +
      (counts.staleAllows[k] + counts.staleDenies[k] + counts.errorsWhileUp[k] > 0
        ? ` (${counts.staleAllows[k]}/${counts.staleDenies[k]}/${counts.errorsWhileUp[k]})`
        : ''),
  ).join(', ');
  const line =
    `read explorer: seed ${details.seed}, ${counts.sequences} sequences run (${details.numShrinks} shrink steps` +
    `${timedOut > 0 ? `, ${timedOut} skipped past the time limit` : ''}), ` +
    `${counts.operations} operations over ${pool.length} models, reads ${perKind}; ` +
    `${sum(counts.staleAllows)} stale allows, ${sum(counts.staleDenies)} stale denies, ${sum(counts.errorsWhileUp)} errors while up, ` +
    `${counts.errorsWhileDown} failed closed during outages, ${counts.errorsBehindFrozenWriter} behind a frozen writer, ` +
    `${counts.unsteady} unsteady mirror answers; ` +
    `readLimits ${JSON.stringify(settings.readLimits)}; ${Math.round((Date.now() - started) / 1000)} s`;
  console.log(failure ? `${line}\nworst case it shrank to: ${failure}` : line);
  return {
    counts,
    runs: details.numRuns,
    shrinks: details.numShrinks,
    seed: details.seed,
    durationMs: Date.now() - started,
    failure,
    line,
  };
}

/** Which universe tuples link objects (a userset or an object as the user) and which are leaves. */
function shapeOf(model: ExplorerModel): UniverseShape {
  const indices = model.tuples.map((_, i) => i);
  const isLink = (i: number) => model.tuples[i].user.includes('#') || !model.tuples[i].user.startsWith('user:');
  return { links: indices.filter(isLink), leaves: indices.filter((i) => !isLink(i)) };
}

/** A sequence that runs longer than this hangs somewhere: it is reported as a problem (and its world closed). */
const SEQUENCE_LIMIT_MS = 90_000;

/** Runs one sequence up to the first step after which a read was wrong (or failed); returns the problems. */
async function runSequence(
  model: ExplorerModel,
  sequence: Sequence,
  readLimits: OpenFgaReadLimits,
  counts: ExplorerCounts,
  isFailure: (problem: string) => boolean,
): Promise<string[]> {
  counts.sequences++;
  const world = await ExplorerWorld.open(model, sequence, readLimits);
  const reads = new ExplorerReads(world, counts, []);
  let at = 'start';
  const steps = async (): Promise<string[]> => {
    await reads.compare(at, 0);
    for (const [i, step] of sequence.steps.entries()) {
      at = `step ${i + 1} (${describeStep(world.model, sequence, step)})`;
      await world.apply(step);
      counts.operations++;
      if (step.quiet) {
        await world.stepDone();
        continue;
      }
      await reads.compare(`after ${at}`, i + 1);
      if (reads.problems.some(isFailure)) {
        const left = sequence.steps.length - i - 1;
        return left > 0 ? [...reads.problems, `(the ${left} later steps were not run)`] : reads.problems;
      }
      await world.stepDone();
    }
    at = 'the final flush';
    await world.settle();
    await reads.compare('after the final flush', sequence.steps.length + 1);
    return reads.problems;
  };
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<string[]>((resolve) => {
    timer = setTimeout(
      () => resolve([...reads.problems, `the sequence hung at ${at}: not done after ${SEQUENCE_LIMIT_MS} ms`]),
      SEQUENCE_LIMIT_MS,
    );
  });
  try {
    return await Promise.race([steps(), hung]);
  } finally {
    clearTimeout(timer);
    await world.close();
  }
}

export function describeSequence(model: ExplorerModel, sequence: Sequence): string {
  return [
    `model #${sequence.model}${sequence.noModel ? ', process C cannot read it' : ''}:`,
    model.dsl.trimEnd(),
    ...sequence.steps.map((s, i) => `  ${i + 1}. ${describeStep(model, sequence, s)}${s.quiet ? ' (no reads after it)' : ''}`),
  ].join('\n');
}

function describeStep(model: ExplorerModel, sequence: Sequence, step: Step): string {
  const t = (i: number) => keyOf(model.tuples[sequence.tuples[i]]);
  const by = (p: number) => ` by ${'ABC'[p]}`;
  switch (step.kind) {
    case 'grant':
      return `grant ${t(step.t)}${step.form === 'plain' ? '' : ` if flag=${step.form}`}${by(step.by)}`;
    case 'revoke':
      return `revoke ${t(step.t)}${by(step.by)}`;
    case 'grantMany':
      return `grantMany [${step.grants.map((g) => `${t(g.t)}${g.form === 'plain' ? '' : ` if flag=${g.form}`}`).join('; ')}]${by(step.by)}`;
    case 'bulk':
      return `grantMany of ${step.size} like ${t(step.t)} on objects z0..z${step.size - 1}${by(step.by)}`;
    case 'flush':
      return `flush${by(step.by)}`;
    case 'partialFlush':
      return `B writes only [${step.ts.map(t).join('; ')}]`;
    case 'stall':
      return `B claims the ${step.size} oldest ops and its writer freezes${step.steps > 0 ? ` for the next ${step.steps} steps` : ''}, then writes them late`;
    case 'outage':
      return `OpenFGA unreachable for this step${step.steps > 0 ? ` and the next ${step.steps}` : ''}`;
  }
}
