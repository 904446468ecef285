--[[
  Returns every op left in a claimed batch to the buffer and deletes the
  batch: its lease expired (its process died or gave up), or its flusher gave
  it back unwritten. An op whose tuple has a newer op waiting is dropped (the
  newer op supersedes it) and the newer one queued. `tried` (0 or 1) is added
  to the ops' attempts: whether they may have been sent. With `retention`
  (an expired lease whose writer may still be alive), its tuples are watched
  (see watchBatch).
  K   pending, queue, inflight, leases, count, flight, owners, watch, watchexp,
      held, and the store's key prefix (for b:<batch id>): the first eleven KEYS
      of claim and settle
]]
--- @include "callSliced"
--- @include "makeRecord"
--- @include "parseRecord"
--- @include "watchBatch"
local function requeueBatch(K, batchId, tried, now, retention)
  local bkey = K[11] .. 'b:' .. batchId
  local entries = rcall('HGETALL', bkey)
  local tks = {}
  for i = 1, #entries, 2 do
    local tk, rec = entries[i], entries[i + 1]
    tks[#tks + 1] = tk
    local op, seq, ts, attempts, model, cond = parseRecord(rec)
    rcall('HDEL', K[3], tk)
    rcall('HINCRBY', K[5], 'f' .. op, -1)
    local waiting = rcall('HGET', K[1], tk)
    if waiting then
      local _, wseq = parseRecord(waiting)
      rcall('ZADD', K[2], wseq, tk)
    else
      rcall('HSET', K[1], tk, makeRecord(op, seq, ts, attempts + tried, model, cond))
      rcall('HINCRBY', K[5], op, 1)
      rcall('ZADD', K[2], seq, tk)
    end
  end
  if #tks > 0 then
    callSliced('ZREM', K[6], tks)
    if retention then
      watchBatch(K[8], K[9], tks, now, retention)
    end
  end
  rcall('DEL', bkey)
  rcall('ZREM', K[4], batchId)
  rcall('HDEL', K[7], batchId)
end
