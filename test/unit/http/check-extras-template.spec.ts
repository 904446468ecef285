import { InvalidCheckOptionsError, InvalidTemplateError, TemplateResolutionError } from '../../../src';
import { prepareCheckExtras } from '../../../src/http/check-extras-template';
import { callerInputPolicy } from '../../../src/http/caller-input-policy';
import { Check, CHECK_TEMPLATE_SOURCES, CheckDecoratorOptions } from '../../../src/http/check.decorator';

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
      callerInputPolicy(['headers.x-region', 'body.level', 'body.tags', 'params.id', 'query.folder']),
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

  it("fills {args...} from a GraphQL resolver's arguments, in templates and function forms, and refuses HTTP-only sources there", async () => {
    const args = { folder: 'f9', region: 'us', id: '8' };
    const templates = prepareCheckExtras(
      { region: '{args.region}' },
      [{ user: 'folder:{args.folder}', relation: 'parent', object: 'document:{args.id}' }],
      CHECK_TEMPLATE_SOURCES,
      callerInputPolicy(['args.region', 'args.folder', 'args.id']),
    )!;
    const functions = prepareCheckExtras(
      (_req, a) => ({ region: a?.region }),
      (_req, a) => [{ user: `folder:${String(a?.folder)}`, relation: 'parent', object: `document:${String(a?.id)}` }],
      CHECK_TEMPLATE_SOURCES,
    )!;
    for (const extras of [templates, functions]) {
      expect(await extras.resolve(request, args)).toEqual({
        context: { region: 'us' },
        contextualTuples: [{ user: 'folder:f9', relation: 'parent', object: 'document:8' }],
      });
    }
    // Over HTTP {args...} has no value, and in a resolver params, query and body have none: the object templates' messages.
    await expect(templates.resolve(request)).rejects.toThrow(
      'Template "{args.region}" has no value: {args...} is filled in GraphQL resolvers only',
    );
    const http = prepareCheckExtras({ f: '{query.folder}' }, undefined, CHECK_TEMPLATE_SOURCES, callerInputPolicy(['query.folder']))!;
    await expect(http.resolve(request, args)).rejects.toThrow('a GraphQL resolver has no query, read its arguments with {args...}');
    await expect(http.resolve(request)).resolves.toEqual({ context: { f: 'f1' } });
  });

  it('is absent without either, refuses bad templates when declared, and a request that cannot fill them', async () => {
    expect(prepareCheckExtras(undefined, undefined, CHECK_TEMPLATE_SOURCES)).toBeUndefined();
    expect(() => prepareCheckExtras({ r: '{result.id}' }, undefined, CHECK_TEMPLATE_SOURCES)).toThrow(InvalidTemplateError);
    expect(() => prepareCheckExtras({ r: '{query.x' }, undefined, CHECK_TEMPLATE_SOURCES)).toThrow(InvalidTemplateError);
    expect(() =>
      prepareCheckExtras(undefined, [{ user: 'user:{user.id}', relation: 'a b', object: 'document:1' }], CHECK_TEMPLATE_SOURCES),
    ).toThrow(InvalidTemplateError);
    const missing = prepareCheckExtras({ r: '{user.region}' }, undefined, CHECK_TEMPLATE_SOURCES)!;
    await expect(missing.resolve(request)).rejects.toThrow(TemplateResolutionError);
    const steering = prepareCheckExtras(
      undefined,
      [{ user: 'folder:{query.folder}', relation: 'parent', object: 'document:{params.id}' }],
      CHECK_TEMPLATE_SOURCES,
      callerInputPolicy(['query.folder', 'params.id']),
    )!;
    await expect(steering.resolve({ ...request, query: { folder: 'a#b' } })).rejects.toThrow(TemplateResolutionError);
  });

  /*
   * The examples the README and the JSDoc used to show: each let the caller assert its own access (mallory names her
   * own folder as the document's parent, sends X-Team: finance or X-Region: eu). Refused by @Check when the class loads.
   */
  it.each<[string, CheckDecoratorOptions]>([
    [
      'a parent folder from the query',
      { contextualTuples: [{ user: 'folder:{query.folder}', relation: 'parent', object: 'document:{params.id}' }] },
    ],
    ['a group from a header', { contextualTuples: [{ user: 'user:{user.id}', relation: 'member', object: 'group:{headers.x-team}' }] }],
    ['a region from a header', { context: { region: '{headers.x-region}' } }],
    ['a value from the body, inside text', { context: { label: 'level-{body.level}' } }],
    ['a GraphQL argument', { context: { region: '{args.region}' } }],
    [
      'a user from the route in a contextual tuple',
      { contextualTuples: [{ user: 'user:{params.userId}', relation: 'viewer', object: 'document:1' }] },
    ],
    ['a checked user from the query', { user: 'group:{query.team}#member' }],
  ])('@Check refuses %s, naming the field, the placeholder and the way out', (_what, options) => {
    let error: unknown;
    try {
      Check('viewer', 'document:{params.id}', options);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidTemplateError);
    expect((error as Error).message).toMatch(
      /(user|context\.\w+|contextualTuples\[0\]\.(user|object)) reads \{\w+\.[\w-]+\}, which the caller chooses/,
    );
    expect((error as Error).message).toContain("in this @Check's trusted option");
  });

  it('takes placeholders of the user, and of the caller only when trusted lists them; refuses a trusted entry no placeholder reads', async () => {
    const own = prepareCheckExtras(
      { region: '{user.region}' },
      [{ user: 'user:{user.id}', relation: 'member', object: 'group:{user.team}' }],
      CHECK_TEMPLATE_SOURCES,
    )!;
    expect(await own.resolve({ user: { id: 'anne', team: 'finance', region: 'eu' } })).toEqual({
      context: { region: 'eu' },
      contextualTuples: [{ user: 'user:anne', relation: 'member', object: 'group:finance' }],
    });
    expect(() =>
      Check('viewer', 'document:{params.id}', { user: 'group:{user.team}#member', context: { r: '{user.region}' } }),
    ).not.toThrow();
    const gateway = { contextualTuples: [{ user: 'user:{user.id}', relation: 'member', object: 'group:{headers.x-verified-team}' }] };
    expect(() => Check('viewer', 'document:{params.id}', gateway)).toThrow(InvalidTemplateError);
    expect(() => Check('viewer', 'document:{params.id}', { ...gateway, trusted: ['headers.x-verified-team'] })).not.toThrow();
    expect(() => Check('viewer', 'document:{params.id}', { user: 'group:{query.team}#member', trusted: ['query.team'] })).not.toThrow();
    // Trusting one placeholder trusts no other.
    expect(() =>
      Check('viewer', 'document:{params.id}', { context: { a: '{headers.x-a}', b: '{headers.x-b}' }, trusted: ['headers.x-a'] }),
    ).toThrow('context.b reads {headers.x-b}');
    expect(() =>
      Check('viewer', 'document:{params.id}', { context: { a: '{headers.x-a}' }, trusted: ['headers.x-typo', 'headers.x-a'] }),
    ).toThrow('trusted lists "headers.x-typo", which no user, context or contextualTuples placeholder of this @Check reads');
    expect(() => Check('viewer', 'document:{params.id}', { trusted: ['params.id'] })).toThrow(InvalidTemplateError);
    for (const bad of [['{headers.x-a}'], ['user.id'], 'headers.x-a', [1]]) {
      expect(() => Check('viewer', 'document:{params.id}', { context: { a: '{headers.x-a}' }, trusted: bad as never })).toThrow(
        'trusted: expected a list of placeholders without braces',
      );
    }
  });
});
