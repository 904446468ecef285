import { OpenFgaApi } from '@openfga/sdk';
import { classifyError } from '../client/classify-error';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { OpenFgaAgents } from '../client/openfga-agents';
import { sdkConfiguration } from '../client/sdk-configuration';

/**
 * The cheapest request that proves OpenFGA serves this store with these
 * credentials: GetStore. The SDK's own retries are off; the caller bounds time.
 */
export class OpenFgaProbe {
  private readonly api: OpenFgaApi;
  private readonly agents = new OpenFgaAgents();

  constructor(private readonly options: Pick<ResolvedOpenFgaOptions, 'apiUrl' | 'storeId' | 'credentials'>) {
    this.api = new OpenFgaApi(sdkConfiguration(options, this.agents));
  }

  /** Closes its connections to OpenFGA. */
  close(): void {
    this.agents.destroy();
  }

  /** Resolves when OpenFGA answered; rejects with a message naming the cause (never the credentials). */
  async reach(timeoutMs: number): Promise<void> {
    try {
      await this.api.getStore(this.options.storeId, { timeout: timeoutMs });
    } catch (err) {
      const e = classifyError(err);
      throw new Error([e.status, e.code, e.message].filter((part) => part !== undefined && part !== '').join(' '));
    }
  }
}
