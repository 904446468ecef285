--[[
  The lowest buffer position still outstanding (claimable or in flight), for
  at-least-as-fresh and strong checks that wait until a position is flushed.
  Pending ops outside the queue wait on an in-flight op of the same tuple,
  which has a lower position, so queue + in-flight batches cover everything.

  KEYS[1] queue   KEYS[2] leases   KEYS[3] seq
  ARGV[1] base key prefix
  Returns { lowest outstanding seq or -1, current seq }.
]]
local lowest = -1
local first = rcall('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then
  lowest = tonumber(first[2])
end
for _, batchId in ipairs(rcall('ZRANGE', KEYS[2], 0, -1)) do
  for _, rec in ipairs(rcall('HVALS', ARGV[1] .. 'b:' .. batchId)) do
    local _, seq = parseRecord(rec)
    if lowest == -1 or seq < lowest then
      lowest = seq
    end
  end
end
return { lowest, tonumber(rcall('GET', KEYS[3]) or '0') }
