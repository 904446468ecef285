/**
 * What the read explorer does, as fast-check values that shrink: a sequence
 * picks a model of the pool, whether its third process can read that model,
 * a few tuples of the model's universe, and steps over them.
 */
import fc from 'fast-check';
import type { GrantForm } from './explorer-model';

/** Which process acts: 0 and 1 read the model; 2 is the one that may not (see ExplorerWorld). */
export type ProcessIndex = 0 | 1 | 2;

/**
 * `t` indexes the sequence's tuples (`Sequence.tuples`). A `quiet` step is not followed by reads: reads
 * write first what they depend on, so without quiet steps pending states never grow past one step.
 */
export type Step = StepKind & { quiet?: boolean };

type StepKind =
  | { kind: 'grant'; t: number; form: GrantForm; by: ProcessIndex }
  | { kind: 'revoke'; t: number; by: ProcessIndex }
  | { kind: 'grantMany'; grants: { t: number; form: GrantForm }[]; by: ProcessIndex }
  /** `size` grants like tuple `t` on objects outside the universe (`<type>:z<n>`): relevant ops in bulk. */
  | { kind: 'bulk'; t: number; size: number; by: ProcessIndex }
  | { kind: 'flush'; by: ProcessIndex }
  /** Process 1 writes the ops of these tuples only (a priority claim beside everyone else). */
  | { kind: 'partialFlush'; ts: number[] }
  /**
   * Process 1 claims the `size` oldest ops and its writer freezes during the next `steps` steps, then
   * writes its batch late (as one that passed its lease check just before it froze) and settles it.
   */
  | { kind: 'stall'; size: number; steps: number }
  /** OpenFGA becomes unreachable for every process (not for the mirror) during the next `steps` steps. */
  | { kind: 'outage'; steps: number };

export interface Sequence {
  model: number;
  /** Process 2 cannot read the model (it reads store-wide). */
  noModel: boolean;
  /** Indices into the model's universe tuples. */
  tuples: number[];
  steps: Step[];
  /** Picks the extra checks and lists each comparison makes (besides the ones the step changed). */
  sample: number;
}

export interface SequenceSizes {
  models: number;
  /** Universe tuples each sequence works on: few, so chains (a group in a group, a parent of a parent) form often. */
  tuples: { min: number; max: number };
  steps: { min: number; max: number };
  /** Sizes of a bulk grant: small ones reach the thresholds set small; a large one the default thresholds. */
  bulkSizes: readonly number[];
  /** The grant forms drawn (default all: unconditional, condition false, condition true). */
  forms?: readonly GrantForm[];
}

/**
 * A model's universe split into links (a userset or an object as the user: group nesting, parents) and
 * leaves (a plain user or a wildcard), so each sequence holds both and chains form often.
 */
export interface UniverseShape {
  links: readonly number[];
  leaves: readonly number[];
}

export function sequenceArb(universes: readonly UniverseShape[], sizes: SequenceSizes): fc.Arbitrary<Sequence> {
  const by = fc.constantFrom<ProcessIndex>(0, 1, 2);
  const form = fc.constantFrom<GrantForm>(...(sizes.forms ?? ['plain', 'false', 'true']));
  const half = (n: number) => Math.ceil(n / 2);
  const some = (items: readonly number[]) =>
    fc.shuffledSubarray([...items], {
      minLength: Math.min(half(sizes.tuples.min), items.length),
      maxLength: Math.min(half(sizes.tuples.max), items.length),
    });
  return fc.record({ model: fc.nat(sizes.models - 1), noModel: fc.boolean(), sample: fc.nat() }).chain(({ model, noModel, sample }) =>
    fc
      .tuple(some(universes[model].links), some(universes[model].leaves))
      .map(([links, leaves]) => [...links, ...leaves])
      .chain((tuples) => {
        const t = fc.nat(tuples.length - 1);
        const kind: fc.Arbitrary<StepKind> = fc.oneof(
          { weight: 8, arbitrary: fc.record({ kind: fc.constant('grant' as const), t, form, by }) },
          { weight: 7, arbitrary: fc.record({ kind: fc.constant('revoke' as const), t, by }) },
          {
            weight: 2,
            arbitrary: fc.record({
              kind: fc.constant('grantMany' as const),
              grants: fc.array(fc.record({ t, form }), { minLength: 2, maxLength: 4 }),
              by,
            }),
          },
          {
            weight: 2,
            arbitrary: fc.record({ kind: fc.constant('bulk' as const), t, size: fc.constantFrom(...sizes.bulkSizes), by }),
          },
          { weight: 2, arbitrary: fc.record({ kind: fc.constant('flush' as const), by }) },
          {
            weight: 2,
            arbitrary: fc.record({ kind: fc.constant('partialFlush' as const), ts: fc.uniqueArray(t, { minLength: 1, maxLength: 3 }) }),
          },
          {
            weight: 2,
            arbitrary: fc.record({
              kind: fc.constant('stall' as const),
              size: fc.integer({ min: 1, max: 3 }),
              steps: fc.integer({ min: 0, max: 2 }),
            }),
          },
          { weight: 1, arbitrary: fc.record({ kind: fc.constant('outage' as const), steps: fc.integer({ min: 0, max: 2 }) }) },
        );
        const step: fc.Arbitrary<Step> = fc.tuple(kind, fc.nat(3)).map(([k, quiet]) => (quiet === 3 ? { ...k, quiet: true } : k));
        return fc.record({
          model: fc.constant(model),
          noModel: fc.constant(noModel),
          tuples: fc.constant(tuples),
          steps: fc.array(step, { minLength: sizes.steps.min, maxLength: sizes.steps.max, size: 'max' }),
          sample: fc.constant(sample),
        });
      }),
  );
}
