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
    /**
     * `line 1: <why>` when the file as a whole cannot be read as tuples (not JSON, a bad CSV header,
     * empty): nothing after that place was read.
     */
    readonly fileProblem?: string,
  ) {
    super(
      fileProblem !== undefined && refused === 0
        ? `${path}: ${fileProblem}; nothing was buffered`
        : `${path}: ${refused} tuple(s) refused, nothing was buffered:\n  ${problems.join('\n  ')}` +
            (refused > problems.length ? `\n  (and ${refused - problems.length} more)` : '') +
            (fileProblem !== undefined ? `\n  ${fileProblem} (nothing after it was read)` : ''),
    );
  }
}

/** Why an import stopped after it had begun buffering. */
export type TupleImportStop =
  /** The file's bytes differ from those validated (edited, replaced, appended or truncated meanwhile). */
  | 'file-changed'
  /** A tuple validated a moment before was refused on the buffering pass (the model changed meanwhile). */
  | 'refused-on-second-pass'
  /** The buffer was cleared while the import ran: some of the tuples it buffered may be discarded. */
  | 'buffer-cleared';

/**
 * An import that stopped after it had begun buffering. What it buffered is
 * what it had validated; its saved place (if any) is true of the file it
 * validated. Run the import again.
 */
export class TupleImportStoppedError extends OpenFgaError {
  override readonly name = 'TupleImportStoppedError';

  constructor(
    readonly path: string,
    readonly reason: TupleImportStop,
    /** Tuples of the file buffered (by this run and any it resumed) when it stopped. */
    readonly buffered: number,
    readonly total: number,
    message: string,
  ) {
    super(message);
  }
}
