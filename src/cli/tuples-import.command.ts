import { ModuleRef, ModulesContainer } from '@nestjs/core';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { getOpenFgaCoreToken, getOpenFgaServiceToken } from '../connection/connection-tokens';
import type { OpenFgaCore } from '../core/openfga-core';
import { waitForImport } from '../import/import-wait';
import { moduleImportTarget, moduleImportWaitTarget } from '../import/module-import-target';
import { appConnections } from '../connection/app-connections';
import { tupleFileFormat, tupleFilePathProblem } from '../import/tuple-file';
import { ImportProgress, importTupleFile } from '../import/tuple-import';
import { TupleImportError, TupleImportStoppedError } from '../import/tuple-import.error';
import type { OpenFgaService } from '../openfga.service';
import { CliProgressLine, OpenFgaCliConsole } from './cli-console';
import { parseConnectionOption } from './connection-option';
import { OpenFgaCliError, OpenFgaCliUsageError } from './cli-errors';
import { formatDuration, plural } from './cli-format';
import { connectionList } from '../connection/connection-registry';
import { OpenFgaCliExitCode } from './exit-codes';

/** Options of `tuples import`. */
export interface TuplesImportCommandOptions {
  format?: string;
  chunk?: number;
  restart?: boolean;
  wait?: boolean;
  connection?: string;
}

/** Plain progress lines (no terminal) at most this often. */
const PLAIN_EVERY_MS = 2000;
/** The progress line of the import and of `--wait`: at most every 100 ms on a terminal, every `PLAIN_EVERY_MS` otherwise. */
function throttledProgress(console: OpenFgaCliConsole): CliProgressLine {
  const line = console.progress();
  const everyMs = process.stderr.isTTY === true ? 100 : PLAIN_EVERY_MS;
  let shownAt = 0;
  return {
    update(text: string) {
      const now = Date.now();
      if (now - shownAt < everyMs) return;
      shownAt = now;
      line.update(text);
    },
    done: () => line.done(),
  };
}

/**
 * `tuples import <file> [--format jsonl|csv|json|yaml] [--chunk n] [--restart] [--wait] [--connection name]`:
 * grants every tuple of a file through the buffer (README "Bulk import"). Every tuple is validated first
 * (bad ones named by line, nothing buffered); then `grantMany` in atomic calls, the place kept in Redis so
 * an interrupted import resumes; `--wait` then flushes until what was buffered up to its end is written (see import-wait.ts).
 *
 * @example
 * nestjs-openfga tuples import tuples.csv --wait
 */
@SubCommand({
  name: 'import',
  arguments: '<file>',
  description: 'Grant every tuple of a JSON lines, CSV, JSON or YAML file through the buffer (validated first; resumable)',
})
export class OpenFgaTuplesImportCommand extends CommandRunner {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly console: OpenFgaCliConsole,
    private readonly modules: ModulesContainer,
  ) {
    super();
  }

  @Option({ flags: '--format <format>', description: 'jsonl, csv, json or yaml (default: from the extension)' })
  parseFormat(value: string): string {
    return value;
  }

  @Option({ flags: '--chunk <n>', description: 'tuples per atomic grantMany (default 1000)' })
  parseChunk(value: string): number {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new OpenFgaCliUsageError('--chunk must be an integer from 1 to 10000');
    return n;
  }

  @Option({ flags: '--restart', description: 'start from the first tuple even if an interrupted import of this file was recorded' })
  parseRestart(): boolean {
    return true;
  }

  @Option({ flags: '--wait', description: 'then flush until OpenFGA has every tuple (exits non-zero if some failed)' })
  parseWait(): boolean {
    return true;
  }

  @Option({ flags: '--connection <name>', description: 'the OpenFgaModule connection to import into (default: the default one)' })
  parseConnection(value: string): string {
    return parseConnectionOption(value);
  }

  async run([path]: string[], options: TuplesImportCommandOptions = {}): Promise<void> {
    try {
      process.exitCode = await this.execute(path, options);
    } catch (err) {
      this.console.err(`error: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode =
        err instanceof OpenFgaCliError ? err.exitCode : err instanceof TypeError ? OpenFgaCliExitCode.Usage : OpenFgaCliExitCode.Failed;
    }
  }

  private async execute(path: string, options: TuplesImportCommandOptions): Promise<OpenFgaCliExitCode> {
    if (path === '-') throw new OpenFgaCliError((await tupleFilePathProblem(path))!, OpenFgaCliExitCode.Usage);
    const format = tupleFileFormat(path, options.format);
    const { service, core } = this.connection(options.connection);
    const pathProblem = await tupleFilePathProblem(path);
    if (pathProblem !== undefined) throw new OpenFgaCliError(pathProblem, OpenFgaCliExitCode.Usage);
    if (!core.model.graph) {
      this.console.err('warning: the authorization model could not be read: tuples are checked by form only, not by the model');
    }
    const progress = throttledProgress(this.console);
    const show = (p: ImportProgress) => progress.update(renderProgress(p));
    const target = moduleImportTarget(service, core);
    const waitTarget = moduleImportWaitTarget(service, core);
    // --wait checks the dead letters of what was buffered from here on (or from where the interrupted run it resumes began).
    const after = (await waitTarget.positions()).latest;
    let result;
    try {
      result = await importTupleFile(path, format, target, {
        chunk: options.chunk,
        restart: options.restart,
        after,
        onProgress: show,
      });
    } catch (err) {
      if (err instanceof TupleImportError || err instanceof TupleImportStoppedError) {
        throw new OpenFgaCliError(err.message, OpenFgaCliExitCode.Failed);
      }
      throw err;
    } finally {
      progress.done();
    }
    const resumed =
      result.resumedAt > 0
        ? ` (resumed after ${plural(result.resumedAt, 'tuple')} an interrupted import had buffered)`
        : result.staleResumeAt !== undefined
          ? ` (from the first: an interrupted import had saved its place after ${plural(result.staleResumeAt, 'tuple')}, ` +
            'but the buffer was cleared since, which may have discarded them)'
          : '';
    this.console.out(`Buffered ${plural(result.buffered, 'tuple')} of ${result.total}${resumed}.`);
    if (result.token) this.console.out(`Consistency token: ${result.token}`);
    if (!options.wait) return OpenFgaCliExitCode.Ok;
    const writing = throttledProgress(this.console);
    let outcome;
    try {
      outcome = await waitForImport(waitTarget, {
        after: result.after ?? after,
        clears: result.clears,
        onProgress: (outstanding, elapsedMs) =>
          writing.update(`Writing to OpenFGA: ${plural(outstanding, 'operation')} outstanding, ${formatDuration(elapsedMs)}`),
      });
    } finally {
      writing.done();
    }
    if (outcome.status === 'written') {
      this.console.out(`OpenFGA has every tuple (${formatDuration(outcome.durationMs)}).`);
      return OpenFgaCliExitCode.Ok;
    }
    this.console.err(
      outcome.status === 'cleared'
        ? 'error: the buffer was cleared (openfga:cache:clear) during the import or the wait: some of its tuples may have been ' +
            'discarded before they were written. Run the import again.'
        : `${plural(outcome.failed, 'operation')} failed (retried with backoff) and ${plural(outcome.deadLettered, 'operation')} dead-lettered; ` +
            'see "openfga:cache:status" and "openfga:dead-letter list".',
    );
    return OpenFgaCliExitCode.Failed;
  }

  private connection(name: string | undefined): { service: OpenFgaService; core: OpenFgaCore } {
    try {
      return {
        service: this.moduleRef.get<OpenFgaService>(getOpenFgaServiceToken(name), { strict: false }),
        core: this.moduleRef.get<OpenFgaCore>(getOpenFgaCoreToken(name), { strict: false }),
      };
    } catch {
      throw new OpenFgaCliError(
        `no OpenFgaModule connection "${name ?? 'default'}" in this app (registered: ${connectionList(appConnections(this.modules).keys())}): ` +
          `import OpenFgaModule.forRoot(${name ? `{ name: '${name}', ... }` : '...'}), or pass --connection <name>`,
        OpenFgaCliExitCode.Usage,
      );
    }
  }
}

function renderProgress(p: ImportProgress): string {
  if (p.phase === 'validating') return `Validating: ${p.done} tuples checked (${Math.round(p.ratePerSec)}/s)`;
  const eta = p.etaMs === undefined ? '' : `, ${formatDuration(p.etaMs)} left`;
  const pct = p.total ? ` ${Math.floor((100 * p.done) / p.total)}%` : '';
  return `Importing:${pct} ${p.done}/${p.total ?? '?'} tuples buffered, ${Math.round(p.ratePerSec)}/s${eta}`;
}
