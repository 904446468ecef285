import { InvalidCheckOptionsError, InvalidTemplateError, TemplateResolutionError } from '../../../src';
import { prepareCheckExtras } from '../../../src/http/check-extras-template';
import { CHECK_TEMPLATE_SOURCES } from '../../../src/http/check.decorator';

const request = {
  params: { id: '7' },
  query: { folder: 'f1', n: '3' },
  headers: { 'x-region': 'eu' },
  body: { level: 4, tags: ['a'] },
  user: { id: 'anne' },
};

describe('@Check context and contextual tuple templates', () => {
  it('fills context values (a lone placeholder keeps its value, text around it makes a string) and tuples from the request', async () => {
    const extras = prepareCheckExtras(
      { region: '{headers.x-region}', level: '{body.level}', tags: '{body.tags}', label: 'doc-{params.id}', fixed: 'web' },
      [{ user: 'folder:{query.folder}', relation: 'parent', object: 'document:{params.id}', condition: { name: 'c' } }],
      CHECK_TEMPLATE_SOURCES,
    )!;
    expect(await extras.resolve(request)).toEqual({
      context: { region: 'eu', level: 4, tags: ['a'], label: 'doc-7', fixed: 'web' },
      contextualTuples: [{ user: 'folder:f1', relation: 'parent', object: 'document:7', condition: { name: 'c' } }],
    });
  });

  it('takes function forms, validated as the options they stand for', async () => {
    const extras = prepareCheckExtras(
      (req) => ({ id: req.params?.id }),
      (req) => [{ user: `user:${String((req.user as { id: string }).id)}`, relation: 'viewer', object: 'document:1' }],
      CHECK_TEMPLATE_SOURCES,
    )!;
    expect(await extras.resolve(request)).toEqual({
      context: { id: '7' },
      contextualTuples: [{ user: 'user:anne', relation: 'viewer', object: 'document:1' }],
    });
    const bad = prepareCheckExtras(() => ({ at: new Date() }), undefined, CHECK_TEMPLATE_SOURCES)!;
    await expect(bad.resolve(request)).rejects.toThrow(InvalidCheckOptionsError);
  });

  it('is absent without either, refuses bad templates when declared, and a request that cannot fill them', async () => {
    expect(prepareCheckExtras(undefined, undefined, CHECK_TEMPLATE_SOURCES)).toBeUndefined();
    expect(() => prepareCheckExtras({ r: '{result.id}' }, undefined, CHECK_TEMPLATE_SOURCES)).toThrow(InvalidTemplateError);
    expect(() => prepareCheckExtras({ r: '{query.x' }, undefined, CHECK_TEMPLATE_SOURCES)).toThrow(InvalidTemplateError);
    expect(() =>
      prepareCheckExtras(undefined, [{ user: 'user:{query.u}', relation: 'a b', object: 'document:1' }], CHECK_TEMPLATE_SOURCES),
    ).toThrow(InvalidTemplateError);
    const missing = prepareCheckExtras({ r: '{headers.x-missing}' }, undefined, CHECK_TEMPLATE_SOURCES)!;
    await expect(missing.resolve(request)).rejects.toThrow(TemplateResolutionError);
    const steering = prepareCheckExtras(
      undefined,
      [{ user: 'folder:{query.folder}', relation: 'parent', object: 'document:{params.id}' }],
      CHECK_TEMPLATE_SOURCES,
    )!;
    await expect(steering.resolve({ ...request, query: { folder: 'a#b' } })).rejects.toThrow(TemplateResolutionError);
  });
});
