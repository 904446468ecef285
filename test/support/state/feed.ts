/** Builds a change-feed poller on a test core (the module wires the same pieces). */
import { LuaScripts } from '../../../src/redis/lua-scripts';
import { ChangeFeedPoller } from '../../../src/changefeed/change-feed-poller';
import type { OpenFgaCore } from '../../../src/core/openfga-core';
import { changeFeedKeys } from '../../../src/redis/redis-keys';

export function makePoller(
  core: OpenFgaCore,
  intervalMs = 200,
  types: (string | undefined)[] = [undefined],
  pageSize = 100,
): ChangeFeedPoller {
  return new ChangeFeedPoller(core.redis, new LuaScripts(core.redis), core.buffer, core.client, changeFeedKeys(core.buffer.keys), {
    intervalMs,
    types,
    pageSize,
  });
}
