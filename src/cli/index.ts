/** The CLI's public surface (the bin itself is `bin.ts`). */
export { OpenFgaCliModule } from './openfga-cli.module';
export type { ConnectionCommandOptions } from './openfga-cli-command';
export { OpenFgaCacheStatusCommand } from './cache-status.command';
export type { CacheStatusCommandOptions } from './cache-status.command';
export { OpenFgaCacheFlushCommand } from './cache-flush.command';
export type { CacheFlushCommandOptions } from './cache-flush.command';
export { OpenFgaCacheClearCommand } from './cache-clear.command';
export type { CacheClearCommandOptions } from './cache-clear.command';
export { OpenFgaDeadLetterCommand } from './dead-letter.command';
export { OpenFgaDeadLetterListCommand } from './dead-letter-list.command';
export type { DeadLetterListCommandOptions } from './dead-letter-list.command';
export { OpenFgaDeadLetterRetryCommand } from './dead-letter-retry.command';
export { OpenFgaDeadLetterPurgeCommand } from './dead-letter-purge.command';
export type { DeadLetterPurgeCommandOptions } from './dead-letter-purge.command';
export { OpenFgaCliExitCode } from './exit-codes';
export { OPENFGA_CLI_ENV, OpenFgaCliConfigError, readCliEnv } from './cli-env';
export type { OpenFgaCliEnvConfig, OpenFgaCliEnvName } from './cli-env';
