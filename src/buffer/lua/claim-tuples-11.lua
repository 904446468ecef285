--[[
  A priority claim: the pending ops of the given tuples (those not in flight)
  as one leased batch, whatever their position in the queue. A check uses it
  to write only the ops its answer depends on (a relevant revoke, or more
  relevant grants than fit as contextual tuples), never the whole backlog.
  Ops on one tuple are still never in flight together.

  A requested tuple whose op sits in a batch waiting out a backoff (`held`:
  its writer is done, see settle) has that batch returned to the buffer
  first, so a read that needs the op after an outage does not wait out the
  backoff (up to retryMaxDelay) and fail closed while OpenFGA is up again.

  KEYS as claim (the first eleven KEYS of claim and settle)
  ARGV[1] now (ms)   ARGV[2] lease duration (ms)   ARGV[3] new batch id
  ARGV[4..] tuple keys

  Returns { tuple key, record, ... } (empty: none of them claimable).
]]
--- @include "callSliced"
--- @include "requeueBatch"
--- @include "leaseBatch"
local now, leaseMs, batchId = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]

-- ioredis sends a command again when its connection dropped before the reply (autoResendUnfulfilledCommands):
-- a claim Redis ran (and persisted) just before it was killed then runs twice, with the same batch id. The
-- second run answers with the batch the first one leased; claiming anew would leave that batch unknown to
-- any writer, its ops in flight for nothing until its lease and the grace ran out.
local again = rcall('HGETALL', KEYS[11] .. 'b:' .. batchId)
if #again > 0 then
  return again
end
local tks, seen = {}, {}
for i = 4, #ARGV do
  if not seen[ARGV[i]] then
    seen[ARGV[i]] = true
    tks[#tks + 1] = ARGV[i]
  end
end
if #tks == 0 then
  return {}
end
local busy = callSliced('HMGET', KEYS[3], tks, true)
local returned = false
for _, id in ipairs(busy) do
  if id and rcall('SREM', KEYS[10], id) == 1 then
    if rcall('ZSCORE', KEYS[4], id) then
      requeueBatch(KEYS, id, 1)
      returned = true
    end
  end
end
if returned then
  busy = callSliced('HMGET', KEYS[3], tks, true)
end
local recs = callSliced('HMGET', KEYS[1], tks, true)
local out, queued = {}, {}
for j, tk in ipairs(tks) do
  if recs[j] and not busy[j] then
    out[#out + 1] = tk
    out[#out + 1] = recs[j]
    queued[#queued + 1] = tk
  end
end
if #out == 0 then
  return {}
end
callSliced('ZREM', KEYS[2], queued)
leaseBatch(KEYS, batchId, out, now, leaseMs)
return out
