import { freshStore, testOptions } from '../../support/env';
import { openService } from '../../support/service';
it('repro', async () => {
  const store = await freshStore('repro');
  const { service, core, close } = openService(testOptions(store));
  try {
    await service.grant('user:a', 'owner', 'document:1');
    console.log('c1', await service.check('user:a', 'owner', 'document:1'));
    await service.revoke('user:a', 'viewer', 'document:1');
    console.log('pending', JSON.stringify(await service.getPendingOperations()));
    console.log('lookup', JSON.stringify(await core.cache.lookup({ user: 'user:a', relation: 'viewer', object: 'document:1' }, store.modelId)));
    console.log('c2', await service.check('user:a', 'viewer', 'document:1'));
  } finally { await close(); }
});
