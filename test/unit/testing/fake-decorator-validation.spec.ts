/** `OpenFgaTestingModule` with a `model` checks decorator names at start, as `OpenFgaModule` does against OpenFGA. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { transformer } from '@openfga/syntax-transformer';
import { InvalidDecoratorError } from '../../../src';
import { Check, Grant } from '../../../src/http';
import { FakeAuthorizationModel, OpenFgaTestingModule, OpenFgaTestingModuleOptions } from '../../../src/testing';

const model = transformer.transformDSLToJSONObject(
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'model.fga'), 'utf8'),
) as FakeAuthorizationModel;

@Controller('documents')
class TypoController {
  @Get(':id')
  @Check('veiwer', 'document:{params.id}')
  show() {}
}

@Controller('documents')
class GoodController {
  @Get(':id')
  @Check('viewer', 'document:{params.id}')
  @Grant('viewer', 'document:{params.id}', { user: 'group:{query.team}#member' })
  show() {}
}

/** Not registered itself: its decorators reach the app through the subclass. */
@Check('owner', 'folder:{params.folder}')
class BaseController {
  @Get(':id')
  @Grant('editr', 'document:{params.id}')
  edit() {}
}

@Controller('folders/:folder/documents')
class InheritingController extends BaseController {}

async function start(options: OpenFgaTestingModuleOptions, controller: Type<unknown>) {
  const moduleRef = await Test.createTestingModule({
    imports: [OpenFgaTestingModule.forRoot(options)],
    controllers: [controller],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  try {
    await app.init();
  } finally {
    await app.close();
  }
}

describe('OpenFgaTestingModule: decorator names against the fake model', () => {
  it('fails start on a relation the model lacks, with the message of the real module', async () => {
    const failure = await start({ model }, TypoController).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(InvalidDecoratorError);
    expect((failure as InvalidDecoratorError).problems).toEqual([
      'TypoController.show: @Check relation "veiwer" is not a relation of type "document" (document has: owner, parent, editor, viewer)',
    ]);
  });

  it('checks decorators a controller inherits, under the name of the controller', async () => {
    const failure = (await start({ model }, InheritingController).catch((err: unknown) => err)) as InvalidDecoratorError;
    expect(failure.problems).toEqual([
      'InheritingController.edit: @Grant relation "editr" is not a relation of type "document" (document has: owner, parent, editor, viewer)',
    ]);
  });

  it('starts when the names match, without a model, or with validateDecorators: false', async () => {
    await expect(start({ model }, GoodController)).resolves.toBeUndefined();
    await expect(start({}, TypoController)).resolves.toBeUndefined();
    await expect(start({ model, validateDecorators: false }, TypoController)).resolves.toBeUndefined();
  });
});
