import { ClientConfiguration, OpenFgaClient } from '@openfga/sdk';
import { OpenFgaAgents } from '../../../src/client/openfga-agents';

/**
 * One set of keep-alive connections for every SDK client the tests make: a
 * client of its own per call would leave its idle connections open for the
 * rest of the run (the SDK never closes them, OpenFGA keeps them), which a
 * long run turns into EMFILE.
 */
const shared = new OpenFgaAgents();

/** An @openfga/sdk client over the tests' shared connections. */
export function sdkClient(
  config: ClientConfiguration | { apiUrl: string; storeId?: string; authorizationModelId?: string },
): OpenFgaClient {
  return new OpenFgaClient({ ...config, baseOptions: shared.baseOptions });
}
