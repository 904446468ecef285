--[[
  Tells the age trigger whether a flush is due: the oldest queued op is
  older than the flush interval, a lease has expired past the grace claim
  allows its writer (its batch must return to the buffer and be written by
  someone), or batches wait out a backoff
  (`held`): a flush then probes whether OpenFGA is back (see claim),
  so after an outage the backlog drains within one interval of its end.

  KEYS[1] pending   KEYS[2] queue   KEYS[3] leases   KEYS[4] held
  ARGV[1] now (ms)   ARGV[2] flush interval (ms)   ARGV[3] grace (ms, see claim)
  Returns 1 when due, else 0.
]]
--- @include "parseRecord"
local now = tonumber(ARGV[1])
if #rcall('ZRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[3]), 'LIMIT', 0, 1) > 0 then
  return 1
end
if rcall('SCARD', KEYS[4]) > 0 then
  return 1
end
local first = rcall('ZRANGE', KEYS[2], 0, 0)
if first[1] then
  local rec = rcall('HGET', KEYS[1], first[1])
  if rec then
    local _, _, ts = parseRecord(rec)
    if now - ts >= tonumber(ARGV[2]) then
      return 1
    end
  end
end
return 0
