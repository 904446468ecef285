--[[
  Settles a claimed batch after a flush attempt: acknowledged ops leave the
  buffer, rejected ops move to the dead-letter set with the server's reason,
  and whatever is left stays leased until `retryAt` (exponential backoff for
  transient failures), when claim returns it to the buffer.

  KEYS[1] pending   KEYS[2] queue   KEYS[3] inflight   KEYS[4] leases
  KEYS[5] count     KEYS[6] dead
  ARGV[1] base key prefix   ARGV[2] now (ms)   ARGV[3] batch id
  ARGV[4] retryAt (ms; 0 = return the rest to the buffer now)
  ARGV[5] number of acknowledged tuple keys that follow
  ARGV[6..] acknowledged tuple keys, then pairs of (tuple key, reason) to dead-letter

  Returns the number of ops still leased in the batch, or -1 when the batch
  is gone (its lease expired and another process took it over).
]]
local base, now, batchId, retryAt, nAck = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local bkey = base .. 'b:' .. batchId
if rcall('EXISTS', bkey) == 0 then
  return -1
end

local function take(tk)
  local rec = rcall('HGET', bkey, tk)
  if not rec then
    return nil
  end
  rcall('HDEL', bkey, tk)
  releaseTuple(base, KEYS[1], KEYS[2], KEYS[3], KEYS[5], tk, string.sub(rec, 1, 1))
  return rec
end

for i = 6, 5 + nAck do
  take(ARGV[i])
end
for i = 6 + nAck, #ARGV, 2 do
  local tk, reason = ARGV[i], ARGV[i + 1]
  local rec = take(tk)
  if rec then
    local op, seq, ts, attempts, model = parseRecord(rec)
    rcall('HSET', KEYS[6], seq, cjson.encode({ tuple = tk, op = op, seq = seq, enqueuedAt = ts,
      attempts = attempts + 1, model = model, reason = reason, deadAt = tonumber(now) }))
  end
end

local left = rcall('HLEN', bkey)
if left == 0 then
  rcall('DEL', bkey)
  rcall('ZREM', KEYS[4], batchId)
else
  rcall('ZADD', KEYS[4], 'XX', retryAt, batchId)
end
return left
