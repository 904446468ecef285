--[[
  Claims up to `limit` claimable operations as one leased batch, oldest first.
  First returns batches whose lease expired (their process died or gave up)
  to the buffer, so nothing claimed is ever lost.

  KEYS[1] pending   KEYS[2] queue   KEYS[3] inflight   KEYS[4] leases   KEYS[5] count
  ARGV[1] base key prefix   ARGV[2] now (ms)   ARGV[3] limit
  ARGV[4] lease duration (ms)   ARGV[5] new batch id

  Returns { tuple key, record, tuple key, record, ... } (empty: nothing to claim).
]]
local base, now, limit, leaseMs, batchId = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]

local expired = rcall('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, 100)
for _, oldId in ipairs(expired) do
  local bkey = base .. 'b:' .. oldId
  local entries = rcall('HGETALL', bkey)
  for i = 1, #entries, 2 do
    local tk, rec = entries[i], entries[i + 1]
    local op, seq, ts, attempts, model = parseRecord(rec)
    rcall('HDEL', KEYS[3], tk)
    rcall('HINCRBY', KEYS[5], 'f' .. op, -1)
    local waiting = rcall('HGET', KEYS[1], tk)
    if waiting then
      -- A newer op on this tuple supersedes the expired one.
      local _, wseq = parseRecord(waiting)
      rcall('ZADD', KEYS[2], wseq, tk)
    else
      rcall('HSET', KEYS[1], tk, makeRecord(op, seq, ts, attempts + 1, model))
      rcall('HINCRBY', KEYS[5], op, 1)
      rcall('ZADD', KEYS[2], seq, tk)
    end
  end
  rcall('DEL', bkey)
  rcall('ZREM', KEYS[4], oldId)
end

local popped = rcall('ZPOPMIN', KEYS[2], limit)
if #popped == 0 then
  return {}
end
local bkey = base .. 'b:' .. batchId
local out = {}
for i = 1, #popped, 2 do
  local tk = popped[i]
  local rec = rcall('HGET', KEYS[1], tk)
  if rec then
    local op = string.sub(rec, 1, 1)
    rcall('HDEL', KEYS[1], tk)
    rcall('HINCRBY', KEYS[5], op, -1)
    rcall('HINCRBY', KEYS[5], 'f' .. op, 1)
    rcall('HSET', KEYS[3], tk, batchId)
    rcall('HSET', bkey, tk, rec)
    out[#out + 1] = tk
    out[#out + 1] = rec
  end
end
if #out > 0 then
  rcall('ZADD', KEYS[4], now + leaseMs, batchId)
end
return out
