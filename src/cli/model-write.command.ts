import { CommandRunner, SubCommand } from 'nest-commander';
import { OpenFgaClient } from '@openfga/sdk';
import { sdkConfiguration } from '../client/sdk-configuration';
import { OpenFgaCliConsole } from './cli-console';
import { OpenFgaCliConfigError, readSetupEnv } from './cli-env';
import { OpenFgaCliError } from './cli-errors';
import { OpenFgaCliExitCode } from './exit-codes';
import { readModelFile } from './model-source';

/**
 * `model write <model.fga|model.json>`: validates the model and writes it to
 * the store OPENFGA_STORE_ID on OPENFGA_API_URL; prints
 * `OPENFGA_MODEL_ID=<id>` (stdout) for the module's `authorizationModelId`.
 * Needs no Redis.
 *
 * @example
 * OPENFGA_API_URL=http://127.0.0.1:8080 OPENFGA_STORE_ID=01H… npx nestjs-openfga model write model.fga
 */
@SubCommand({
  name: 'write',
  arguments: '<model>',
  description: 'Write a .fga (or .json) model to the store OPENFGA_STORE_ID and print its id',
})
export class OpenFgaModelWriteCommand extends CommandRunner {
  constructor(private readonly console: OpenFgaCliConsole) {
    super();
  }

  async run([path]: string[]): Promise<void> {
    try {
      const env = readSetupEnv(process.env, true);
      const model = await readModelFile(path);
      const client = new OpenFgaClient({ ...sdkConfiguration({ apiUrl: env.apiUrl, credentials: env.credentials }), storeId: env.storeId });
      const written = await client.writeAuthorizationModel(model as unknown as Parameters<OpenFgaClient['writeAuthorizationModel']>[0]);
      this.console.out(`OPENFGA_MODEL_ID=${written.authorization_model_id}\n`);
      this.console.err(
        `Wrote ${model.type_definitions.length} types to store ${env.storeId}: set authorizationModelId (or OPENFGA_MODEL_ID) to ${written.authorization_model_id}`,
      );
    } catch (err) {
      this.console.err(`error: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode =
        err instanceof OpenFgaCliConfigError
          ? OpenFgaCliExitCode.Usage
          : err instanceof OpenFgaCliError
            ? err.exitCode
            : OpenFgaCliExitCode.Failed;
    }
  }
}
