--[[
  Buffer status in one round trip.

  The oldest time is that of the oldest op acknowledged and not yet in
  OpenFGA, wherever it is:
  - claimable: the queue's first entry, its record in `pending`;
  - in flight, whether being written or waiting out a retry backoff (a rest
    of a failed batch stays leased, `held` or owned by a job, until its
    retryAt): `flight`'s first entry, its record in the batch `inflight` names;
  - pending out of the queue, waiting on an in-flight op of its tuple (claim
    took it out, settle puts it back): that in-flight op was acknowledged
    before it (a lower position), so it is counted through that op.
  A record's position and enqueue time are taken together, so the lowest
  position of each set is its oldest op: two ZRANGE 0 0, O(log n). While
  `flight` disagrees with the in-flight count (a version without it claimed
  or settled batches), the batches are read instead, as oldest-seq does.

  KEYS[1] pending   KEYS[2] queue   KEYS[3] count   KEYS[4] dead   KEYS[5] meta
  KEYS[6] inflight  KEYS[7] flight  KEYS[8] leases
  KEYS[9] the store's key prefix: a batch is KEYS[9] .. 'b:' .. its id

  Returns { pending writes, pending deletes, in-flight ops, dead letters,
            enqueue time (ms) of the oldest op not yet written or -1, last flush JSON or false }
]]
--- @include "parseRecord"
local oldest = -1
local function consider(rec)
  if rec then
    local _, _, ts = parseRecord(rec)
    if ts and (oldest == -1 or ts < oldest) then
      oldest = ts
    end
  end
end
local c = rcall('HMGET', KEYS[3], 'w', 'd', 'fw', 'fd')
local inFlight = (tonumber(c[3]) or 0) + (tonumber(c[4]) or 0)
local first = rcall('ZRANGE', KEYS[2], 0, 0)
if first[1] then
  consider(rcall('HGET', KEYS[1], first[1]))
end
if inFlight > 0 then
  if rcall('ZCARD', KEYS[7]) == inFlight then
    local tk = rcall('ZRANGE', KEYS[7], 0, 0)[1]
    local batchId = tk and rcall('HGET', KEYS[6], tk)
    if batchId then
      consider(rcall('HGET', KEYS[9] .. 'b:' .. batchId, tk))
    end
  else
    for _, batchId in ipairs(rcall('ZRANGE', KEYS[8], 0, -1)) do
      for _, rec in ipairs(rcall('HVALS', KEYS[9] .. 'b:' .. batchId)) do
        consider(rec)
      end
    end
  end
end
return { tonumber(c[1]) or 0, tonumber(c[2]) or 0, inFlight, rcall('HLEN', KEYS[4]), oldest, rcall('HGET', KEYS[5], 'lastFlush') }
