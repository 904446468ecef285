--[[
  Moves claimed ops into a new leased batch: out of `pending`, counted as in
  flight, owned by the batch in `inflight` and `flight`, stored in
  b:<batch id>, leased until now + leaseMs.
  K    the first eleven KEYS of claim and settle
  out  { tuple key, record, ... } of the claimed ops (each tuple once, none in flight)
]]
--- @include "callSliced"
local function leaseBatch(K, batchId, out, now, leaseMs)
  local claimed, owners, flight = {}, {}, {}
  local w, d = 0, 0
  for i = 1, #out, 2 do
    local tk, rec = out[i], out[i + 1]
    if string.sub(rec, 1, 1) == 'w' then w = w + 1 else d = d + 1 end
    claimed[#claimed + 1] = tk
    owners[#owners + 1] = tk
    owners[#owners + 1] = batchId
    flight[#flight + 1] = string.match(rec, '^%a|(%d+)|')
    flight[#flight + 1] = tk
  end
  callSliced('HDEL', K[1], claimed)
  if w > 0 then
    rcall('HINCRBY', K[5], 'w', -w)
    rcall('HINCRBY', K[5], 'fw', w)
  end
  if d > 0 then
    rcall('HINCRBY', K[5], 'd', -d)
    rcall('HINCRBY', K[5], 'fd', d)
  end
  callSliced('HSET', K[3], owners)
  callSliced('ZADD', K[6], flight)
  callSliced('HSET', K[11] .. 'b:' .. batchId, out)
  rcall('ZADD', K[4], now + leaseMs, batchId)
end
