--[[
  Records acknowledged ops (`tks[j]` with its 'op|seq|model' in `acks[j]`) on
  their watched tuples (watchKey, watchExpKey: see watchBatch). Called only
  while some tuple is watched (EXISTS of watchKey): the common settle pays
  that one command.
]]
--- @include "callSliced"
--- @include "pruneWatch"
local function recordAcks(watchKey, watchExpKey, now, tks, acks)
  pruneWatch(watchKey, watchExpKey, now)
  local watched = callSliced('HMGET', watchKey, tks, true)
  local updates = {}
  for j, tk in ipairs(tks) do
    local untilAt = watched[j] and string.match(watched[j], '^(%d+)|')
    if untilAt then
      updates[#updates + 1] = tk
      updates[#updates + 1] = untilAt .. '|' .. acks[j]
    end
  end
  if #updates > 0 then
    callSliced('HSET', watchKey, updates)
  end
end
