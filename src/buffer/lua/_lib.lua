--[[
  Shared helpers, prepended to every script when it is loaded.
  A record is "op|seq|ts|attempts|model".
]]
local rcall = redis.call

local function parseRecord(rec)
  local op, seq, ts, attempts, model = string.match(rec, '^(%a)|(%d+)|(%d+)|(%d+)|(.*)$')
  return op, tonumber(seq), tonumber(ts), tonumber(attempts), model
end

local function makeRecord(op, seq, ts, attempts, model)
  return op .. '|' .. seq .. '|' .. ts .. '|' .. attempts .. '|' .. model
end

-- A tuple key is "user relation object".
local function tupleParts(tk)
  return string.match(tk, '^(%S+) (%S+) (%S+)$')
end

-- The set `base .. 'grants'` holds every tuple whose latest outstanding op
-- (pending, else in flight) is a grant: the pending grants a check sends to
-- OpenFGA as contextual tuples.
local function trackGrant(base, tk, op)
  if op == 'w' then
    rcall('SADD', base .. 'grants', tk)
  else
    rcall('SREM', base .. 'grants', tk)
  end
end

-- Releases the in-flight claim on one tuple (settled: written or dead);
-- a newer op waiting on it becomes claimable.
local function releaseTuple(base, pendingKey, queueKey, inflightKey, countKey, tk, op)
  rcall('HDEL', inflightKey, tk)
  rcall('HINCRBY', countKey, 'f' .. op, -1)
  local waiting = rcall('HGET', pendingKey, tk)
  if waiting then
    local _, wseq = parseRecord(waiting)
    rcall('ZADD', queueKey, wseq, tk)
  else
    rcall('SREM', base .. 'grants', tk)
  end
end

-- Records that a write touched the tuple's object and user: cached answers
-- taken before `seq` for either of them are no longer served.
local function markTouched(base, markerTtl, tk, seq)
  local user, _, object = tupleParts(tk)
  rcall('SET', base .. 'go:' .. object, seq, 'PX', markerTtl)
  rcall('SET', base .. 'gu:' .. user, seq, 'PX', markerTtl)
end

-- Appends one op to the buffer (last op per tuple wins) and bumps the
-- invalidation markers of its object and user.
-- K: seq, pending, queue, inflight, count, epoch (the first six KEYS of enqueue and retry-dead).
local function appendOp(K, base, now, model, markerTtl, op, tk)
  local seq = rcall('INCR', K[1])
  local prev = rcall('HGET', K[2], tk)
  if prev then
    rcall('HINCRBY', K[5], string.sub(prev, 1, 1), -1)
  end
  rcall('HSET', K[2], tk, makeRecord(op, seq, now, 0, model))
  rcall('HINCRBY', K[5], op, 1)
  if rcall('HEXISTS', K[4], tk) == 0 then
    rcall('ZADD', K[3], seq, tk)
  end
  if op == 'd' then
    rcall('SET', K[6], seq)
  end
  trackGrant(base, tk, op)
  markTouched(base, markerTtl, tk, seq)
  return seq
end
