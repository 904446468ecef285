/** Creates an OpenFGA store and writes an authorization model from a DSL file. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenFgaClient } from '@openfga/sdk';
import { transformer } from '@openfga/syntax-transformer';
import { PROJECT_ROOT } from './servers';
import { sdkClient } from './sdk';

export const DEFAULT_MODEL = join(PROJECT_ROOT, 'test', 'fixtures', 'model.fga');

export interface TestStore {
  storeId: string;
  modelId: string;
}

export async function createStore(apiUrl: string, name: string, modelFile = DEFAULT_MODEL): Promise<TestStore> {
  const admin = sdkClient({ apiUrl });
  const { id: storeId } = await admin.createStore({ name });
  const model = transformer.transformDSLToJSONObject(readFileSync(modelFile, 'utf8'));
  const scoped = sdkClient({ apiUrl, storeId });
  const { authorization_model_id: modelId } = await scoped.writeAuthorizationModel(
    model as Parameters<OpenFgaClient['writeAuthorizationModel']>[0],
  );
  return { storeId, modelId };
}
