--[[
  The lowest buffer position still outstanding (claimable or in flight), for
  at-least-as-fresh and strong checks that wait until a position is flushed.
  Pending ops outside the queue wait on an in-flight op of the same tuple,
  which has a lower position, so queue + in-flight ops cover everything:
  two ZRANGE 0 0, O(log n). While `flight` disagrees with the in-flight
  count (a version without it claimed or settled batches), the batches are
  read instead, as before `flight` existed.

  KEYS[1] queue   KEYS[2] flight   KEYS[3] leases   KEYS[4] seq   KEYS[5] count
  KEYS[6] the store's key prefix: a batch is KEYS[6] .. 'b:' .. its id
  Returns { lowest outstanding seq or -1, current seq }.
]]
--- @include "parseRecord"
local lowest = -1
local function consider(seq)
  if lowest == -1 or seq < lowest then
    lowest = seq
  end
end
local function lowestOf(key)
  local first = rcall('ZRANGE', key, 0, 0, 'WITHSCORES')
  if first[2] then
    consider(tonumber(first[2]))
  end
end
lowestOf(KEYS[1])
local c = rcall('HMGET', KEYS[5], 'fw', 'fd')
if rcall('ZCARD', KEYS[2]) == (tonumber(c[1]) or 0) + (tonumber(c[2]) or 0) then
  lowestOf(KEYS[2])
else
  for _, batchId in ipairs(rcall('ZRANGE', KEYS[3], 0, -1)) do
    for _, rec in ipairs(rcall('HVALS', KEYS[6] .. 'b:' .. batchId)) do
      local _, seq = parseRecord(rec)
      consider(seq)
    end
  end
end
return { lowest, tonumber(rcall('GET', KEYS[4]) or '0') }
