import { Command, Option } from 'nest-commander';
import { type FlushResult, operationsProcessed } from '../flush/flush-result';
import { OpenFgaCliUsageError } from './cli-errors';
import { formatDuration, formatFlushCounts, plural, retryingNote } from './cli-format';
import { OpenFgaCliExitCode } from './exit-codes';
import { ConnectionCommandOptions, OpenFgaCliCommand } from './openfga-cli-command';

/** Options of `openfga:cache:flush`. */
export interface CacheFlushCommandOptions extends ConnectionCommandOptions {
  /** Stop claiming new batches after this many seconds. */
  timeout?: number;
  /** Print the flush result as JSON. */
  json?: boolean;
}

/**
 * `openfga:cache:flush [--timeout <seconds>] [--json] [--connection <name>]`: writes what is pending
 * to OpenFGA now, with a progress display on stderr. Exits with
 * {@link OpenFgaCliExitCode.Failed} when any operation failed (stays buffered,
 * retried with backoff) or was dead-lettered.
 *
 * @example
 * nestjs-openfga openfga:cache:flush --timeout 30
 * nestjs-openfga openfga:cache:flush --connection billing
 */
@Command({
  name: 'openfga:cache:flush',
  description: 'Write pending operations to OpenFGA now; exits non-zero when any failed or was dead-lettered',
})
export class OpenFgaCacheFlushCommand extends OpenFgaCliCommand<CacheFlushCommandOptions> {
  @Option({
    flags: '-t, --timeout <seconds>',
    description: 'stop claiming new batches after this many seconds (batches already sent finish); the rest stays buffered',
  })
  parseTimeout(value: string): number {
    const seconds = Number(value);
    if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
      throw new OpenFgaCliUsageError('--timeout must be a positive number of seconds, e.g. 30 or 0.5');
    }
    return seconds;
  }

  @Option({ flags: '--json', description: 'print the flush result as JSON on stdout (progress stays on stderr)' })
  parseJson(): boolean {
    return true;
  }

  protected async execute(_params: string[], { timeout, json }: CacheFlushCommandOptions): Promise<OpenFgaCliExitCode> {
    // Ops waiting out a retry backoff count too: a flush that reaches OpenFGA writes them (see Flusher).
    const before = await this.openfga.backlog();
    const expected = before.pending.total + before.retrying;
    const progress = this.console.progress();
    progress.update(`Flushing ${plural(expected, 'pending operation')}${retryingNote(before.retrying, expected)}…`);
    let result: FlushResult;
    try {
      result = await this.openfga.flush({
        timeoutMs: timeout === undefined ? undefined : Math.round(timeout * 1000),
        onProgress: (p) => progress.update(renderProgress(p, expected)),
      });
    } finally {
      progress.done();
    }
    const after = await this.openfga.backlog();
    const incomplete = result.failed > 0 || result.deadLettered > 0;

    if (json) {
      this.console.out(JSON.stringify(result, null, 2));
    } else {
      this.console.out(
        operationsProcessed(result) === 0
          ? 'Nothing to flush.'
          : `Flushed in ${formatDuration(result.durationMs)}: ${formatFlushCounts(result)}.`,
      );
      if (result.queued) {
        this.console.out(
          `Queue mode: ${plural(result.queued, 'operation')} handed to ${plural(result.jobs ?? 0, 'BullMQ job')}; workers write them.`,
        );
      }
    }
    if (result.failed > 0) {
      this.console.err(
        `${plural(result.failed, 'operation')} could not be written${result.error ? ` (${result.error})` : ''}; ` +
          'they stay buffered and are retried with backoff.',
      );
    }
    if (result.deadLettered > 0) {
      this.console.err(
        `${plural(result.deadLettered, 'operation')} rejected by OpenFGA and dead-lettered; see them with "openfga:dead-letter list".`,
      );
    }
    if (after.pending.total > 0 && !incomplete) {
      const why = timeout !== undefined ? ' (timeout reached, or enqueued meanwhile)' : ' (enqueued meanwhile)';
      this.console.err(`${plural(after.pending.total, 'operation')} still pending${why}.`);
    }
    return incomplete ? OpenFgaCliExitCode.Failed : OpenFgaCliExitCode.Ok;
  }
}

function renderProgress(p: FlushResult, expected: number): string {
  const done = operationsProcessed(p);
  const queued = p.queued ? `, ${p.queued} queued` : '';
  return `Flushing: ${done}/${Math.max(done, expected)} (${formatFlushCounts(p)}${queued}) ${formatDuration(p.durationMs)}`;
}
