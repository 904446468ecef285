/**
 * A claim whose reply never came: Redis ran it (and AOF kept it) just before
 * it was killed, and ioredis sends the command again once it reconnects
 * (`autoResendUnfulfilledCommands`, on by default), so the claim runs twice
 * with the same batch id. The second run must answer with the batch the first
 * one leased: claiming anew left that batch unknown to any writer, its ops in
 * flight for nothing until its lease and the grace ran out (R8 saw
 * `inFlight: 1` after a Redis kill).
 */
import { Redis } from 'ioredis';
import type { LuaScripts } from '../../src/redis/lua-scripts';
import { freshStore, testOptions } from '../support/harness/env';
import { startRedis } from '../support/harness/servers';
import { openService, OpenService } from '../support/harness/service';

/** Runs the next call of `script` twice with the same arguments, as ioredis resends a command whose reply was lost. */
function replayNext(scripts: LuaScripts, script: string): void {
  const run = scripts.run.bind(scripts);
  jest.spyOn(scripts, 'run').mockImplementationOnce(async (name, keys, args) => {
    expect(name).toBe(script);
    await run(name, keys, args); // its reply is lost with the connection
    return run(name, keys, args);
  });
}

const scriptsOf = (open: OpenService) => (open.core.buffer as unknown as { scripts: LuaScripts }).scripts;

describe('a claim sent again after its reply was lost', () => {
  let open: OpenService | undefined;
  afterEach(async () => {
    jest.restoreAllMocks();
    await open?.close();
    open = undefined;
  });

  it.each(['claim', 'claim-tuples'])('%s run twice with one batch id answers with the batch it leased', async (script) => {
    const store = await freshStore('claim-resend');
    open = openService(testOptions(store, { changeFeed: { enabled: false } }));
    const { core, service } = open;
    await service.grant('user:a', 'viewer', 'document:1');
    await service.grant('user:b', 'viewer', 'document:2');
    replayNext(scriptsOf(open), script);
    const batch =
      script === 'claim'
        ? await core.buffer.claim(10, 60_000)
        : await core.buffer.claimTuples(['user:a viewer document:1', 'user:b viewer document:2'], 60_000);
    expect(batch?.operations.map((o) => o.key).sort()).toEqual(['user:a viewer document:1', 'user:b viewer document:2']);
    expect(await service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 2 });
    await core.buffer.settle(batch!.id, { acked: batch!.operations.map((o) => o.key), dead: [], retryAt: 0 });
    expect(await service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0 });
  });

  it('a Redis SIGKILLed while claims are sent never leaves a batch no writer knows (AOF always, ioredis defaults)', async () => {
    const redis = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    const client = new Redis(redis.url, { disconnectTimeout: 50 });
    client.on('error', () => undefined);
    const store = await freshStore('claim-kill');
    open = openService({ ...testOptions(store, { changeFeed: { enabled: false }, requestTimeout: 0.5 }), redis: client });
    const { core, service } = open;
    const rounds = { total: 0, claimed: 0, empty: 0, failed: 0, orphanedOps: 0 };
    try {
      for (let i = 0; i < 24; i++) {
        await service.grant('user:a', 'viewer', `document:${i}`);
        const claim = core.buffer.claim(10, 60_000);
        await new Promise((r) => setTimeout(r, i % 4)); // the kill lands before, during or after the claim
        await redis.restart();
        const batch = await claim.catch(() => null);
        // Calls fail at once while the module knows Redis is down: wait until it answers again, as a flusher retries.
        for (
          let tries = 0;
          tries < 100 &&
          !(await service.status().then(
            () => true,
            () => false,
          ));
          tries++
        ) {
          await new Promise((r) => setTimeout(r, 50));
        }
        rounds.total++;
        if (batch === null) rounds.failed++;
        else if (batch) rounds.claimed++;
        else rounds.empty++;
        if (batch) await core.buffer.release(batch.id); // known to its writer: given back
        await service.clear();
      }
      // Every batch a claim answered with was given back: whatever is still in flight no writer knows.
      rounds.orphanedOps = (await service.status()).inFlight;
    } finally {
      console.log('claim resent after a Redis kill:', JSON.stringify(rounds));
      await open.close();
      open = undefined;
      client.disconnect();
      await redis.stop();
    }
    expect(rounds.orphanedOps).toBe(0);
  }, 120_000);
});
