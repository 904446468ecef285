import { Command, Option } from 'nest-commander';
import type { OpenFgaStatus } from '../openfga.service';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { formatDuration, formatFlushCounts, plural } from './cli-format';
import { OpenFgaCliExitCode } from './exit-codes';
import { OpenFgaCliCommand } from './openfga-cli-command';

/** Options of `openfga:cache:status`. */
export interface CacheStatusCommandOptions {
  /** Print the status object as JSON instead of a table. */
  json?: boolean;
}

/**
 * `openfga:cache:status [--json]`: pending operations (writes/deletes), age of
 * the oldest, in-flight and dead-lettered counts, and the last flush.
 *
 * @example
 * nestjs-openfga openfga:cache:status --json | jq .pending.total
 */
@Command({
  name: 'openfga:cache:status',
  description: 'Show the write-behind buffer: pending operations, oldest age, in flight, dead letters, last flush',
})
export class OpenFgaCacheStatusCommand extends OpenFgaCliCommand<CacheStatusCommandOptions> {
  @Option({ flags: '--json', description: 'print the status object as JSON' })
  parseJson(): boolean {
    return true;
  }

  protected async execute(_params: string[], { json }: CacheStatusCommandOptions): Promise<OpenFgaCliExitCode> {
    const status = await this.openfga.status();
    this.console.out(json ? JSON.stringify(status, null, 2) : renderStatus(status, this.options));
    return OpenFgaCliExitCode.Ok;
  }
}

interface RecordedFlush {
  writes: number;
  deletes: number;
  failed: number;
  deadLettered: number;
  durationMs: number;
  at?: string;
  error?: string;
}

function isRecordedFlush(value: unknown): value is RecordedFlush {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['writes', 'deletes', 'failed', 'deadLettered', 'durationMs'].every((k) => typeof v[k] === 'number');
}

function renderStatus(status: OpenFgaStatus, options: Pick<ResolvedOpenFgaOptions, 'storeId' | 'prefix'>): string {
  const { pending, oldestAgeMs, inFlight, deadLettered, lastFlush, ...rest } = status;
  const rows: [string, string][] = [
    ['pending', `${pending.total} (${plural(pending.writes, 'write')}, ${plural(pending.deletes, 'delete')})`],
    ['oldest pending', oldestAgeMs === null ? '-' : `${formatDuration(oldestAgeMs)} ago`],
    ['in flight', String(inFlight)],
    ['dead letters', String(deadLettered)],
    ['last flush', renderLastFlush(lastFlush)],
  ];
  // Fields added later (e.g. queue counts) are shown as they are.
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) rows.push([key, JSON.stringify(value)]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    `OpenFGA write-behind buffer of store ${options.storeId} (prefix "${options.prefix}")`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
  ].join('\n');
}

function renderLastFlush(lastFlush: unknown): string {
  if (lastFlush === null || lastFlush === undefined) return 'never';
  if (!isRecordedFlush(lastFlush)) return JSON.stringify(lastFlush);
  const when = lastFlush.at ? `${lastFlush.at}: ` : '';
  const error = lastFlush.error ? ` (last error: ${lastFlush.error})` : '';
  return `${when}${formatFlushCounts(lastFlush)} in ${formatDuration(lastFlush.durationMs)}${error}`;
}
