import type { OpenFgaClient } from '@openfga/sdk';
import type { WriteBuffer } from '../buffer/write-buffer';
import type { CheckCache } from '../cache/check-cache';
import type { FgaClient } from '../client/fga-client';
import { createSdkClient } from '../client/sdk-client';
import type { ConsistencyTokens } from '../consistency/consistency-token';
import type { Flusher } from '../flush/flusher';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { FgaLists } from './fga-lists';
import { ListResolver } from './list-resolver';

/** The parts of the core the list reads use. */
export interface ListReadParts {
  options: ResolvedOpenFgaOptions;
  cache: CheckCache;
  buffer: WriteBuffer;
  flusher: Flusher;
  tokens: ConsistencyTokens;
  client: FgaClient;
}

/** The SDK client on the configured store and model, and the list read path over it (built on first use). */
export class ListReads {
  readonly sdk: OpenFgaClient;
  readonly resolver: ListResolver;

  constructor({ options, cache, buffer, flusher, tokens, client }: ListReadParts) {
    this.sdk = createSdkClient(options);
    const fga = new FgaLists(client);
    this.resolver = new ListResolver({ options, cache, scope: buffer.scope, keys: buffer.keys, buffer, flusher, tokens, fga });
  }
}
