import type { OpenFgaRequest } from '../../../src/options/openfga-options.interface';
import { CHECK_TEMPLATE_SOURCES } from '../../../src/http/check.decorator';
import { InvalidTemplateError } from '../../../src/http/invalid-template.error';
import { prepareTemplate, ResolverArgs } from '../../../src/http/object-template';
import { TemplateResolutionError } from '../../../src/http/template-resolution.error';
import { RECORD_TEMPLATE_SOURCES } from '../../../src/http/tuple-record.decorator';

const object = (t: string) => prepareTemplate(t, 'object', CHECK_TEMPLATE_SOURCES);
const fill = (t: string, request: OpenFgaRequest, result?: unknown) =>
  prepareTemplate(t, 'object', RECORD_TEMPLATE_SOURCES).resolve({ request, result });

async function failure(p: Promise<unknown>): Promise<TemplateResolutionError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TemplateResolutionError);
  return err as TemplateResolutionError;
}

describe('object templates', () => {
  describe('filling', () => {
    it('reads params, query, body, headers, user and result', async () => {
      const request: OpenFgaRequest = {
        params: { id: 'd1' },
        query: { folder: 'f1' },
        body: { doc: { id: 7 } },
        headers: { 'x-tenant': 'acme' },
        user: { org: 'o1' },
      };
      await expect(fill('document:{params.id}', request)).resolves.toBe('document:d1');
      await expect(fill('folder:{query.folder}', request)).resolves.toBe('folder:f1');
      await expect(fill('document:{body.doc.id}', request)).resolves.toBe('document:7');
      await expect(fill('tenant:{headers.x-tenant}', request)).resolves.toBe('tenant:acme');
      await expect(fill('org:{user.org}', request)).resolves.toBe('org:o1');
      await expect(fill('document:{result.id}', request, { id: 'new' })).resolves.toBe('document:new');
      await expect(fill('document:{result}', request, 'plain')).resolves.toBe('document:plain');
      await expect(fill('document:{params.id}-{query.folder}', request)).resolves.toBe('document:d1-f1');
      await expect(fill('document:{body.list.1}', { body: { list: ['a', 'b'] } })).resolves.toBe('document:b');
    });

    it('takes a lone placeholder as the whole value, still validated', async () => {
      await expect(fill('{body.object}', { body: { object: 'folder:x' } })).resolves.toBe('folder:x');
      expect((await failure(fill('{body.object}', { body: { object: 'no-colon' } }))).reason).toBe('invalid');
    });

    it('is "missing" for absent, null or empty values', async () => {
      for (const request of [{}, { query: {} }, { query: { folder: '' } }, { query: { folder: null } }]) {
        const err = await failure(fill('folder:{query.folder}', request as OpenFgaRequest));
        expect(err.reason).toBe('missing');
        expect(err.placeholder).toBe('{query.folder}');
        expect(err.message).toContain('{query.folder}');
      }
    });

    it('is "invalid" for arrays, objects, booleans and non-finite numbers', async () => {
      for (const folder of [['a', 'b'], { a: 1 }, true, NaN, Infinity]) {
        expect((await failure(fill('folder:{query.folder}', { query: { folder } }))).reason).toBe('invalid');
      }
    });

    it('rejects values that would smuggle tuple syntax into a segment', async () => {
      for (const id of ['a:b', 'a#viewer', '*', 'a b', 'a\nb', 'a\u0000b']) {
        const err = await failure(fill('document:{params.id}', { params: { id } }));
        expect(err.reason).toBe('invalid');
      }
      // "@" and "/" are valid in OpenFGA ids (emails, paths)
      await expect(fill('user:{params.id}', { params: { id: 'anne@example.com' } })).resolves.toBe('user:anne@example.com');
      await expect(fill('document:{params.id}', { params: { id: 'a/b' } })).resolves.toBe('document:a/b');
    });

    it('never reads the prototype chain', async () => {
      for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
        expect((await failure(fill(`document:{body.${key}}`, { body: {} }))).reason).toBe('missing');
      }
      const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { id: 'x' });
      await expect(fill('document:{query.id}', { query: nullProto })).resolves.toBe('document:x');
    });

    it('reads accessors of the authenticated user and of the result (class instances, Mongoose documents), never Object.prototype', async () => {
      class Account {
        constructor(private readonly accountId: string) {}
        get id(): string {
          return this.accountId;
        }
      }
      await expect(fill('user:{user.id}', { user: new Account('acc1') })).resolves.toBe('user:acc1');
      await expect(fill('document:{result.id}', {}, new Account('r1'))).resolves.toBe('document:r1');
      await expect(fill('document:{result.owner.id}', {}, { owner: new Account('o1') })).resolves.toBe('document:o1');
      for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
        expect((await failure(fill(`document:{user.${key}}`, { user: new Account('a') }))).reason).toMatch(/missing|invalid/);
        expect((await failure(fill(`document:{result.${key}}`, {}, {}))).reason).toBe('missing');
      }
      // The caller's input: own properties only, accessors included.
      for (const source of ['params', 'query', 'body', 'headers']) {
        expect((await failure(fill(`document:{${source}.id}`, { [source]: new Account('a') }))).reason).toBe('missing');
      }
      expect((await failure(object('document:{args.id}').resolve({ request: {}, args: new Account('a') as never }))).reason).toBe(
        'missing',
      );
    });

    it('validates the filled value (length, form)', async () => {
      const err = await failure(fill('document:{params.id}', { params: { id: 'x'.repeat(300) } }));
      expect(err.reason).toBe('invalid');
      expect(err.message).toContain('expected "type:id"');
    });

    it('validates users as users', async () => {
      const user = prepareTemplate('group:{params.team}#member', 'user', CHECK_TEMPLATE_SOURCES);
      await expect(user.resolve({ request: { params: { team: 't1' } } })).resolves.toBe('group:t1#member');
    });
  });

  describe('function templates', () => {
    it('are called with the request (and result), and validated', async () => {
      const t = prepareTemplate((req, result) => `document:${String((result as { id: string }).id)}-${String(req.params?.id)}`, 'object', [
        ...RECORD_TEMPLATE_SOURCES,
      ]);
      expect(t.needsResult).toBe(true);
      await expect(t.resolve({ request: { params: { id: 'p' } }, result: { id: 'r' } })).resolves.toBe('document:r-p');
    });

    it('are "missing" when they return nothing and "invalid" when they return garbage', async () => {
      expect((await failure(prepareTemplate(() => undefined, 'object', CHECK_TEMPLATE_SOURCES).resolve({ request: {} }))).reason).toBe(
        'missing',
      );
      expect((await failure(prepareTemplate(() => 'nope', 'object', CHECK_TEMPLATE_SOURCES).resolve({ request: {} }))).reason).toBe(
        'invalid',
      );
      const numeric = (() => 42) as unknown as () => string;
      expect((await failure(prepareTemplate(numeric, 'object', CHECK_TEMPLATE_SOURCES).resolve({ request: {} }))).reason).toBe('invalid');
    });

    it('need no result for @Check', () => {
      expect(prepareTemplate(() => 'document:1', 'object', CHECK_TEMPLATE_SOURCES).needsResult).toBe(false);
    });
  });

  describe('GraphQL resolver arguments', () => {
    it('{args...} reads the arguments, with the same rules as any placeholder', async () => {
      const request = { headers: { 'x-tenant': 't1' }, user: { id: 'anne' } };
      await expect(object('document:{args.input.id}').resolve({ request, args: { input: { id: '7' } } })).resolves.toBe('document:7');
      await expect(object('document:{headers.x-tenant}-{user.id}').resolve({ request, args: {} })).resolves.toBe('document:t1-anne');
      expect((await failure(object('document:{args.id}').resolve({ request, args: { id: 'a#b' } }))).reason).toBe('invalid');
      expect((await failure(object('document:{args.toString}').resolve({ request, args: {} }))).reason).toBe('missing');
    });

    it('{args...} has no value over HTTP, and params, query and body have none in a resolver: both say why', async () => {
      expect((await failure(object('document:{args.id}').resolve({ request: { params: { id: '1' } } }))).message).toContain(
        'is filled in GraphQL resolvers only',
      );
      for (const source of ['params', 'query', 'body']) {
        const err = await failure(object(`document:{${source}.id}`).resolve({ request: { [source]: { id: '1' } }, args: { id: '1' } }));
        expect(err.message).toContain(`a GraphQL resolver has no ${source}, read its arguments with {args...}`);
      }
    });

    it('function templates receive the arguments last', async () => {
      const check = prepareTemplate((_req, args?: ResolverArgs) => `document:${String(args?.id)}`, 'object', CHECK_TEMPLATE_SOURCES);
      await expect(check.resolve({ request: {}, args: { id: '3' } })).resolves.toBe('document:3');
      const record = prepareTemplate(
        (_req, result, args) => `document:${String((result as { id: string }).id)}-${String(args?.id)}`,
        'object',
        RECORD_TEMPLATE_SOURCES,
      );
      await expect(record.resolve({ request: {}, result: { id: 'r' }, args: { id: 'a' } })).resolves.toBe('document:r-a');
    });
  });

  describe('declaration', () => {
    it.each([
      ['document:{param.id}', 'unknown source "param"'],
      ['document:{result.id}', 'unknown source "result"'],
      ['document:{params.id', 'unbalanced'],
      ['document:params.id}', 'unbalanced'],
      ['document:{}', 'not of the form'],
      ['document:{params..id}', 'not of the form'],
      ['document:{params.a b}', 'not of the form'],
      ['no-colon', 'expected "type:id"'],
      ['', 'non-empty string'],
      // Literals no placeholder value can make valid: a value never carries ":", "#", "*" or whitespace.
      ['document:{params.id}#owner', 'no value can make it valid: filled with "x" it gives "document:x#owner"'],
      ['document#{params.id}', 'gives "document#x"'],
      ['document:{params.a}:{params.b}', 'gives "document:x:x"'],
      ['{params.type}{params.id}', 'gives "xx"'],
      ['document :{params.id}', 'gives "document :x"'],
    ])('rejects %j when the class loads', (template, message) => {
      expect(() => object(template)).toThrow(InvalidTemplateError);
      expect(() => object(template)).toThrow(message);
    });

    it('accepts templates some value makes valid, users as users', () => {
      for (const t of ['document:{params.id}', '{params.type}:{params.id}', 'document:{params.a}-{params.b}.pdf', '{body.object}']) {
        expect(() => object(t)).not.toThrow();
      }
      for (const t of ['group:{params.team}#member', '{params.type}:*', 'user:{params.id}', '{body.user}']) {
        expect(() => prepareTemplate(t, 'user', CHECK_TEMPLATE_SOURCES)).not.toThrow();
      }
      expect(() => prepareTemplate('group:{params.team}#', 'user', CHECK_TEMPLATE_SOURCES)).toThrow(InvalidTemplateError);
    });

    it('accepts literal objects and knows which templates need the result', () => {
      expect(object('document:readme').needsResult).toBe(false);
      expect(prepareTemplate('document:{result.id}', 'object', RECORD_TEMPLATE_SOURCES).needsResult).toBe(true);
      expect(prepareTemplate('document:{params.id}', 'object', RECORD_TEMPLATE_SOURCES).needsResult).toBe(false);
    });
  });
});
