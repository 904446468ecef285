import { Command, CommandRunner } from 'nest-commander';
import { OpenFgaClient } from '@openfga/sdk';
import { sdkConfiguration } from '../client/sdk-configuration';
import { OpenFgaCliConsole } from './cli-console';
import { OpenFgaCliConfigError, readSetupEnv } from './cli-env';
import { OpenFgaCliExitCode } from './exit-codes';

/**
 * `store create <name>`: creates an OpenFGA store on OPENFGA_API_URL and
 * prints `OPENFGA_STORE_ID=<id>` (stdout), the id a newcomer pastes into the
 * module's `storeId`. Needs no Redis.
 *
 * @example
 * OPENFGA_API_URL=http://127.0.0.1:8080 npx nestjs-openfga store create my-app
 */
@Command({ name: 'store', arguments: '<action> <name>', description: 'Create an OpenFGA store (store create <name>) and print its id' })
export class OpenFgaStoreCommand extends CommandRunner {
  constructor(private readonly console: OpenFgaCliConsole) {
    super();
  }

  async run([action, name]: string[]): Promise<void> {
    if (action !== 'create' || !name?.trim()) {
      this.console.err('error: usage: nestjs-openfga store create <name>');
      process.exitCode = OpenFgaCliExitCode.Usage;
      return;
    }
    try {
      const env = readSetupEnv(process.env, false);
      const client = new OpenFgaClient(sdkConfiguration({ apiUrl: env.apiUrl, credentials: env.credentials }));
      const store = await client.createStore({ name: name.trim() });
      this.console.out(`OPENFGA_STORE_ID=${store.id}\n`);
      this.console.err(`Created store "${store.name}" on ${env.apiUrl}: set storeId (or OPENFGA_STORE_ID) to ${store.id}`);
    } catch (err) {
      this.console.err(`error: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = err instanceof OpenFgaCliConfigError ? OpenFgaCliExitCode.Usage : OpenFgaCliExitCode.Failed;
    }
  }
}
