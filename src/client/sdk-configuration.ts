import { CredentialsMethod, UserConfigurationParams } from '@openfga/sdk';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import type { OpenFgaAgents } from './openfga-agents';

/**
 * @openfga/sdk configuration from module options. The SDK's own retries are
 * off: the buffer retries with backoff and never loses the operation meanwhile.
 * With `agents`, requests go over the owner's connections (every request takes
 * `baseOptions`), which it closes; otherwise over agents the SDK never closes.
 */
export function sdkConfiguration(
  options: Pick<ResolvedOpenFgaOptions, 'apiUrl' | 'credentials'>,
  agents?: OpenFgaAgents,
): UserConfigurationParams {
  const config: UserConfigurationParams = { apiUrl: options.apiUrl, retryParams: { maxRetry: 0 } };
  if (agents) config.baseOptions = agents.baseOptions;
  if (options.credentials?.method === 'api_token') {
    config.credentials = { method: CredentialsMethod.ApiToken, config: { token: options.credentials.config.token } };
  } else if (options.credentials?.method === 'client_credentials') {
    config.credentials = { method: CredentialsMethod.ClientCredentials, config: options.credentials.config };
  }
  return config;
}
