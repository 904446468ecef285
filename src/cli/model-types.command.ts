import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { isDefaultConnection } from '../connection/connection-tokens';
import { renderModelTypes } from '../model/model-types-source';
import { OpenFgaCliError, OpenFgaCliUsageError } from './cli-errors';
import { OpenFgaCliConsole } from './cli-console';
import { parseConnectionOption } from './connection-option';
import { OpenFgaCliExitCode } from './exit-codes';
import { readModelFile } from './model-source';

/** Options of `model types`. */
export interface ModelTypesCommandOptions {
  /** Write the types to this file instead of stdout. */
  out?: string;
  /** The module the typed decorators are imported from. Default `nestjs-openfga`. */
  importFrom?: string;
  /** Only the model's types: no import and no typed decorators. */
  typesOnly?: boolean;
  /** The named connection the typed decorators are bound to. */
  connection?: string;
}

/**
 * `model types <model.fga|model.json> [--out file] [--import-from module] [--types-only] [--connection name]`:
 * TypeScript types of the model (`OpenFgaModel`, `ObjectType`, `Relation<T>`,
 * `ObjectId<T>`) and `Check`/`Grant`/`Revoke` bound to it, so a relation the
 * object's type lacks fails to compile.
 *
 * @example
 * nestjs-openfga model types model.fga --out src/openfga.types.ts
 */
@SubCommand({
  name: 'types',
  arguments: '<model>',
  description: 'Write TypeScript types of a .fga (or .json) model, with @Check/@Grant/@Revoke typed by it',
})
export class OpenFgaModelTypesCommand extends CommandRunner {
  constructor(private readonly console: OpenFgaCliConsole) {
    super();
  }

  @Option({ flags: '-o, --out <file>', description: 'write the types to this file (default: stdout)' })
  parseOut(value: string): string {
    if (!value.endsWith('.ts')) throw new OpenFgaCliUsageError(`--out must name a .ts file (received "${value}")`);
    return value;
  }

  @Option({ flags: '--import-from <module>', description: 'module the typed decorators come from (default: nestjs-openfga)' })
  parseImportFrom(value: string): string {
    if (value.trim() === '') throw new OpenFgaCliUsageError('--import-from must name a module, e.g. nestjs-openfga');
    return value;
  }

  @Option({ flags: '--types-only', description: 'only the model types: no import, no typed decorators' })
  parseTypesOnly(): boolean {
    return true;
  }

  @Option({ flags: '--connection <name>', description: 'bind the typed decorators to this named connection (one file per store model)' })
  parseConnection(value: string): string {
    return parseConnectionOption(value);
  }

  async run([path]: string[], options: ModelTypesCommandOptions = {}): Promise<void> {
    try {
      const model = await readModelFile(path);
      const source = renderModelTypes(model, {
        source: basename(path),
        ...(options.typesOnly ? {} : { importFrom: options.importFrom ?? 'nestjs-openfga' }),
        ...(options.connection === undefined || isDefaultConnection(options.connection) ? {} : { connection: options.connection }),
      });
      if (options.out === undefined) {
        this.console.out(source);
        return;
      }
      await mkdir(dirname(options.out), { recursive: true });
      await writeFile(options.out, source);
      this.console.err(`Wrote the types of ${model.type_definitions.length} types to ${options.out}`);
    } catch (err) {
      this.console.err(`error: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = err instanceof OpenFgaCliError ? err.exitCode : OpenFgaCliExitCode.Failed;
    }
  }
}
