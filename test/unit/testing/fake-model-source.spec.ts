/**
 * The fake takes its model as a `.fga` file path, `.fga` text, a `.json` file or the JSON form (issue 24
 * item 5): each answers derived relations and refuses what the model forbids alike; a bad source is
 * refused naming what is wrong.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { transformer } from '@openfga/syntax-transformer';
import { InvalidDecoratorError, InvalidModelError, InvalidTupleError } from '../../../src';
import { Check } from '../../../src/http';
import { OpenFgaFake, OpenFgaTestingModule, type FakeAuthorizationModel, type FakeModelSource } from '../../../src/testing';

const FGA_FILE = join(__dirname, '..', '..', 'fixtures', 'model.fga');
const FGA_TEXT = readFileSync(FGA_FILE, 'utf8');
const JSON_MODEL = transformer.transformDSLToJSONObject(FGA_TEXT) as FakeAuthorizationModel;

function jsonFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'fake-model-')), 'model.json');
  writeFileSync(file, content);
  return file;
}

@Controller('documents')
class TypoController {
  @Get(':id')
  @Check('veiwer', 'document:{params.id}')
  show() {}
}

describe('OpenFgaFake model sources', () => {
  const sources: [string, () => FakeModelSource][] = [
    ['a .fga file path', () => FGA_FILE],
    ['.fga text', () => FGA_TEXT],
    ['a .json file path', () => jsonFile(JSON.stringify(JSON_MODEL))],
    [
      'a .json file of a ReadAuthorizationModel response',
      () => jsonFile(JSON.stringify({ authorization_model: { id: 'x', ...JSON_MODEL } })),
    ],
    ['the JSON form', () => JSON_MODEL],
  ];

  it.each(sources)('%s: derived relations answered, a forbidden grant refused', async (_, source) => {
    const fake = new OpenFgaFake({ model: source() });
    await fake.grant('user:anne', 'owner', 'folder:f');
    await fake.grant('folder:f', 'parent', 'document:1');
    expect(await fake.check('user:anne', 'viewer', 'document:1')).toBe(true); // owner ⇒ editor ⇒ viewer, through the parent
    expect(await fake.check('user:bob', 'viewer', 'document:1')).toBe(false);
    await expect(fake.grant('user:anne', 'vewer', 'document:1')).rejects.toThrow(
      new InvalidTupleError('relation', 'vewer', '', '"vewer" is not a relation of document (document has: editor, owner, parent, viewer)'),
    );
  });

  it('OpenFgaTestingModule checks decorator names against a .fga file', async () => {
    @Module({ imports: [OpenFgaTestingModule.forRoot({ model: FGA_FILE })], controllers: [TypoController] })
    class AppModule {}
    const app = (await Test.createTestingModule({ imports: [AppModule] }).compile()).createNestApplication({ logger: false });
    const failure = await app.init().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(InvalidDecoratorError);
    expect((failure as Error).message).toContain('@Check relation "veiwer" is not a relation of type "document"');
    await app.close();
  });

  it('refuses a bad source naming what is wrong', () => {
    const error = (source: FakeModelSource) => {
      try {
        new OpenFgaFake({ model: source });
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidModelError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(error('test/fixtures/no-such.fga')).toMatch(
      /^Invalid authorization model: model must be a model's JSON form, its \.fga text, or the path of a readable \.fga or \.json file \(reading it: ENOENT\), got "test\/fixtures\/no-such\.fga"/,
    );
    expect(error('model\n  schema 1.1\ntype user\n  relations\n    define x: [nope]\n')).toMatch(
      /^Invalid authorization model: model \(the \.fga text\) must be a valid OpenFGA model \(.+\), got "model/,
    );
    expect(error(jsonFile('{ not json'))).toMatch(/^Invalid authorization model: model \(the file .*model\.json\) must be JSON \(/);
  });
});
