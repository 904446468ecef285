/** The contract on the real service, on the real servers: a fresh store and key prefix per test. */
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { createStore } from '../support/harness/store';
import { openService } from '../support/harness/service';
import { openFgaServiceContract } from './openfga-service.contract';

describe('OpenFgaService contract: the real service', () => {
  openFgaServiceContract(async (modelFile) => {
    const store = modelFile
      ? await createStore(serverEnv().apiUrl, `contract-${Date.now() % 100000}`, modelFile)
      : await freshStore('contract');
    // The latest model (no pinned id, as the fake has none) and no change feed (the fake has no OpenFGA to poll).
    const { service, core, close, ready } = openService(
      testOptions(store, { authorizationModelId: undefined, changeFeed: { enabled: false } }),
    );
    await ready();
    return { service, close, bufferPoison: (kind, tuples) => core.buffer.enqueue(tuples.map((t) => ({ kind, ...t }))) };
  });
});
