/**
 * The README's and the JSDoc's `@Check` examples against the attacks a security
 * review ran on their earlier forms (issue 23), on the real servers over HTTP:
 * mallory names her own folder in `?folder=`, sends `X-Team: finance` or
 * `X-Region: eu`. The earlier forms read those values into contextual tuples,
 * condition context or an `any`-mode check; the documented forms read the
 * authenticated user's claims and fixed objects only. The earlier forms are
 * refused when the class loads (test/unit/http/check-extras-template.spec.ts);
 * the last route shows what an explicit `trusted` entry means.
 */
import { CanActivate, Controller, ExecutionContext, Get, INestApplication, Injectable, Param, Put } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import request from 'supertest';
import { OpenFgaRequest, OpenFgaService } from '../../src';
import { Check, CheckMode } from '../../src/http';
import { serverEnv, testOptions } from '../support/harness/env';
import { PROJECT_ROOT } from '../support/harness/servers';
import { createStore } from '../support/harness/store';
import { PLATFORMS, startApp } from './support/http-app';
import { join } from 'node:path';

/** The claims a verified token would carry: what the server knows of each caller, whatever the request says. */
const ACCOUNTS: Record<string, { id: string; team: string; region: string }> = {
  anne: { id: 'anne', team: 'finance', region: 'eu' },
  mallory: { id: 'mallory', team: 'support', region: 'us' },
  root: { id: 'root', team: 'ops', region: 'us' },
};

/** Stands in for token authentication: `Authorization: Bearer anne` → anne's claims on `req.user`. */
@Injectable()
class BearerClaimsGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<OpenFgaRequest>();
    const name = /^Bearer (\w+)$/.exec(String(req.headers?.authorization ?? ''))?.[1];
    if (name && ACCOUNTS[name]) req.user = { ...ACCOUNTS[name] };
    return true;
  }
}

@Controller('examples')
class ExamplesController {
  /** README "Request context and contextual tuples", and the ContextualTuplesTemplate JSDoc: the team is a claim. */
  @Get('documents/:id')
  @Check('viewer', 'document:{params.id}', {
    contextualTuples: [{ user: 'user:{user.id}', relation: 'member', object: 'group:{user.team}' }],
  })
  read(@Param('id') id: string) {
    return { id };
  }

  /** The CheckDecoratorOptions.user JSDoc: the team whose access is checked is the caller's own. */
  @Get('team-documents/:id')
  @Check('viewer', 'document:{params.id}', { user: 'group:{user.team}#member' })
  readAsTeam(@Param('id') id: string) {
    return { id };
  }

  /** README and the CheckContextTemplate JSDoc: the region is a claim, not the X-Region header. */
  @Get('regional/:id')
  @Check('regional', 'document:{params.id}', { context: { region: '{user.region}' } })
  readRegional(@Param('id') id: string) {
    return { id };
  }

  /** The @CheckMode JSDoc: each check names the document served or a fixed object. */
  @Put('documents/:id')
  @CheckMode('any')
  @Check('editor', 'document:{params.id}')
  @Check('admin', 'platform:main')
  update(@Param('id') id: string) {
    return { id };
  }

  /** What `trusted` means: the caller's value is taken as it is. Never for a value the caller can choose. */
  @Get('trusting/:id')
  @Check('viewer', 'document:{params.id}', {
    contextualTuples: [{ user: 'folder:{query.folder}', relation: 'parent', object: 'document:{params.id}' }],
    trusted: ['query.folder', 'params.id'],
  })
  readTrusting(@Param('id') id: string) {
    return { id };
  }
}

describe.each(PLATFORMS)('documented @Check examples against a caller asserting her own access, on %s', (platform) => {
  let app: INestApplication;
  let fga: OpenFgaService;
  const as = (name: string) => ({ authorization: `Bearer ${name}` });
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    const store = await createStore(
      serverEnv().apiUrl,
      `examples-${platform}`,
      join(PROJECT_ROOT, 'test', 'fixtures', 'documented-examples.fga'),
    );
    app = await startApp(platform, testOptions(store), [ExamplesController], [{ provide: APP_GUARD, useClass: BearerClaimsGuard }]);
    fga = app.get(OpenFgaService);
    await fga.grant('group:finance#member', 'viewer', 'document:budget');
    await fga.grant('user:anne', 'owner', 'folder:anne-files');
    await fga.grant('folder:anne-files', 'parent', 'document:budget');
    await fga.grant('user:mallory', 'owner', 'folder:mallory-files'); // she may create folders of her own
    const eu = { condition: { name: 'same_region', context: { home: 'eu' } } };
    await fga.grant('user:anne', 'regional', 'document:eu-report', eu);
    await fga.grant('user:mallory', 'regional', 'document:eu-report', eu); // readable only while she is in the EU
    await fga.grant('user:anne', 'editor', 'document:budget');
    await fga.grant('user:root', 'admin', 'platform:main');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('group membership from the token: anne (finance) reads; mallory with X-Team: finance or her own ?folder= does not', async () => {
    await http().get('/examples/documents/budget').set(as('anne')).expect(200, { id: 'budget' });
    await http().get('/examples/documents/budget').set(as('mallory')).set('x-team', 'finance').expect(403);
    await http().get('/examples/documents/budget?folder=mallory-files').set(as('mallory')).expect(403);
    await http()
      .get('/examples/documents/budget?folder=mallory-files&team=finance')
      .set(as('mallory'))
      .set('x-team', 'finance')
      .expect(403);
  });

  it("the checked team is the caller's own: anne (finance) reads; mallory with ?team=finance does not", async () => {
    await http().get('/examples/team-documents/budget').set(as('anne')).expect(200);
    await http().get('/examples/team-documents/budget?team=finance').set(as('mallory')).set('x-team', 'finance').expect(403);
  });

  it('region from the token: anne (eu) reads the EU report; mallory (us) with X-Region: eu does not', async () => {
    await http().get('/examples/regional/eu-report').set(as('anne')).expect(200);
    await http().get('/examples/regional/eu-report').set(as('mallory')).set('x-region', 'eu').expect(403);
    await http().get('/examples/regional/eu-report?region=eu').set(as('mallory')).expect(403);
  });

  it('any mode over the document and a fixed object: editor and platform admin pass; mallory with her own folder does not', async () => {
    await http().put('/examples/documents/budget').set(as('anne')).expect(200);
    await http().put('/examples/documents/budget').set(as('root')).expect(200);
    await http().put('/examples/documents/budget?folder=mallory-files').set(as('mallory')).expect(403);
  });

  it('an explicit trusted entry takes the caller at her word: mallory names her own folder and reads (why it is opt-in)', async () => {
    await http().get('/examples/trusting/budget?folder=mallory-files').set(as('mallory')).expect(200);
  });
});
