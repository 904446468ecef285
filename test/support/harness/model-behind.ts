/**
 * Poison tuples for the dead-letter tests, now that a write the model forbids is refused in the call.
 * What still reaches OpenFGA and is refused there: a write checked against a model that changed before
 * its flush. `openServiceBehindModel` reproduces it: the service reads `model-lenient.fga` (model.fga plus
 * every name the poison tests use), then the store's latest model becomes model.fga again. Unpinned, the
 * service keeps the lenient graph (no refresh during a test) while its flushes write against the latest
 * model, which rejects those tuples with OpenFGA's own message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpenFgaClient } from '@openfga/sdk';
import { transformer } from '@openfga/syntax-transformer';
import type { OpenFgaModuleOptions } from '../../../src';
import { serverEnv, testOptions } from './env';
import { PROJECT_ROOT } from './servers';
import { openService, type OpenService } from './service';
import { DEFAULT_MODEL, type TestStore } from './store';

export const LENIENT_MODEL = join(PROJECT_ROOT, 'test', 'fixtures', 'model-lenient.fga');

/** Writes a DSL model file as the store's latest; returns its id. */
export async function writeModelFile(storeId: string, file: string): Promise<string> {
  const client = new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId });
  const model = transformer.transformDSLToJSONObject(readFileSync(file, 'utf8')) as Parameters<OpenFgaClient['writeAuthorizationModel']>[0];
  return (await client.writeAuthorizationModel(model)).authorization_model_id;
}

/**
 * Step one, before a process starts: the lenient model becomes the store's latest. Returns the options
 * the process must start with: unpinned, and no model refresh during a test.
 */
export async function lenientModelFirst(store: TestStore): Promise<Partial<OpenFgaModuleOptions>> {
  await writeModelFile(store.storeId, LENIENT_MODEL);
  return { authorizationModelId: undefined, modelRefreshInterval: 3600 };
}

/** Step two, once the process read the lenient model: model.fga is the store's latest again; returns its id. */
export function fixtureModelAgain(store: TestStore): Promise<string> {
  return writeModelFile(store.storeId, DEFAULT_MODEL);
}

/**
 * A service on `store` that acknowledges the poison tuples of `model-lenient.fga` and whose flushes
 * dead-letter them. The store's latest model is model.fga again when it resolves (`latestModelId`).
 */
export async function openServiceBehindModel(
  store: TestStore,
  overrides: Partial<OpenFgaModuleOptions> = {},
): Promise<OpenService & { latestModelId: string }> {
  const lenient = await lenientModelFirst(store);
  const open = openService(testOptions(store, { changeFeed: { enabled: false }, ...overrides, ...lenient }));
  await open.ready();
  return { ...open, latestModelId: await fixtureModelAgain(store) };
}
