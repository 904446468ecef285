--[[
  Watches the tuples of a batch whose writer may still be alive (its lease
  expired, or another job took it over) for `retention` ms, so that its
  writer's late settle can re-assert the latest op of each tuple it wrote
  (see reassert-9+.lua): a stalled write may land after a newer one.
  watchKey     watch     HASH  tuple key -> 'until|' or 'until|op|seq|model[|condition]', the
                               latest op acknowledged on it since (see recordAcks)
  watchExpKey  watchexp  ZSET  tuple key -> until (ms), to drop expired entries
  One entry per tuple, whatever the number of batches watching it: a settle
  pays for the tuples it settles, not for the batches watched.
]]
--- @include "callSliced"
local function watchBatch(watchKey, watchExpKey, tks, now, retention)
  if #tks == 0 then
    return
  end
  local untilAt = now + retention
  local current = callSliced('HMGET', watchKey, tks, true)
  local fields, expiries = {}, {}
  for i, tk in ipairs(tks) do
    local ack = current[i] and string.match(current[i], '^%d+|(.*)$') or ''
    fields[#fields + 1] = tk
    fields[#fields + 1] = untilAt .. '|' .. ack
    expiries[#expiries + 1] = untilAt
    expiries[#expiries + 1] = tk
  end
  callSliced('HSET', watchKey, fields)
  callSliced('ZADD', watchExpKey, expiries)
end
