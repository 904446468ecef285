--[[
  Buffer status in one round trip.

  KEYS[1] pending   KEYS[2] queue   KEYS[3] count   KEYS[4] dead   KEYS[5] meta

  Returns { pending writes, pending deletes, in-flight ops, dead letters,
            enqueue time (ms) of the oldest queued op or -1, last flush JSON or false }
]]
--- @include "parseRecord"
local c = rcall('HMGET', KEYS[3], 'w', 'd', 'fw', 'fd')
local oldest = -1
local first = rcall('ZRANGE', KEYS[2], 0, 0)
if first[1] then
  local rec = rcall('HGET', KEYS[1], first[1])
  if rec then
    local _, _, ts = parseRecord(rec)
    oldest = ts
  end
end
return { tonumber(c[1]) or 0, tonumber(c[2]) or 0, (tonumber(c[3]) or 0) + (tonumber(c[4]) or 0),
  rcall('HLEN', KEYS[4]), oldest, rcall('HGET', KEYS[5], 'lastFlush') }
