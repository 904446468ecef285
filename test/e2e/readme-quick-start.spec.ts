/**
 * The README's quick start is a test: its code blocks (each opens with a
 * `// <file>.ts` line) are taken from README.md as they are, compiled with
 * the project's compiler options (`nestjs-openfga` resolved to src), and run
 * against the real servers. Only the addresses are the harness's: the
 * documented `http://127.0.0.1:8080` and `redis://127.0.0.1:6379` are
 * replaced by those of the servers the suite started, and port 3000 by a
 * free one. The authentication the README leaves to the app is a global
 * guard here that sets `req.user` from a header.
 */
import { CanActivate, ExecutionContext, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import * as ts from 'typescript';
import { OpenFgaService } from '../../src';
import { freshStore, serverEnv } from '../support/harness/env';
import { PROJECT_ROOT } from '../support/harness/servers';

const DIR = join(PROJECT_ROOT, 'test', '.readme-app');

/** The `ts` blocks of the README's "Quick start" section, by the file name on their first line. */
function quickStartFiles(): Map<string, string> {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Quick start');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const files = new Map<string, string>();
  for (const [, code] of section.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const name = /^\/\/ ([\w.-]+\.ts)\n/.exec(code)?.[1];
    if (name) files.set(name, code);
  }
  return files;
}

class HeaderAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string>; user?: { id: string } }>();
    if (req.headers['x-user']) req.user = { id: req.headers['x-user'] };
    return true;
  }
}

describe('README quick start, compiled and run from README.md', () => {
  let app: INestApplication;
  beforeAll(async () => {
    const files = quickStartFiles();
    expect([...files.keys()].sort()).toEqual(['app.module.ts', 'documents.controller.ts', 'main.ts']);
    const env = serverEnv();
    const store = await freshStore('readme');
    process.env.OPENFGA_STORE_ID = store.storeId;
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    for (const [name, code] of files) {
      const local = code
        .replace("'http://127.0.0.1:8080'", `'${env.apiUrl}'`)
        .replace("'redis://127.0.0.1:6379'", env.clusterNodes ? `{ cluster: ${JSON.stringify(env.clusterNodes)} }` : `'${env.redisUrl}'`)
        .replace('app.listen(3000)', "app.listen(0, '127.0.0.1')");
      writeFileSync(join(DIR, name), local);
    }
    // Compiled as the project compiles: strict, no unused imports or locals.
    const { config } = ts.readConfigFile(join(PROJECT_ROOT, 'tsconfig.json'), (p) => ts.sys.readFile(p));
    const { options } = ts.parseJsonConfigFileContent(config, ts.sys, PROJECT_ROOT);
    const program = ts.createProgram(
      [...files.keys()].map((f) => join(DIR, f)),
      { ...options, noEmit: true, baseUrl: PROJECT_ROOT, paths: { 'nestjs-openfga': ['src/index.ts'] } },
    );
    const errors = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName.startsWith(DIR))
      .map((d) => `${d.file?.fileName.slice(DIR.length + 1)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(errors).toEqual([]);
    // The app's own authentication, registered as the README's main.ts creates the app (before it listens).
    const create = NestFactory.create.bind(NestFactory);
    const withAuth = jest.spyOn(NestFactory, 'create').mockImplementation(async (...args: Parameters<typeof NestFactory.create>) => {
      const created = await create(...args);
      created.useGlobalGuards(new HeaderAuthGuard());
      return created;
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { bootstrap } = require(join(DIR, 'main.ts')) as { bootstrap(): Promise<INestApplication> };
    app = await bootstrap();
    withAuth.mockRestore();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    rmSync(DIR, { recursive: true, force: true });
  });

  it('an owner shares a document; the viewer reads it before any flush; others get 403, no user 401', async () => {
    const server = app.getHttpServer();
    await app.get(OpenFgaService).grant('user:anne', 'owner', 'document:roadmap');
    await request(server).get('/documents/roadmap').set('x-user', 'bob').expect(403);
    const shared = await request(server).put('/documents/roadmap/viewers/bob').set('x-user', 'anne').expect(200);
    expect(shared.body).toEqual({ shared: true });
    expect(shared.headers['x-consistency-token']).toMatch(/^v1\./);
    await request(server).get('/documents/roadmap').set('x-user', 'bob').expect(200, { id: 'roadmap' });
    await request(server).put('/documents/roadmap/viewers/carl').set('x-user', 'bob').expect(403);
    await request(server).get('/documents/roadmap').expect(401);
  });
});
