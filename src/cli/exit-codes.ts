/**
 * Exit codes of the OpenFGA CLI commands (and of the `nestjs-openfga` bin).
 *
 * @example
 * nestjs-openfga openfga:cache:flush || echo "flush incomplete: exit $?"
 */
export const OpenFgaCliExitCode = {
  /** Done. */
  Ok: 0,
  /** Something failed: a flush left failed or dead-lettered operations, Redis/OpenFGA errored, an id was not found. */
  Failed: 1,
  /** Bad configuration or invocation: a missing/invalid environment variable, option value or argument. */
  Usage: 2,
  /** A destructive command was not confirmed: `--force` missing without a terminal, or the prompt was declined. */
  NotConfirmed: 3,
} as const;

/** One of the {@link OpenFgaCliExitCode} values. */
export type OpenFgaCliExitCode = (typeof OpenFgaCliExitCode)[keyof typeof OpenFgaCliExitCode];
