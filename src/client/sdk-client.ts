import { OpenFgaClient } from '@openfga/sdk';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import type { OpenFgaAgents } from './openfga-agents';
import { sdkConfiguration } from './sdk-configuration';

/**
 * An @openfga/sdk `OpenFgaClient` on the configured store, model and
 * credentials (the SDK's retries off, as everywhere in the module). It talks
 * to OpenFGA directly: it does not see the write buffer.
 */
export function createSdkClient(
  options: Pick<ResolvedOpenFgaOptions, 'apiUrl' | 'credentials' | 'storeId' | 'authorizationModelId'>,
  agents: OpenFgaAgents,
): OpenFgaClient {
  return new OpenFgaClient({
    ...sdkConfiguration(options, agents),
    storeId: options.storeId,
    ...(options.authorizationModelId ? { authorizationModelId: options.authorizationModelId } : {}),
  });
}
