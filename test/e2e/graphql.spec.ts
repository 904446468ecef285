/**
 * @Check / @Grant / @Revoke in GraphQL resolvers (Apollo over Express),
 * against the real Redis and OpenFGA the global setup started, queried over
 * HTTP; and the clear error they give in a microservice (TCP) handler.
 */
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import {
  CanActivate,
  Controller,
  DynamicModule,
  ExecutionContext,
  INestApplication,
  INestMicroservice,
  Injectable,
  Module,
  Type,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Args, Field, GqlExecutionContext, GraphQLModule, ID, Mutation, ObjectType, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ClientProxy, ClientProxyFactory, MessagePattern, Payload, Transport } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import request from 'supertest';
import { OpenFgaModule, OpenFgaModuleOptions, OpenFgaRequest, OpenFgaService } from '../../src';
import { Check, CheckMode, FieldResolverEnhancersError, Grant, OpenFgaGuard, Revoke, UnsupportedContextError } from '../../src/http';
import { OpenFgaFake, OpenFgaTestingModule } from '../../src/testing';
import { freshStore, testOptions } from '../support/harness/env';
import { freePort } from '../support/harness/servers';
import type { TestStore } from '../support/harness/store';

/** Stands in for authentication in both kinds of handler: `X-User: anne` → `req.user = { id: 'anne' }`. */
@Injectable()
class HeaderAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const type = context.getType<string>();
    if (type !== 'http' && type !== 'graphql') return true;
    const req: OpenFgaRequest =
      type === 'graphql'
        ? GqlExecutionContext.create(context).getContext<{ req: OpenFgaRequest }>().req
        : context.switchToHttp().getRequest();
    const id = req.headers?.['x-user'];
    if (typeof id === 'string' && id !== '') req.user = { id };
    return true;
  }
}

@ObjectType()
class Doc {
  @Field(() => ID)
  id!: string;
}

@Resolver(() => Doc)
class DocumentsResolver {
  @Query(() => Doc)
  @Check('viewer', 'document:{args.id}')
  document(@Args('id', { type: () => ID }) id: string): Doc {
    return { id };
  }

  @Query(() => Doc)
  @Check('viewer', (_req, args) => `document:${String(args?.id)}`)
  documentByFunction(@Args('id', { type: () => ID }) id: string): Doc {
    return { id };
  }

  @Query(() => Doc)
  @CheckMode('any')
  @Check('viewer', 'document:{args.id}')
  @Check('viewer', 'folder:{args.folder}')
  documentOrFolder(@Args('id', { type: () => ID }) id: string, @Args('folder', { type: () => ID }) _folder: string): Doc {
    return { id };
  }

  /** An HTTP-only source: refused with a message pointing at {args...}. */
  @Query(() => Doc)
  @Check('viewer', 'document:{params.id}')
  documentByParams(@Args('id', { type: () => ID }) id: string): Doc {
    return { id };
  }

  /** Access through the folder the arguments name, for this check only (trusting the caller's folder: only to exercise filling). */
  @Query(() => Doc)
  @Check('viewer', 'document:{args.id}', {
    contextualTuples: [{ user: 'folder:{args.folder}', relation: 'parent', object: 'document:{args.id}' }],
    context: { region: '{args.region}', source: 'graphql' },
    trusted: ['args.folder', 'args.id', 'args.region'],
  })
  documentViaFolder(
    @Args('id', { type: () => ID }) id: string,
    @Args('folder', { type: () => ID }) _folder: string,
    @Args('region') _region: string,
  ): Doc {
    return { id };
  }

  /** The same with function forms, which get the arguments after the request. */
  @Query(() => Doc)
  @Check('viewer', 'document:{args.id}', {
    contextualTuples: (_req, args) => [
      { user: `folder:${String(args?.folder)}`, relation: 'parent', object: `document:${String(args?.id)}` },
    ],
    context: (_req, args) => ({ region: String(args?.region) }),
  })
  documentViaFolderByFunction(
    @Args('id', { type: () => ID }) id: string,
    @Args('folder', { type: () => ID }) _folder: string,
    @Args('region') _region: string,
  ): Doc {
    return { id };
  }

  /** An HTTP-only source in a contextual tuple: refused as in the object template, pointing at {args...}. */
  @Query(() => Doc)
  @Check('viewer', 'document:{args.id}', {
    contextualTuples: [{ user: 'folder:{query.folder}', relation: 'parent', object: 'document:{args.id}' }],
    trusted: ['query.folder', 'args.id'],
  })
  documentViaQueryFolder(@Args('id', { type: () => ID }) id: string): Doc {
    return { id };
  }

  @Mutation(() => Doc)
  @Grant('owner', 'document:{result.id}')
  createDocument(@Args('id', { type: () => ID }) id: string): Doc {
    return { id };
  }

  @Mutation(() => Doc)
  @Check('owner', 'document:{args.id}')
  @Grant('viewer', 'document:{args.id}', { user: 'user:{args.userId}' })
  share(@Args('id', { type: () => ID }) id: string, @Args('userId', { type: () => ID }) _userId: string): Doc {
    return { id };
  }

  @Mutation(() => Doc)
  @Check('owner', 'document:{args.id}')
  @Revoke('viewer', 'document:{args.id}', { user: 'user:{args.userId}' })
  unshare(@Args('id', { type: () => ID }) id: string, @Args('userId', { type: () => ID }) _userId: string): Doc {
    return { id };
  }
}

/** A field of `Library` that holds a document's secret: the check sits on the field resolver, not on a root field. */
@ObjectType()
class SecretDoc {
  @Field(() => ID)
  id!: string;

  @Field()
  secret!: string;
}

@ObjectType()
class Library {
  @Field()
  name!: string;
}

@Resolver(() => Library)
class LibraryResolver {
  @Query(() => Library)
  library(): Library {
    return { name: 'main' };
  }

  @ResolveField(() => SecretDoc)
  @Check('viewer', 'document:{args.id}')
  document(@Args('id', { type: () => ID }) id: string): SecretDoc {
    return { id, secret: `secret of ${id}` };
  }
}

/** A grant on a field resolver: skipped unless the GraphQL module runs interceptors on fields. */
@Resolver(() => Library)
class LibraryWritesResolver {
  @ResolveField(() => SecretDoc)
  @Grant('owner', 'document:{result.id}')
  created(@Args('id', { type: () => ID }) id: string): SecretDoc {
    return { id, secret: '' };
  }
}

type FieldResolverEnhancers = ApolloDriverConfig['fieldResolverEnhancers'];

async function startGraphQlApp(
  options: OpenFgaModuleOptions,
  resolvers: Type<unknown>[] = [DocumentsResolver],
  fieldResolverEnhancers?: FieldResolverEnhancers,
): Promise<INestApplication> {
  @Module({ providers: resolvers })
  class FeatureModule {}

  const moduleRef = await Test.createTestingModule({
    imports: [
      OpenFgaModule.forRoot(options),
      GraphQLModule.forRoot<ApolloDriverConfig>({
        driver: ApolloDriver,
        autoSchemaFile: true,
        ...(fieldResolverEnhancers ? { fieldResolverEnhancers } : {}),
      }),
      FeatureModule,
    ],
    providers: [{ provide: APP_GUARD, useClass: HeaderAuthGuard }],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  try {
    await app.listen(0, '127.0.0.1');
  } catch (err) {
    await app.close();
    throw err;
  }
  return app;
}

interface GraphQlError {
  message: string;
  path?: string[];
  extensions?: { code?: string };
}
interface GraphQlResponse {
  data: Record<string, { id: string } | null> | null;
  errors?: GraphQlError[];
}

describe('decorators in GraphQL resolvers (Apollo, Express)', () => {
  let store: TestStore;
  let app: INestApplication;
  let fga: OpenFgaService;
  let n = 0;
  const unique = (what: string) => `${what}${++n}`;
  const gql = async (query: string, user?: string) => {
    const req = request(app.getHttpServer()).post('/graphql').send({ query });
    const res = await (user ? req.set('x-user', user) : req);
    return { body: res.body as GraphQlResponse, headers: res.headers };
  };
  const pending = async () => (await fga.status()).pending.total;

  beforeAll(async () => {
    store = await freshStore('graphql');
    app = await startGraphQlApp(testOptions(store));
    fga = app.get(OpenFgaService);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('@Check with {args.id}: allows a user who has the relation', async () => {
    const [user, doc] = [unique('anne'), unique('d')];
    await fga.grant(`user:${user}`, 'viewer', `document:${doc}`);
    const { body } = await gql(`{ document(id: "${doc}") { id } }`, user);
    expect(body).toEqual({ data: { document: { id: doc } } });
  });

  it('denies with a GraphQL error (FORBIDDEN), not data, a user who has not', async () => {
    const doc = unique('d');
    await fga.grant(`user:${unique('anne')}`, 'viewer', `document:${doc}`);
    const { body } = await gql(`{ document(id: "${doc}") { id } }`, unique('bob'));
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([
      expect.objectContaining({ path: ['document'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
    ]);
  });

  it('answers UNAUTHENTICATED without a user', async () => {
    const { body } = await gql(`{ document(id: "${unique('d')}") { id } }`);
    expect(body.data).toBeNull();
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('checks every field on its own arguments: of two aliased fields one is allowed, one denied', async () => {
    const [user, mine, theirs] = [unique('anne'), unique('d'), unique('d')];
    await fga.grant(`user:${user}`, 'viewer', `document:${mine}`);
    const { body } = await gql(`{ a: document(id: "${theirs}") { id } b: document(id: "${mine}") { id } }`, user);
    // Non-null fields: one error nulls the whole data, so ask in the other order too.
    expect(body.errors).toEqual([expect.objectContaining({ path: ['a'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
    const second = await gql(`{ b: document(id: "${mine}") { id } c: document(id: "${mine}") { id } }`, user);
    expect(second.body).toEqual({ data: { b: { id: mine }, c: { id: mine } } });
  });

  it('passes the resolver arguments to function templates, and honours @CheckMode', async () => {
    const [user, doc, folder] = [unique('anne'), unique('d'), unique('f')];
    await fga.grant(`user:${user}`, 'viewer', `folder:${folder}`);
    expect((await gql(`{ documentByFunction(id: "${doc}") { id } }`, user)).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const either = await gql(`{ documentOrFolder(id: "${doc}", folder: "${folder}") { id } }`, user);
    expect(either.body).toEqual({ data: { documentOrFolder: { id: doc } } });
    await fga.grant(`user:${user}`, 'viewer', `document:${doc}`);
    expect((await gql(`{ documentByFunction(id: "${doc}") { id } }`, user)).body).toEqual({ data: { documentByFunction: { id: doc } } });
  });

  it('refuses an argument that would steer the check (BAD_REQUEST), and names {args...} for HTTP-only sources', async () => {
    const user = unique('anne');
    const steer = await gql(`{ document(id: "x#owner") { id } }`, user);
    expect(steer.body.errors?.[0].extensions?.code).toBe('BAD_REQUEST');
    const params = await gql(`{ documentByParams(id: "${unique('d')}") { id } }`, user);
    expect(params.body.data).toBeNull();
    expect(params.body.errors?.[0].extensions?.code).toBe('BAD_REQUEST');
    expect(params.body.errors?.[0].message).toContain('a GraphQL resolver has no params, read its arguments with {args...}');
  });

  it("fills @Check's context and contextual tuples from {args...}, and passes the arguments to their function forms", async () => {
    const [user, doc, folder] = [unique('anne'), unique('d'), unique('f')];
    await fga.grant(`user:${user}`, 'viewer', `folder:${folder}`);
    const check = jest.spyOn(fga, 'check');
    try {
      for (const field of ['documentViaFolder', 'documentViaFolderByFunction']) {
        check.mockClear();
        const { body } = await gql(`{ ${field}(id: "${doc}", folder: "${folder}", region: "eu") { id } }`, user);
        expect(body).toEqual({ data: { [field]: { id: doc } } });
        expect(check.mock.calls[0][3]).toEqual({
          context: field === 'documentViaFolder' ? { region: 'eu', source: 'graphql' } : { region: 'eu' },
          contextualTuples: [{ user: `folder:${folder}`, relation: 'parent', object: `document:${doc}` }],
        });
      }
    } finally {
      check.mockRestore();
    }
    // Another folder grants nothing; an argument that would steer the tuple is BAD_REQUEST.
    const other = await gql(`{ documentViaFolder(id: "${doc}", folder: "${unique('f')}", region: "eu") { id } }`, user);
    expect(other.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const steer = await gql(`{ documentViaFolder(id: "${doc}", folder: "a#b", region: "eu") { id } }`, user);
    expect(steer.body.errors?.[0].extensions?.code).toBe('BAD_REQUEST');
  });

  it('refuses an HTTP-only source in a contextual tuple with the message object templates give', async () => {
    const { body } = await gql(`{ documentViaQueryFolder(id: "${unique('d')}") { id } }`, unique('anne'));
    expect(body.data).toBeNull();
    expect(body.errors?.[0]).toMatchObject({
      message: '{query.folder} in "folder:{query.folder}" has no value: a GraphQL resolver has no query, read its arguments with {args...}',
      extensions: { code: 'BAD_REQUEST' },
    });
  });

  it('@Grant in a mutation: the pending grant is visible to the next query before any flush, and the token comes back', async () => {
    const [user, doc] = [unique('anne'), unique('d')];
    const before = await pending();
    const created = await gql(`mutation { createDocument(id: "${doc}") { id } }`, user);
    expect(created.body).toEqual({ data: { createDocument: { id: doc } } });
    expect(created.headers['x-consistency-token']).toEqual(expect.any(String));
    expect(await pending()).toBe(before + 1); // in the buffer, not yet in OpenFGA
    // viewer derives from owner: answered with the pending tuple as a contextual tuple.
    expect((await gql(`{ document(id: "${doc}") { id } }`, user)).body).toEqual({ data: { document: { id: doc } } });
  });

  it('a query sending the X-Consistency-Token back is checked at least as fresh; a malformed one is BAD_REQUEST', async () => {
    const [user, doc] = [unique('anne'), unique('d')];
    const created = await gql(`mutation { createDocument(id: "${doc}") { id } }`, user);
    const token = created.headers['x-consistency-token'] as string;
    const fresh = await request(app.getHttpServer())
      .post('/graphql')
      .set('x-user', user)
      .set('x-consistency-token', token)
      .send({ query: `{ document(id: "${doc}") { id } }` });
    expect(fresh.body).toEqual({ data: { document: { id: doc } } });
    const bad = await request(app.getHttpServer())
      .post('/graphql')
      .set('x-user', user)
      .set('x-consistency-token', 'not-a-token')
      .send({ query: `{ document(id: "${doc}") { id } }` });
    expect((bad.body as GraphQlResponse).errors?.[0]).toMatchObject({
      message: expect.stringContaining('Invalid X-Consistency-Token header'),
      extensions: { code: 'BAD_REQUEST' },
    });
  });

  it('@Grant / @Revoke with {args...} for the user, after a @Check on the mutation', async () => {
    const [owner, friend, doc] = [unique('anne'), unique('bob'), unique('d')];
    await fga.grant(`user:${owner}`, 'owner', `document:${doc}`);
    const denied = await gql(`mutation { share(id: "${doc}", userId: "${friend}") { id } }`, friend);
    expect(denied.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(await fga.check(`user:${friend}`, 'viewer', `document:${doc}`)).toBe(false);
    expect((await gql(`mutation { share(id: "${doc}", userId: "${friend}") { id } }`, owner)).body.errors).toBeUndefined();
    expect((await gql(`{ document(id: "${doc}") { id } }`, friend)).body).toEqual({ data: { document: { id: doc } } });
    await fga.flush();
    expect((await gql(`mutation { unshare(id: "${doc}", userId: "${friend}") { id } }`, owner)).body.errors).toBeUndefined();
    expect((await gql(`{ document(id: "${doc}") { id } }`, friend)).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  describe('with OpenFGA unreachable', () => {
    let down: INestApplication;

    beforeAll(async () => {
      const apiUrl = `http://127.0.0.1:${await freePort()}`; // nothing listens there
      down = await startGraphQlApp(testOptions(store, { apiUrl, requestTimeout: 1, checkTimeout: 2 }));
    });

    afterAll(async () => {
      await down?.close();
    });

    it('an unanswerable check (CheckUnavailableError) is a GraphQL error, never data', async () => {
      const res = await request(down.getHttpServer())
        .post('/graphql')
        .set('x-user', 'anne')
        .send({ query: '{ document(id: "cold") { id } }' });
      const body = res.body as GraphQlResponse;
      expect(body.data).toBeNull();
      expect(body.errors).toEqual([
        expect.objectContaining({
          message: 'Access could not be verified',
          path: ['document'],
          extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
        }),
      ]);
    });
  });
});

describe('decorators on GraphQL field resolvers (@ResolveField, Apollo)', () => {
  let store: TestStore;
  const secretOf = (doc: string) => `{ library { document(id: "${doc}") { id secret } } }`;
  const gql = async (app: INestApplication, query: string, user?: string) => {
    const req = request(app.getHttpServer()).post('/graphql').send({ query });
    return (await (user ? req.set('x-user', user) : req)).body as GraphQlResponse;
  };

  beforeAll(async () => {
    store = await freshStore('graphql-fields');
  });

  describe("with fieldResolverEnhancers: ['guards']", () => {
    let app: INestApplication;
    let fga: OpenFgaService;

    beforeAll(async () => {
      app = await startGraphQlApp(testOptions(store), [LibraryResolver], ['guards']);
      fga = app.get(OpenFgaService);
      await fga.grant('user:anne', 'viewer', 'document:anne-plan');
    });

    afterAll(async () => {
      await app?.close();
    });

    it("the field's @Check runs: anne reads her document, mallory and a caller with no user get an error and no secret", async () => {
      expect(await gql(app, secretOf('anne-plan'), 'anne')).toEqual({
        data: { library: { document: { id: 'anne-plan', secret: 'secret of anne-plan' } } },
      });
      const mallory = await gql(app, secretOf('anne-plan'), 'mallory');
      expect(JSON.stringify(mallory.data)).not.toContain('secret of');
      expect(mallory.errors).toEqual([
        expect.objectContaining({ path: ['library', 'document'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
      ]);
      const nobody = await gql(app, secretOf('anne-plan'));
      expect(JSON.stringify(nobody.data)).not.toContain('secret of');
      expect(nobody.errors).toEqual([
        expect.objectContaining({ path: ['library', 'document'], extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }),
      ]);
    });
  });

  it('without fieldResolverEnhancers the app refuses to start, naming the resolver, the decorator and the fix', async () => {
    const started = startGraphQlApp(testOptions(store), [LibraryResolver]);
    await expect(started).rejects.toThrow(FieldResolverEnhancersError);
    await expect(started).rejects.toThrow("@Check on LibraryResolver.document (a field resolver) needs 'guards'");
    await expect(started).rejects.toThrow("Add fieldResolverEnhancers: ['guards'] (with any you already have) to GraphQLModule.forRoot()");
  });

  it('OpenFgaTestingModule refuses the same, so unit tests on the fake catch it too', async () => {
    const compiled = Test.createTestingModule({
      imports: [
        OpenFgaTestingModule.forRoot({ allow: true }),
        GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, autoSchemaFile: true }),
      ],
      providers: [LibraryResolver],
    }).compile();
    const app = (await compiled).createNestApplication({ logger: false });
    await expect(app.init()).rejects.toThrow("@Check on LibraryResolver.document (a field resolver) needs 'guards'");
    await app.close();
  });

  it("@Grant on a field resolver needs 'interceptors' as well: refused with guards alone, started with both", async () => {
    const started = startGraphQlApp(testOptions(store), [LibraryWritesResolver, LibraryResolver], ['guards']);
    await expect(started).rejects.toThrow("@Grant/@Revoke on LibraryWritesResolver.created (a field resolver) needs 'interceptors'");
    const app = await startGraphQlApp(testOptions(store), [LibraryWritesResolver, LibraryResolver], ['guards', 'interceptors']);
    try {
      const fga = app.get(OpenFgaService);
      expect((await gql(app, '{ library { created(id: "bob-notes") { id } } }', 'bob')).errors).toBeUndefined();
      expect(await fga.check('user:bob', 'owner', 'document:bob-notes')).toBe(true);
    } finally {
      await app.close();
    }
  });
});

let handled = 0;

@Controller()
class DocumentMessages {
  @MessagePattern('documents.get')
  @Check('viewer', 'document:{params.id}')
  get(@Payload() data: { id: string }) {
    handled++;
    return data;
  }

  @MessagePattern('documents.create')
  @Grant('owner', 'document:{result.id}')
  create(@Payload() data: { id: string }) {
    return data;
  }

  /** No decorator: the globally registered guard lets it through. */
  @MessagePattern('documents.ping')
  ping() {
    return 'pong';
  }
}

describe('decorators in a microservice handler (TCP)', () => {
  /** The TCP microservice of `DocumentMessages` with this OpenFGA module refuses to listen, naming the handler. */
  async function refusesToListen(openFga: DynamicModule): Promise<void> {
    const moduleRef = await Test.createTestingModule({ imports: [openFga], controllers: [DocumentMessages] }).compile();
    const service = moduleRef.createNestMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port: await freePort() } });
    service.useLogger(false);
    await expect(service.listen()).rejects.toThrow(new UnsupportedContextError('rpc', 'DocumentMessages.get', '@Check'));
    await service.close();
  }

  it('OpenFgaModule refuses to start an app with a decorated message handler, naming it', async () => {
    await refusesToListen(OpenFgaModule.forRoot(testOptions(await freshStore('rpc-startup'))));
  });

  it('OpenFgaTestingModule refuses the same, so unit tests on the fake catch it', async () => {
    await refusesToListen(OpenFgaTestingModule.forRoot({ allow: true }));
  });
});

/*
 * Where nothing checks at start-up (here OpenFgaTestingModule with `validateDecorators: false`; likewise a
 * WebSocket gateway or a custom transport), every call fails instead. The error is raised before any check, so the
 * in-memory fake stands in for the real servers without changing what is tested.
 */
describe('decorators in a microservice handler that got past start-up (TCP)', () => {
  let service: INestMicroservice;
  let client: ClientProxy;
  let fake: OpenFgaFake;
  const errors: unknown[] = [];

  beforeAll(async () => {
    const port = await freePort();
    const moduleRef = await Test.createTestingModule({
      imports: [OpenFgaTestingModule.forRoot({ allow: true, validateDecorators: false })],
      controllers: [DocumentMessages],
      providers: [{ provide: APP_GUARD, useClass: OpenFgaGuard }],
    }).compile();
    service = moduleRef.createNestMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port } });
    service.useLogger({ log: () => undefined, warn: () => undefined, error: (message: unknown) => void errors.push(message) });
    await service.listen();
    client = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port } });
    await client.connect();
    fake = moduleRef.get(OpenFgaFake);
  });

  afterAll(async () => {
    await client?.close();
    await service?.close();
  });

  it('@Check fails every call with an error naming the context type and the handler, and the handler does not run', async () => {
    for (let i = 0; i < 2; i++) {
      await expect(firstValueFrom(client.send('documents.get', { id: 'd1' }))).rejects.toEqual({
        status: 'error',
        name: 'UnsupportedContextError',
        contextType: 'rpc',
        handler: 'DocumentMessages.get',
        message: expect.stringContaining('@Check on DocumentMessages.get cannot run in a "rpc" handler'),
      });
    }
    expect(handled).toBe(0);
    expect(fake.checks).toEqual([]);
    expect(errors).toContainEqual(expect.objectContaining({ route: 'DocumentMessages.get', contextType: 'rpc' }));
  });

  it('@Grant fails the same way, and nothing is written', async () => {
    await expect(firstValueFrom(client.send('documents.create', { id: 'd2' }))).rejects.toMatchObject({
      name: 'UnsupportedContextError',
      message: expect.stringContaining('@Grant/@Revoke on DocumentMessages.create cannot run in a "rpc" handler'),
    });
    expect(fake.operations).toEqual([]);
  });

  it('a handler without decorators passes the global guard', async () => {
    await expect(firstValueFrom(client.send('documents.ping', {}))).resolves.toBe('pong');
  });
});
