/**
 * The set-up commands a newcomer starts with, on the real OpenFGA: `store
 * create` prints a store id, `model write` writes a `.fga` model to it and
 * prints the model id, and the module runs on those ids. Neither needs Redis.
 */
import { OpenFgaClient } from '@openfga/sdk';
import { join } from 'node:path';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { PROJECT_ROOT } from '../support/harness/servers';
import { openService } from '../support/harness/service';
import { runBin } from '../support/processes/run-bin';

const MODEL = join(PROJECT_ROOT, 'test', 'fixtures', 'model.fga');

describe('CLI set-up: store create, model write', () => {
  it('creates a store, writes a model, and the module runs on the ids they print', async () => {
    const { apiUrl } = serverEnv();
    const created = await runBin(['store', 'create', 'cli-setup'], { OPENFGA_API_URL: apiUrl });
    expect({ code: created.code, stderr: created.stderr }).toMatchObject({
      code: 0,
      stderr: expect.stringMatching(/Created store "cli-setup"/),
    });
    const storeId = /^OPENFGA_STORE_ID=(\w{26})$/m.exec(created.stdout)?.[1];
    expect(storeId).toBeDefined();
    // With a trailing slash, as env files often have it (every request was a 404 before).
    const written = await runBin(['model', 'write', MODEL], { OPENFGA_API_URL: `${apiUrl}/`, OPENFGA_STORE_ID: storeId! });
    expect(written.code).toBe(0);
    const modelId = /^OPENFGA_MODEL_ID=(\w{26})$/m.exec(written.stdout)?.[1];
    expect(modelId).toBeDefined();
    const read = await new OpenFgaClient({ apiUrl, storeId }).readAuthorizationModel({ authorizationModelId: modelId });
    expect(read.authorization_model?.type_definitions.map((t) => t.type)).toEqual(['user', 'group', 'folder', 'document']);

    const s = openService(testOptions({ storeId: storeId!, modelId: modelId! }));
    try {
      await s.ready();
      await s.service.grant('user:anne', 'owner', 'document:readme');
      expect(await s.service.check('user:anne', 'viewer', 'document:readme')).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('says which variable is missing or wrong, and what a bad model file is', async () => {
    const { apiUrl } = serverEnv();
    const noUrl = await runBin(['store', 'create', 'x'], {});
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/OPENFGA_API_URL must be the OpenFGA HTTP API URL/);
    const noStore = await runBin(['model', 'write', MODEL], { OPENFGA_API_URL: apiUrl });
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toMatch(/OPENFGA_STORE_ID must be a store id/);
    const { storeId } = await freshStore('cli-setup-bad');
    const bad = await runBin(['model', 'write', join(PROJECT_ROOT, 'package.json')], {
      OPENFGA_API_URL: apiUrl,
      OPENFGA_STORE_ID: storeId,
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/must hold an authorization model/);
    const usage = await runBin(['store', 'drop', 'x'], { OPENFGA_API_URL: apiUrl });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/usage: nestjs-openfga store create <name>/);
  });
});
