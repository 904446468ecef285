--[[
  Makes a process's relation graph the one the store's cache follows, when
  the store has none or an older one (model ids are ULIDs: later ids sort
  after earlier ones). Adopting a graph
  - bumps the epoch: answers cached under the previous graph (or none)
    recorded generations it may not have bumped;
  - sets `byuser`, the pairs the graph reads by user, and indexes the
    outstanding ops of those pairs by user (see outstandingIndex): checks
    that follow the new graph read them that way.
  The key expires unless its users refresh it, so a store whose processes
  all went back to an older pinned model follows that one again later.

  KEYS[1] graph   KEYS[2] seq   KEYS[3] epoch   KEYS[4] byuser
  KEYS[5] pending   KEYS[6] inflight   KEYS[7] the store's key prefix
  ARGV[1] the process's graph (model id)   ARGV[2] time to live (ms)
  ARGV[3..] the pairs its graph reads by user

  Returns the graph the store follows now.
]]
--- @include "outstandingIndex"
local current = rcall('GET', KEYS[1])
if current == ARGV[1] then
  rcall('PEXPIRE', KEYS[1], ARGV[2])
  return current
end
if current and current > ARGV[1] then
  return current
end
rcall('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
-- A new epoch without taking a buffer position (positions are consistency
-- tokens): '<model>@<seq>' differs from every epoch before it, as writes set
-- plain positions and the same model adopted again at the same position means
-- nothing was written meanwhile.
rcall('SET', KEYS[3], ARGV[1] .. '@' .. (rcall('GET', KEYS[2]) or '0'))
rcall('DEL', KEYS[4])
if #ARGV >= 3 then
  local byUserPairs = {}
  for i = 3, #ARGV do
    byUserPairs[#byUserPairs + 1] = ARGV[i]
  end
  callSliced('SADD', KEYS[4], byUserPairs)
  -- Outstanding ops of those pairs get their by-user entries (adding is idempotent).
  local tks = rcall('HKEYS', KEYS[5])
  for _, tk in ipairs(rcall('HKEYS', KEYS[6])) do
    tks[#tks + 1] = tk
  end
  indexOutstanding({ prefix = KEYS[7], byUser = KEYS[4] }, tks, true)
end
return ARGV[1]
