--[[
  Deletes dead letters (all, or the given ids) and their marks in `deadtuples`
  (see unmarkDead), so marks live only as long as their tuple's dead letters.

  KEYS[1] dead   KEYS[2] deadtuples
  ARGV[1..] dead-letter ids; none = all
  Returns the number of dead letters deleted.
]]
--- @include "unmarkDead"
if #ARGV == 0 then
  local n = rcall('HLEN', KEYS[1])
  rcall('DEL', KEYS[1], KEYS[2])
  return n
end
local n, seen = 0, {}
for _, id in ipairs(ARGV) do
  local json = not seen[id] and rcall('HGET', KEYS[1], id)
  seen[id] = true
  if json then
    rcall('HDEL', KEYS[1], id)
    unmarkDead(KEYS[2], cjson.decode(json))
    n = n + 1
  end
end
return n
