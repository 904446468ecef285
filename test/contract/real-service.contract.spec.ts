/**
 * The contract on the real service, on the real servers: a fresh store and key prefix per test; two connections
 * are two `OpenFgaModule.forRoot` in one Nest app, each on a store of its own, under the same key prefix.
 */
import { Test } from '@nestjs/testing';
import { getOpenFgaServiceToken, OpenFgaModule, OpenFgaService } from '../../src';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { createStore } from '../support/harness/store';
import { openService } from '../support/harness/service';
import { openFgaServiceContract } from './openfga-service.contract';

describe('OpenFgaService contract: the real service', () => {
  // The latest model (no pinned id, as the fake has none) and no change feed (the fake has no OpenFGA to poll).
  const asTheFake = { authorizationModelId: undefined, changeFeed: { enabled: false } };
  openFgaServiceContract(
    async (modelFile) => {
      const store = modelFile
        ? await createStore(serverEnv().apiUrl, `contract-${Date.now() % 100000}`, modelFile)
        : await freshStore('contract');
      const { service, core, close, ready } = openService(testOptions(store, asTheFake));
      await ready();
      return { service, close, bufferPoison: (kind, tuples) => core.buffer.enqueue(tuples.map((t) => ({ kind, ...t }))) };
    },
    async () => {
      const [main, billing] = await Promise.all([freshStore('contract-main'), freshStore('contract-billing')]);
      const options = testOptions(main, asTheFake);
      const app = await Test.createTestingModule({
        imports: [
          OpenFgaModule.forRoot(options),
          OpenFgaModule.forRoot({ name: 'billing', ...testOptions(billing, { ...asTheFake, prefix: options.prefix }) }),
        ],
      }).compile();
      await app.init();
      return {
        main: app.get(OpenFgaService),
        billing: app.get<OpenFgaService>(getOpenFgaServiceToken('billing')),
        close: () => app.close(),
      };
    },
  );
});
