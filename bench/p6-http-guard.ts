/**
 * P6: requests/s of an HTTP route guarded by a warm `@Check` against the same
 * route without the guard (Nest on Express, autocannon in its own process,
 * loopback only, many short alternating runs). The minimal stand-in guard runs too, to
 * tell the guard's own cost from the check's.
 */
import { OpenFgaService } from '../src/openfga.service';
import type { Benchmark } from './support/benchmark';
import { rate } from './support/format';
import { ROUTES, startDocumentsApp } from './support/http/documents.app';
import { LoadGenerator, LoadResult } from './support/load-generator';
import { median } from './support/percentiles';
import { atLeast } from './support/result';

const USER = 'user:p6';
const DOC = 'p6';
const CONNECTIONS = 16;
type Route = keyof typeof ROUTES;

export const p6: Benchmark = {
  id: 'P6',
  title: 'HTTP route with @Check',
  async run(ctx) {
    const store = await ctx.newStore('p6');
    const { app, baseUrl } = await startDocumentsApp(ctx.moduleOptions(store, { resolveUser: () => USER }));
    ctx.defer(() => app.close());
    const url = (route: Route) => `${baseUrl}${ROUTES[route]}/${DOC}`;

    // Warm: the grant is flushed to OpenFGA and the answer cached, as in steady state.
    if ((await fetch(url('check'))).status !== 403) throw new Error('setup: the @Check route answers without a grant');
    const fga = app.get(OpenFgaService);
    await fga.grant(USER, 'viewer', `document:${DOC}`);
    await fga.flush();
    for (const route of Object.keys(ROUTES) as Route[]) {
      const res = await fetch(url(route));
      if (res.status !== 200) throw new Error(`setup: ${url(route)} answered ${res.status}`);
    }

    const plan = ctx.quick ? { rounds: 5, seconds: 1.5, warmup: 1 } : { rounds: 16, seconds: 3, warmup: 2 };
    const load = LoadGenerator.start();
    ctx.defer(() => load.close());
    const routes: Route[] = ['open', 'check', 'minimal'];
    for (const route of routes) await load.run(url(route), plan.warmup, CONNECTIONS);
    const runs: Record<Route, LoadResult[]> = { open: [], check: [], minimal: [] };
    for (let round = 0; round < plan.rounds; round++) {
      for (const route of round % 2 === 0 ? routes : [...routes].reverse()) {
        const r = await load.run(url(route), plan.seconds, CONNECTIONS);
        if (r.non2xx > 0 || r.errors > 0) throw new Error(`${route} route: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
        runs[route].push(r);
      }
    }
    const rps = (route: Route) => median(runs[route].map((r) => r.requestsPerSec));
    return {
      summary: `@Check ${rate(rps('check'))}; no guard ${rate(rps('open'))}; minimal guard ${rate(rps('minimal'))} (${CONNECTIONS} connections, ${plan.rounds}x${plan.seconds} s each)`,
      checks: [atLeast('of unguarded req/s', rps('check') / rps('open'), 0.8)],
      figures: {
        connections: CONNECTIONS,
        secondsPerRun: plan.seconds,
        openRps: rps('open'),
        checkRps: rps('check'),
        minimalGuardRps: rps('minimal'),
        runs,
      },
    };
  },
};
