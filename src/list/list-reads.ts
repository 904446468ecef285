import type { OpenFgaClient } from '@openfga/sdk';
import type { FgaClient } from '../client/fga-client';
import type { OpenFgaAgents } from '../client/openfga-agents';
import { createSdkClient } from '../client/sdk-client';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import type { ReadEngine } from '../read/read-engine';
import { FgaLists } from './fga-lists';
import { ListResolver } from './list-resolver';

/** The SDK client on the configured store and model (read, expand), and the list reads over the read engine. */
export class ListReads {
  readonly resolver: ListResolver;
  private sdkClient?: OpenFgaClient;

  constructor(
    private readonly options: ResolvedOpenFgaOptions,
    engine: ReadEngine,
    client: FgaClient,
    private readonly agents: OpenFgaAgents,
  ) {
    this.resolver = new ListResolver(options, engine, new FgaLists(client));
  }

  /** Built on first use: most apps never call read or expand. */
  get sdk(): OpenFgaClient {
    return (this.sdkClient ??= createSdkClient(this.options, this.agents));
  }
}
