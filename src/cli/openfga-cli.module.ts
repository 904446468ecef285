import { Module } from '@nestjs/common';
import { OpenFgaCacheClearCommand } from './cache-clear.command';
import { OpenFgaCacheFlushCommand } from './cache-flush.command';
import { OpenFgaCacheStatusCommand } from './cache-status.command';
import { OpenFgaCliConsole } from './cli-console';
import { OpenFgaDeadLetterListCommand } from './dead-letter-list.command';
import { OpenFgaDeadLetterPurgeCommand } from './dead-letter-purge.command';
import { OpenFgaDeadLetterRetryCommand } from './dead-letter-retry.command';
import { OpenFgaDeadLetterCommand } from './dead-letter.command';
import { OpenFgaModelCliModule } from './openfga-model-cli.module';
import { OpenFgaTuplesImportCommand } from './tuples-import.command';
import { OpenFgaTuplesCommand } from './tuples.command';

/**
 * The OpenFGA operator commands for a host app's nest-commander CLI:
 * `openfga:cache:status`, `openfga:cache:flush`, `openfga:cache:clear` and
 * `openfga:dead-letter list|retry|purge`, `tuples import`, and `model types` (from
 * `OpenFgaModelCliModule`, which needs nothing else). Needs `OpenFgaModule` in
 * the same application; give it `autoFlush: false` and `flushOnShutdown: false`,
 * so a command never flushes behind your back. With several connections, each
 * command takes `--connection <name>` (default `default`), and
 * `openfga:cache:status --all-connections` shows them all.
 *
 * @example
 * @Module({ imports: [OpenFgaModule.forRoot({ ...options, autoFlush: false, flushOnShutdown: false }), OpenFgaCliModule] })
 * class CliModule {}
 * void CommandFactory.run(CliModule, ['warn', 'error']);
 */
@Module({
  imports: [OpenFgaModelCliModule],
  providers: [
    OpenFgaCliConsole,
    OpenFgaCacheStatusCommand,
    OpenFgaCacheFlushCommand,
    OpenFgaCacheClearCommand,
    OpenFgaDeadLetterCommand,
    OpenFgaDeadLetterListCommand,
    OpenFgaDeadLetterRetryCommand,
    OpenFgaDeadLetterPurgeCommand,
    OpenFgaTuplesCommand,
    OpenFgaTuplesImportCommand,
  ],
})
export class OpenFgaCliModule {}
