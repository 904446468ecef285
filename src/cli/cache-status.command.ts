import { Command, Option } from 'nest-commander';
import type { OpenFgaStatus } from '../openfga.service';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { OpenFgaCliError, OpenFgaCliUsageError } from './cli-errors';
import { formatBuffer, formatDuration, formatFlushCounts, plural } from './cli-format';
import { OpenFgaCliExitCode } from './exit-codes';
import { ConnectionCommandOptions, OpenFgaCliCommand } from './openfga-cli-command';

/** Options of `openfga:cache:status`. */
export interface CacheStatusCommandOptions extends ConnectionCommandOptions {
  /** Print the status object as JSON instead of a table. */
  json?: boolean;
  /** Every connection of the app: one table each, or (with `json`) one object keyed by connection. */
  allConnections?: boolean;
}

/**
 * `openfga:cache:status [--json] [--connection <name> | --all-connections]`:
 * pending operations (writes/deletes), age of the oldest operation not yet
 * written to OpenFGA (pending or in flight), in-flight and dead-lettered
 * counts, and the last flush. `--all-connections` shows every
 * connection of the app; one whose status cannot be read is named on stderr
 * (the others are still shown) and the exit code is {@link OpenFgaCliExitCode.Failed}.
 *
 * @example
 * nestjs-openfga openfga:cache:status --json | jq .pending.total
 * my-app-cli openfga:cache:status --all-connections --json | jq '.billing.pending.total'
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

  @Option({
    flags: '--all-connections',
    description: 'every connection of the app: one table each (with --json, one object keyed by connection)',
  })
  parseAllConnections(): boolean {
    return true;
  }

  protected override targetsOneConnection({ allConnections }: CacheStatusCommandOptions): boolean {
    return !allConnections;
  }

  protected async execute(_params: string[], { json, allConnections, connection }: CacheStatusCommandOptions): Promise<OpenFgaCliExitCode> {
    if (!allConnections) {
      const status = await this.openfga.status();
      this.console.out(json ? JSON.stringify(status, null, 2) : renderStatus(status, this.options));
      return OpenFgaCliExitCode.Ok;
    }
    if (connection !== undefined) throw new OpenFgaCliUsageError('--all-connections and --connection cannot be combined: pick one');
    const names = this.connections();
    if (names.length === 0)
      throw new OpenFgaCliError('no OpenFGA connection is registered: import OpenFgaModule.forRoot()', OpenFgaCliExitCode.Usage);
    const read = await Promise.all(
      names.map(async (name) => {
        const { service, options } = this.connect(name);
        try {
          return { name, options, status: await service.status() };
        } catch (err) {
          this.console.err(`error: connection "${name}": ${err instanceof Error ? err.message : String(err)}`);
          return { name, options, status: undefined };
        }
      }),
    );
    const shown = read.filter((r): r is typeof r & { status: OpenFgaStatus } => r.status !== undefined);
    this.console.out(
      json
        ? JSON.stringify(Object.fromEntries(shown.map((r) => [r.name, r.status])), null, 2)
        : shown.map((r) => renderStatus(r.status, r.options, true)).join('\n\n'),
    );
    return shown.length === read.length ? OpenFgaCliExitCode.Ok : OpenFgaCliExitCode.Failed;
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

function renderStatus(
  status: OpenFgaStatus,
  options: Pick<ResolvedOpenFgaOptions, 'storeId' | 'prefix' | 'connection'>,
  showConnection = false,
): string {
  const { pending, oldestAgeMs, inFlight, deadLettered, lastFlush, ...rest } = status;
  const rows: [string, string][] = [
    ['pending', `${pending.total} (${plural(pending.writes, 'write')}, ${plural(pending.deletes, 'delete')})`],
    // Pending or in flight (being written, or waiting out a retry backoff): not yet in OpenFGA.
    ['oldest unwritten', oldestAgeMs === null ? '-' : `${formatDuration(oldestAgeMs)} ago`],
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
    `OpenFGA write-behind buffer of ${formatBuffer(options, showConnection)}`,
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
