import { OpenFgaError } from '../errors/openfga.error';

/** A tuple file with tuples the module or the model refuses: each named by its line; nothing was buffered. */
export class TupleImportError extends OpenFgaError {
  override readonly name = 'TupleImportError';

  constructor(
    readonly path: string,
    /** How many tuples were refused (all of them, though `problems` lists only the first ones). */
    readonly refused: number,
    /** `line 12: <why>`, for the first refused tuples. */
    readonly problems: readonly string[],
  ) {
    super(
      `${path}: ${refused} tuple(s) refused, nothing was buffered:\n  ${problems.join('\n  ')}` +
        (refused > problems.length ? `\n  (and ${refused - problems.length} more)` : ''),
    );
  }
}
