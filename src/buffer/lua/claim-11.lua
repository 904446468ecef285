--[[
  Claims up to `limit` claimable operations as one leased batch, oldest first.
  First returns batches whose lease expired (their process died or gave up)
  to the buffer, so nothing claimed is ever lost. A lease is taken back only
  `grace` ms after it expired: its writer stops starting requests before
  the lease ends (see BatchLease), and the grace covers one still in flight.
  A batch whose writer may still be alive (not one resting in `held`,
  whose writer is done) is watched (see watchBatch), so a write of it that
  lands late is corrected by its settle.

  With ARGV[5] = 1 (a probe), when nothing is claimable but batches wait out
  a backoff (`held`, see settle), one of them returns early and is
  claimed: after an outage every op may sit in such a batch (or wait behind
  one on its tuple), and only a write that succeeds ends the others' waits.

  KEYS[1] pending   KEYS[2] queue   KEYS[3] inflight   KEYS[4] leases   KEYS[5] count
  KEYS[6] flight    KEYS[7] owners  KEYS[8] watch      KEYS[9] watchexp KEYS[10] held
  KEYS[11] the store's key prefix: a batch is KEYS[11] .. 'b:' .. its id
  (the first eleven KEYS of claim and settle, as requeueBatch takes them)
  ARGV[1] now (ms)   ARGV[2] limit   ARGV[3] lease duration (ms)   ARGV[4] new batch id
  ARGV[5] 1 to probe, else 0   ARGV[6] grace (ms)   ARGV[7] how long an expired batch stays watched (ms)

  Returns { tuple key, record, tuple key, record, ... } (empty: nothing to claim).
]]
--- @include "callSliced"
--- @include "pruneWatch"
--- @include "requeueBatch"
--- @include "leaseBatch"
local now, limit, leaseMs, batchId = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local grace, retention = tonumber(ARGV[6]), tonumber(ARGV[7])
local heldKey = KEYS[10]

-- ioredis sends a command again when its connection dropped before the reply (autoResendUnfulfilledCommands):
-- a claim Redis ran (and persisted) just before it was killed then runs twice, with the same batch id. The
-- second run answers with the batch the first one leased; claiming anew would leave that batch unknown to
-- any writer, its ops in flight for nothing until its lease and the grace ran out.
local again = rcall('HGETALL', KEYS[11] .. 'b:' .. batchId)
if #again > 0 then
  return again
end

for _, oldId in ipairs(rcall('ZRANGEBYSCORE', KEYS[4], '-inf', now - grace, 'LIMIT', 0, 100)) do
  local resting = rcall('SREM', heldKey, oldId) == 1
  requeueBatch(KEYS, oldId, 1, now, (not resting) and retention or nil)
end
pruneWatch(KEYS[8], KEYS[9], now)

-- Oldest first. A popped tuple still in flight has an op waiting on it: it
-- leaves the queue until settle (or an expired lease) puts it back.
local out, count = {}, 0
local function take()
  while count < limit do
    local popped = rcall('ZPOPMIN', KEYS[2], limit - count)
    if #popped == 0 then
      break
    end
    local tks = {}
    for i = 1, #popped, 2 do
      tks[#tks + 1] = popped[i]
    end
    local recs = callSliced('HMGET', KEYS[1], tks, true)
    local busy = callSliced('HMGET', KEYS[3], tks, true)
    for j, tk in ipairs(tks) do
      if recs[j] and not busy[j] then
        count = count + 1
        out[#out + 1] = tk
        out[#out + 1] = recs[j]
      end
    end
  end
end
take()
if count == 0 and ARGV[5] == '1' then
  local id = rcall('SPOP', heldKey)
  while id and not rcall('ZSCORE', KEYS[4], id) do
    id = rcall('SPOP', heldKey) -- returned by its lease already
  end
  if id then
    requeueBatch(KEYS, id, 1)
    take()
  end
end
if count == 0 then
  return {}
end
leaseBatch(KEYS, batchId, out, now, leaseMs)
return out
