/**
 * Start-up validation of @Check/@Grant/@Revoke names against the authorization
 * model, on the real servers: a typo fails app.init() naming the controller,
 * the handler and the name; a correct app starts; an unreadable model only warns.
 */
import { join } from 'node:path';
import { Controller, Get, INestApplication, LoggerService, Module, Post, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { InvalidDecoratorError, OpenFgaModule, OpenFgaModuleOptions } from '../../src';
import { Check, Grant, Revoke } from '../../src/http';
import { freePort } from '../support/harness/servers';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { createStore } from '../support/harness/store';
import { PROJECT_ROOT } from '../support/harness/servers';

const WRITE_RULES_MODEL = join(PROJECT_ROOT, 'test', 'fixtures', 'write-rules.fga');
import { DocumentsController, FoldersController } from './support/controllers';

@Controller('documents')
class TypoDocumentsController {
  @Get(':id')
  @Check('veiwer', 'document:{params.id}')
  show() {}
}

@Check('owner', 'fodler:{params.folder}')
@Controller('folders/:folder')
class TypoFoldersController {
  @Post()
  @Grant('viewer', 'document:{result.id}', { user: 'group:{body.team}#membr' })
  @Revoke('owner', 'document:{body.id}', { user: 'folder:{body.from}' })
  share() {}
}

/** Against test/fixtures/write-rules.fga: conditions and a relation defined only by rewrites. */
@Controller('reviews')
class ConditionTyposController {
  @Post(':id')
  @Grant('reviewer', 'document:{params.id}')
  review() {}

  @Post(':id/tag')
  @Grant('tagger', 'document:{params.id}', { user: 'group:{body.team}#member', condition: { name: 'in_regoin' } })
  tag() {}

  @Post(':id/share')
  @Grant('viewer', 'document:{params.id}', { condition: { name: 'in_region', context: { region: 'eu' } } })
  share() {}

  @Post(':id/view')
  @Grant('can_view', 'document:{params.id}')
  view() {}
}

@Controller('reviews')
class ConditionsController {
  @Post(':id')
  @Grant('reviewer', 'document:{params.id}', { condition: () => ({ name: 'in_region', context: { region: 'eu' } }) })
  review() {}

  @Post(':id/tag')
  @Grant('tagger', 'document:{params.id}', { user: 'group:{body.team}#member', condition: { name: 'in_region' } })
  tag() {}

  @Post(':id/share')
  @Grant('viewer', 'document:{params.id}')
  @Revoke('reviewer', 'document:{params.id}')
  share() {}
}

/** Collects what the app logs, to see the warning of a skipped validation. */
class Collected implements LoggerService {
  readonly warnings: string[] = [];
  log() {}
  error() {}
  warn(message: unknown) {
    this.warnings.push(String(message));
  }
}

describe('start-up validation of decorator names', () => {
  const apps: INestApplication[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  async function init(options: OpenFgaModuleOptions, controllers: Type<unknown>[], logger: LoggerService | false = false) {
    @Module({ controllers })
    class FeatureModule {}
    const moduleRef = await Test.createTestingModule({ imports: [OpenFgaModule.forRoot(options), FeatureModule] }).compile();
    const app = moduleRef.createNestApplication({ logger });
    apps.push(app);
    await app.init();
    return app;
  }

  it('fails app.init() on a @Check relation the type lacks, naming controller, handler and name', async () => {
    const store = await freshStore('validate-check');
    const failure = await init(testOptions(store), [TypoDocumentsController]).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(InvalidDecoratorError);
    expect((failure as InvalidDecoratorError).problems).toEqual([
      // OpenFGA returns a type's relations in name order.
      'TypoDocumentsController.show: @Check relation "veiwer" is not a relation of type "document" (document has: editor, owner, parent, viewer)',
    ]);
    expect((failure as Error).message).toContain(`authorization model ${store.modelId}`);
  });

  it('names every problem at once: class-level types, userset relations, user types a relation cannot take', async () => {
    const store = await freshStore('validate-all');
    const failure = (await init(testOptions(store), [TypoFoldersController]).catch((err: unknown) => err)) as InvalidDecoratorError;
    expect(failure).toBeInstanceOf(InvalidDecoratorError);
    expect(failure.problems).toEqual([
      'TypoFoldersController: @Check object "fodler:{params.folder}" names type "fodler", which is not in the authorization model (types: user, group, folder, document)',
      'TypoFoldersController.share: @Grant user "group:{body.team}#membr": "membr" is not a relation of type "group" (group has: member)',
      'TypoFoldersController.share: @Revoke user "folder:{body.from}" (folder) cannot be written to document#owner, which takes: user',
    ]);
    expect(failure.message).toMatch(/^3 decorators name what authorization model/);
  });

  it("checks @Grant's conditions and writable relations against the model's write rules", async () => {
    const store = await createStore(serverEnv().apiUrl, `validate-conditions-${Date.now() % 100000}`, WRITE_RULES_MODEL);
    const failure = (await init(testOptions(store), [ConditionTyposController]).catch((err: unknown) => err)) as InvalidDecoratorError;
    expect(failure).toBeInstanceOf(InvalidDecoratorError);
    expect(failure.problems).toEqual([
      'ConditionTyposController.review: @Grant has no condition, but document#reviewer takes any user only with one (in_region)',
      'ConditionTyposController.tag: @Grant condition "in_regoin" is not a condition of the authorization model',
      'ConditionTyposController.share: @Grant condition "in_region" is not one document#viewer takes for any user (it takes: none)',
      'ConditionTyposController.view: @Grant relation "can_view" of type "document" takes no direct tuples (it is computed only), so it cannot be written',
    ]);
    await expect(init(testOptions(store), [ConditionsController])).resolves.toBeDefined();
  });

  it('starts an app whose decorators all match the model', async () => {
    const store = await freshStore('validate-ok');
    const app = await init(testOptions(store), [DocumentsController, FoldersController]);
    expect(app.getHttpServer()).toBeDefined();
  });

  it('starts despite a typo with validateDecorators: false', async () => {
    const store = await freshStore('validate-off');
    await expect(init(testOptions(store, { validateDecorators: false }), [TypoDocumentsController])).resolves.toBeDefined();
  });

  it('skips with a warning, never blocking start, when the model cannot be read', async () => {
    const store = await freshStore('validate-unreadable');
    const logger = new Collected();
    // Nothing listens there: the model read fails, start-up goes on without the graph.
    const options = testOptions(store, { apiUrl: `http://127.0.0.1:${await freePort()}`, changeFeed: { enabled: false } });
    await init(options, [TypoDocumentsController], logger);
    expect(logger.warnings.filter((w) => w.includes('@Check/@Grant/@Revoke were not checked'))).toEqual([
      expect.stringContaining('the authorization model could not be read'),
    ]);
  });
});
