--[[
  Makes a process's relation graph the one the store's cache follows, when
  the store has none or an older one (model ids are ULIDs: later ids sort
  after earlier ones). Adopting a graph bumps the epoch: answers cached under
  the previous graph (or none) recorded generations it may not have bumped.
  The key expires unless its users refresh it, so a store whose processes
  all went back to an older pinned model follows that one again later.

  KEYS[1] graph   KEYS[2] seq   KEYS[3] epoch
  ARGV[1] the process's graph (model id)   ARGV[2] time to live (ms)

  Returns the graph the store follows now.
]]
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
return ARGV[1]
