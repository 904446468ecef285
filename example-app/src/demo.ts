/**
 * `npm run demo`: starts the real redis-server and OpenFGA (test/support/harness/servers.ts),
 * creates a store with example-app/model.fga, starts the example app on a free
 * loopback port and walks a scripted scenario over HTTP, printing one line per
 * step. Exits 0 only when every step matched its expectation.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { ConsistencyPreference, OpenFgaClient } from '@openfga/sdk';
import { freePort, RunningServer, startOpenFga, startRedis } from '../../test/support/harness/servers';
import { createStore } from '../../test/support/harness/store';
import { createApp } from './app.factory';
import { configToEnv, EXAMPLE_MODEL_FILE, ExampleAppConfig } from './config';
import { DemoHttp, pollUntil } from './demo/demo-http';
import { DemoReport } from './demo/demo-report';
import { runExampleCli } from './demo/run-example-cli';
import type { FlushResult, OpenFgaStatus } from './nestjs-openfga';

/** The whole demo is bounded: past this, it reports and exits non-zero (the servers die with the process). */
const DEMO_DEADLINE_MS = 55_000;
/**
 * The cron flush fires at one second of the minute, this long after start: after the steps that need a
 * pending buffer (the time-limited share's wait included).
 */
const CRON_DELAY_S = 9;

interface Entity {
  id: string;
}

async function runScenario(report: DemoReport, http: DemoHttp, fga: OpenFgaClient, config: ExampleAppConfig, cronAt: number) {
  const allowedInOpenFga = async (user: string, relation: string, object: string) =>
    (await fga.check({ user, relation, object }, { consistency: ConsistencyPreference.HigherConsistency })).allowed === true;
  const status = async () => (await http.request<OpenFgaStatus>('GET', '/admin/openfga/status', { admin: true })).body;
  const describe = (s: OpenFgaStatus) =>
    `${s.pending.writes} pending write(s), ${s.pending.deletes} pending delete(s), ${s.inFlight} in flight`;

  report.note('\nScenario (anne owns, bob and carol get shared access):');
  const login = await http.login('anne');
  const jwt = login.body.accessToken ?? '';
  const anonymous = await http.request('POST', '/folders', { body: { name: 'Projects' } });
  report.step(
    'anne logs in (POST /auth/login → RS256 JWT); without a token the app answers 401',
    `POST /auth/login → ${login.status}, ${jwt.split('.').length === 3 ? 'a JWT' : 'no token'}; POST /folders without it → ${anonymous.status}`,
    login.status === 200 && jwt.split('.').length === 3 && anonymous.status === 401,
    '200 + JWT, 401',
  );
  const folder = await http.request<Entity>('POST', '/folders', { as: 'anne', body: { name: 'Projects' } });
  report.status('anne creates folder "Projects" (@Grant owner)', 'POST /folders', folder.status, 201);
  const f = folder.body.id;

  const doc = await http.request<Entity>('POST', `/folders/${f}/documents`, { as: 'anne', body: { title: 'Roadmap' } });
  report.status('anne creates document "Roadmap" in it (@Grant owner, parent)', 'POST /folders/:id/documents', doc.status, 201);
  const d = doc.body.id;

  const annReads = await http.request('GET', `/documents/${d}`, { as: 'anne' });
  report.status('anne reads it at once, before any flush (viewer ⇐ owner)', 'GET /documents/:id', annReads.status, 200);

  const bobDenied = await http.request('GET', `/documents/${d}`, { as: 'bob' });
  report.status('bob reads it', 'GET /documents/:id', bobDenied.status, 403);

  const before = await status();
  report.step('status shows the grants pending in Redis', describe(before), before.pending.writes === 3, '3 pending writes');

  const flush = await http.request<FlushResult>('POST', '/admin/openfga/flush', { admin: true });
  report.step(
    'admin flush hands the batch to a BullMQ job',
    `POST /admin/openfga/flush → ${flush.status}, ${flush.body.queued ?? 0} op(s) queued in ${flush.body.jobs ?? 0} job(s)`,
    flush.status === 200 && flush.body.queued === 3 && flush.body.jobs === 1,
    '200, 3 ops in 1 job',
  );

  const settled = await pollUntil(async () => {
    const s = await status();
    return s.pending.total === 0 && s.inFlight === 0 ? s : undefined;
  }, 10_000);
  report.step('the worker wrote them: status is empty', settled ? describe(settled) : 'still pending after 10 s', !!settled, 'empty');

  const inFga = await allowedInOpenFga('user:anne', 'viewer', `document:${d}`);
  report.step('OpenFGA itself (SDK check): anne viewer of the document', `allowed = ${inFga}`, inFga, 'allowed = true');

  const share = await http.request('PUT', `/documents/${d}/viewers/bob`, { as: 'anne' });
  report.status('anne shares the document with bob (viewer)', 'PUT /documents/:id/viewers/bob', share.status, 200);

  const bobReads = await http.request('GET', `/documents/${d}`, { as: 'bob' });
  report.status('bob reads it immediately (no flush)', 'GET /documents/:id', bobReads.status, 200);

  const bobLists = await http.request<{ id: string; title: string }[]>('GET', '/documents', { as: 'bob' });
  const bobTitles = bobLists.status === 200 ? bobLists.body.map((x) => x.title) : [];
  report.step(
    'bob lists his documents before any flush (listObjects)',
    `GET /documents → ${bobLists.status} ${JSON.stringify(bobTitles)}`,
    bobLists.status === 200 && bobLists.body.length === 1 && bobLists.body[0].id === d,
    '200 ["Roadmap"]',
  );

  const bobShares = await http.request('PUT', `/documents/${d}/viewers/dave`, { as: 'bob' });
  report.status('bob (not an owner) tries to share it with dave', 'PUT /documents/:id/viewers/dave', bobShares.status, 403);

  const temporary = await http.request('PUT', `/documents/${d}/viewers/carol/temporary`, { as: 'anne', body: { seconds: 2 } });
  report.status(
    'anne shares it with carol for 2 s (non_expired_grant)',
    'PUT /documents/:id/viewers/carol/temporary',
    temporary.status,
    200,
  );

  const carolInTime = await http.request('GET', `/documents/${d}`, { as: 'carol' });
  report.status('carol reads it at once (the check sends the request time)', 'GET /documents/:id', carolInTime.status, 200);

  await new Promise((r) => setTimeout(r, 2_500));
  const carolExpired = await http.request('GET', `/documents/${d}`, { as: 'carol' });
  report.status('2.5 s later the share has expired: carol is denied', 'GET /documents/:id', carolExpired.status, 403);

  const folderShare = await http.request('PUT', `/folders/${f}/viewers/carol`, { as: 'anne' });
  report.status(
    'anne shares the folder with carol (viewer)',
    'PUT /folders/:id/viewers/carol',
    folderShare.status,
    200,
    folderShare.token ? '+ X-Consistency-Token' : '(no token!)',
  );

  const carolReads = await http.request('GET', `/documents/${d}`, { as: 'carol', token: folderShare.token });
  report.status(
    'carol reads the document with the token (viewer ⇐ parent)',
    'GET /documents/:id + X-Consistency-Token',
    carolReads.status,
    200,
  );

  type Access = Record<string, { viewer: boolean; editor: boolean; owner: boolean }>;
  const unknown = randomUUID();
  const access = await http.request<Access>('POST', '/documents/access', { as: 'carol', body: { ids: [d, unknown] } });
  const mine = access.body[d];
  const none = access.body[unknown];
  report.step(
    'carol asks her rights on it and an unknown id (batchCheck)',
    `POST /documents/access → ${access.status}, viewer ${mine?.viewer}, editor ${mine?.editor}, owner ${mine?.owner}; unknown: ${none && !none.viewer && !none.editor && !none.owner ? 'nothing' : 'something!'}`,
    access.status === 200 &&
      mine?.viewer === true &&
      mine.editor === false &&
      mine.owner === false &&
      none?.viewer === false &&
      none.editor === false &&
      none.owner === false,
    '200, viewer only; unknown: nothing',
  );

  const revoke = await http.request('DELETE', `/documents/${d}/viewers/bob`, { as: 'anne' });
  report.status('anne revokes bob (@Revoke viewer)', 'DELETE /documents/:id/viewers/bob', revoke.status, 200);

  // OpenFGA still says "allowed" (the revoke is only buffered): the check writes the revoke, then asks again.
  const bobAgain = await http.request('GET', `/documents/${d}`, { as: 'bob' });
  report.status('bob reads it again: the check writes the revoke first', 'GET /documents/:id', bobAgain.status, 403);

  const afterRevoke = await status();
  const bobInFga = await allowedInOpenFga('user:bob', 'viewer', `document:${d}`);
  report.step(
    'the revoke is in OpenFGA already, nothing pending',
    `${describe(afterRevoke)}; OpenFGA: bob viewer = ${bobInFga}`,
    afterRevoke.pending.total === 0 && !bobInFga,
    '0 pending, bob viewer = false',
  );

  const daveShare = await http.request('PUT', `/documents/${d}/viewers/dave`, { as: 'anne' });
  const second = String(cronAt).padStart(2, '0');
  const cronDone =
    daveShare.status === 200 &&
    (await pollUntil(
      async () => {
        const s = await status();
        return s.pending.total === 0 && s.inFlight === 0 && (await allowedInOpenFga('user:dave', 'viewer', `document:${d}`));
      },
      (CRON_DELAY_S + 8) * 1000,
      200,
    ));
  report.step(
    `anne shares with dave; the cron flush (second :${second}) writes it`,
    cronDone ? `PUT → ${daveShare.status}; buffer empty, OpenFGA: dave viewer = true` : `PUT → ${daveShare.status}; not written in time`,
    cronDone,
    'written',
  );

  const health = await http.request<{ status: string }>('GET', '/health');
  report.status('health check (terminus + OpenFgaHealthIndicator)', 'GET /health', health.status, 200, health.body.status);

  const cli = await runExampleCli(['openfga:cache:status', '--json'], config);
  const cliStatus = cli.code === 0 ? (JSON.parse(cli.stdout) as OpenFgaStatus) : undefined;
  report.step(
    'the app CLI (src/cli.ts) reads the same buffer',
    cliStatus ? `openfga:cache:status --json → exit 0, ${cliStatus.pending.total} pending` : `exit ${cli.code}: ${cli.stderr.trim()}`,
    cliStatus?.pending.total === 0,
    'exit 0, 0 pending',
  );
}

async function main(): Promise<number> {
  const report = new DemoReport();
  const servers: RunningServer[] = [];
  let app: INestApplication | undefined;
  const started = Date.now();
  try {
    report.note('nestjs-openfga demo: real redis-server + OpenFGA, the example app over HTTP');
    const [redis, openfga] = await Promise.all([startRedis(), startOpenFga()]);
    servers.push(redis, openfga);
    const store = await createStore(openfga.apiUrl, 'example-app-demo', EXAMPLE_MODEL_FILE);
    report.note(`  redis ${redis.url}, OpenFGA ${openfga.apiUrl}, store ${store.storeId} (model ${store.modelId})`);

    const cronAt = (new Date().getSeconds() + CRON_DELAY_S) % 60;
    const config: ExampleAppConfig = {
      apiUrl: openfga.apiUrl,
      storeId: store.storeId,
      authorizationModelId: store.modelId,
      redisUrl: redis.url,
      prefix: 'demo',
      adminToken: randomUUID(),
      cron: `${cronAt} * * * * *`,
      // Longer than the demo: only the admin flush, the X-Consistency-Token, a check facing a pending
      // revoke and the cron write to OpenFGA.
      flushInterval: 120,
      demoPassword: randomUUID(),
    };
    // The app reads its configuration from the environment (@nestjs/config), as in production.
    Object.assign(process.env, configToEnv(config));
    app = await createApp(['warn', 'error']);
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    report.note(`  example app on http://127.0.0.1:${port} (queue mode, worker in-process, cron "${config.cron}")`);

    const fga = new OpenFgaClient({ apiUrl: openfga.apiUrl, storeId: store.storeId, authorizationModelId: store.modelId });
    await runScenario(report, new DemoHttp(`http://127.0.0.1:${port}`, config.adminToken, config.demoPassword), fga, config, cronAt);
  } catch (err) {
    report.step('the scenario ran to its end', `crashed: ${err instanceof Error ? err.message : String(err)}`, false);
  } finally {
    await app?.close().catch((err: unknown) => report.note(`app.close failed: ${String(err)}`));
    await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  report.note(
    report.failures === 0
      ? `\nAll ${report.steps} steps matched (${seconds} s).`
      : `\n${report.failures} of ${report.steps} steps did not match (${seconds} s).`,
  );
  return report.failures === 0 ? 0 : 1;
}

const watchdog = setTimeout(() => {
  process.stderr.write(`✘ the demo did not finish within ${DEMO_DEADLINE_MS / 1000} s\n`);
  process.exit(1);
}, DEMO_DEADLINE_MS);
watchdog.unref();

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
