--[[
  Shared helpers. Each starts with a `--- @helper <name>` line; a script gets
  the helpers it names (and those they name), prepended when it is loaded, so
  a script never pays for defining helpers it does not use.
  A record is "op|seq|ts|attempts|model" (see src/redis/redis-keys.ts).
]]
--- @helper rcall
local rcall = redis.call

--- @helper parseRecord
local function parseRecord(rec)
  local op, seq, ts, attempts, model = string.match(rec, '^(%a)|(%d+)|(%d+)|(%d+)|(.*)$')
  return op, tonumber(seq), tonumber(ts), tonumber(attempts), model
end

--- @helper makeRecord
local function makeRecord(op, seq, ts, attempts, model)
  return op .. '|' .. seq .. '|' .. ts .. '|' .. attempts .. '|' .. model
end

--- @helper callSliced
-- Runs `cmd key <items>` (`cmd <items>` when key is false) in slices: unpack
-- has a limit on how many values it returns. With `gather`, returns the
-- replies of all slices as one list.
local SLICE = 4000
local function callSliced(cmd, key, items, gather)
  local out = gather and {} or nil
  for from = 1, #items, SLICE do
    local to = math.min(from + SLICE - 1, #items)
    local reply
    if key then
      reply = rcall(cmd, key, unpack(items, from, to))
    else
      reply = rcall(cmd, unpack(items, from, to))
    end
    if gather then
      for i = 1, #reply do
        out[#out + 1] = reply[i]
      end
    end
  end
  return out
end

--- @helper modelIndex
-- The short index of a pinned model in `models`, assigned on first use, so
-- records carry a few digits instead of the model id; '' is the latest model.
local function modelIndex(modelsKey, model)
  if model == nil or model == '' then
    return ''
  end
  local m = rcall('HGET', modelsKey, model)
  if not m then
    m = tostring(rcall('HINCRBY', modelsKey, '#', 1))
    rcall('HSET', modelsKey, model, m, '#' .. m, model)
  end
  return m
end

--- @helper modelId
-- The model id a record's model field stands for. Records written before
-- `models` existed carry the 26-character id itself. An index missing from
-- `models` (the hash was deleted) comes back as "#<index>": never mistaken
-- for the latest model, OpenFGA rejects it.
local function modelId(modelsKey, m)
  if m == '' or #m >= 26 then
    return m
  end
  return rcall('HGET', modelsKey, '#' .. m) or ('#' .. m)
end

--- @helper unmarkDead
--[[
  Removes a dead letter (its decoded entry) from the marks of its tuple in
  `deadtuples` (tuple key -> "n|seq": n dead letters counted there, seq the
  position of the tuple's newest op settled since it was first marked), and
  returns that seq (nil: unmarked). Letters from before marks existed carry
  no `marked` flag and were never counted.
]]
local function unmarkDead(marksKey, entry)
  local mark = rcall('HGET', marksKey, entry.tuple)
  if not mark then
    return nil
  end
  local n, last = string.match(mark, '^(%d+)|(%d+)$')
  n, last = tonumber(n), tonumber(last)
  if entry.marked then
    if n <= 1 then
      rcall('HDEL', marksKey, entry.tuple)
    else
      rcall('HSET', marksKey, entry.tuple, (n - 1) .. '|' .. last)
    end
  end
  return last
end

--- @helper watchBatch
--[[
  Watches the tuples of a batch whose writer may still be alive (its lease
  expired, or another job took it over) for `retention` ms, so that its
  writer's late settle can re-assert the latest op of each tuple it wrote
  (see reassert-6.lua): a stalled write may land after a newer one.
  base .. 'watch'     HASH  tuple key -> 'until|' or 'until|op|seq|model', the
                            latest op acknowledged on it since (see recordAcks)
  base .. 'watchexp'  ZSET  tuple key -> until (ms), to drop expired entries
  One entry per tuple, whatever the number of batches watching it: a settle
  pays for the tuples it settles, not for the batches watched.
]]
local function watchBatch(base, tks, now, retention)
  if #tks == 0 then
    return
  end
  local watchKey, untilAt = base .. 'watch', now + retention
  local current = callSliced('HMGET', watchKey, tks, true)
  local fields, expiries = {}, {}
  for i, tk in ipairs(tks) do
    local ack = current[i] and string.match(current[i], '^%d+|(.*)$') or ''
    fields[#fields + 1] = tk
    fields[#fields + 1] = untilAt .. '|' .. ack
    expiries[#expiries + 1] = untilAt
    expiries[#expiries + 1] = tk
  end
  callSliced('HSET', watchKey, fields)
  callSliced('ZADD', base .. 'watchexp', expiries)
end

--- @helper pruneWatch
-- Drops up to 200 watch entries past their retention (bounded work per call; claim and settle call it).
local function pruneWatch(base, now)
  local expired = rcall('ZRANGEBYSCORE', base .. 'watchexp', '-inf', now, 'LIMIT', 0, 200)
  if #expired > 0 then
    rcall('HDEL', base .. 'watch', unpack(expired))
    rcall('ZREM', base .. 'watchexp', unpack(expired))
  end
end

--- @helper recordAcks
--[[
  Records acknowledged ops (`tks[j]` with its 'op|seq|model' in `acks[j]`) on
  their watched tuples. Called only while some tuple is watched (EXISTS of
  base .. 'watch'): the common settle pays that one command.
]]
local function recordAcks(base, now, tks, acks)
  pruneWatch(base, now)
  local watchKey = base .. 'watch'
  local watched = callSliced('HMGET', watchKey, tks, true)
  local updates = {}
  for j, tk in ipairs(tks) do
    local untilAt = watched[j] and string.match(watched[j], '^(%d+)|')
    if untilAt then
      updates[#updates + 1] = tk
      updates[#updates + 1] = untilAt .. '|' .. acks[j]
    end
  end
  if #updates > 0 then
    callSliced('HSET', watchKey, updates)
  end
end

--- @helper requeueBatch
--[[
  Returns every op left in a claimed batch to the buffer and deletes the
  batch: its lease expired (its process died or gave up), or its flusher gave
  it back unwritten. An op whose tuple has a newer op waiting is dropped (the
  newer op supersedes it) and the newer one queued. `tried` (0 or 1) is added
  to the ops' attempts: whether they may have been sent. With `retention`
  (an expired lease whose writer may still be alive), its tuples are watched
  (see watchBatch).
  K   pending, queue, inflight, leases, count (the first five KEYS of claim and settle)
]]
local function requeueBatch(K, base, batchId, tried, now, retention)
  local bkey = base .. 'b:' .. batchId
  local entries = rcall('HGETALL', bkey)
  local tks = {}
  for i = 1, #entries, 2 do
    local tk, rec = entries[i], entries[i + 1]
    tks[#tks + 1] = tk
    local op, seq, ts, attempts, model = parseRecord(rec)
    rcall('HDEL', K[3], tk)
    rcall('HINCRBY', K[5], 'f' .. op, -1)
    local waiting = rcall('HGET', K[1], tk)
    if waiting then
      local _, wseq = parseRecord(waiting)
      rcall('ZADD', K[2], wseq, tk)
    else
      rcall('HSET', K[1], tk, makeRecord(op, seq, ts, attempts + tried, model))
      rcall('HINCRBY', K[5], op, 1)
      rcall('ZADD', K[2], seq, tk)
    end
  end
  if #tks > 0 then
    callSliced('ZREM', base .. 'flight', tks)
    if retention then
      watchBatch(base, tks, now, retention)
    end
  end
  rcall('DEL', bkey)
  rcall('ZREM', K[4], batchId)
  rcall('HDEL', base .. 'owners', batchId)
end

--- @helper appendOps
--[[
  Appends ops to the buffer and bumps the generations they may change, in one
  step. Per tuple the last op wins: a pending op on the same tuple is replaced
  (the caller sends one op per tuple). Every op enters the queue scored by its
  position; one whose tuple is in flight waits there until claim finds it
  still in flight and drops it, and settle (or claim, for an expired lease)
  puts it back once the in-flight op is done: two ops on one tuple are never
  in flight together.

  K       seq, pending, queue, count, epoch (the first five KEYS of enqueue and retry-dead)
  A       a list holding, from index `at`, n pairs of op ('w' | 'd') and tuple
          key, then (to its end) the generation keys of their objects and users
  revoke  true when any op (also one the caller coalesced away) is a revoke
  Every generation key (and epoch on a revoke) is set to the position of the
  last op: a fresh value, never seen in that key before.
  Returns the position of the last op.
]]
local function appendOps(K, now, m, A, at, n, revoke)
  local suffix = '|' .. now .. '|0|' .. m
  local gens = {}
  if n == 1 then
    -- One op (a grant or a revoke): the same steps without the bookkeeping of many.
    local op, tk = A[at], A[at + 1]
    local seq = rcall('INCR', K[1])
    local was = rcall('HGET', K[2], tk)
    rcall('HSET', K[2], tk, op .. '|' .. seq .. suffix)
    was = was and string.sub(was, 1, 1)
    if was ~= op then
      rcall('HINCRBY', K[4], op, 1)
      if was then
        rcall('HINCRBY', K[4], was, -1)
      end
    end
    rcall('ZADD', K[3], seq, tk)
    for i = at + 2, #A do
      gens[#gens + 1] = A[i]
      gens[#gens + 1] = seq
    end
    if revoke then
      gens[#gens + 1] = K[5]
      gens[#gens + 1] = seq
    end
    rcall('MSET', unpack(gens))
    return seq
  end

  local last = rcall('INCRBY', K[1], n)
  local first = last - n
  local kind = A[at]
  local tks, records, queued = {}, {}, {}
  for i = 1, n do
    local op, tk, seq = A[at + 2 * i - 2], A[at + 2 * i - 1], tostring(first + i)
    if op ~= kind then
      kind = nil
    end
    tks[i] = tk
    records[2 * i - 1] = tk
    records[2 * i] = op .. '|' .. seq .. suffix
    queued[2 * i - 1] = seq
    queued[2 * i] = tk
  end
  -- Pending counts per kind. When every op is of one kind and no pending op is
  -- of the other, each op replaces (if anything) an op of its own kind: the
  -- count grows by the ops that are new, which HSET reports, and the previous
  -- ops need not be read.
  local other = kind and (kind == 'w' and 'd' or 'w')
  if other and (tonumber(rcall('HGET', K[4], other)) or 0) == 0 then
    local added = 0
    for from = 1, #records, SLICE do
      added = added + rcall('HSET', K[2], unpack(records, from, math.min(from + SLICE - 1, #records)))
    end
    if added > 0 then rcall('HINCRBY', K[4], kind, added) end
  else
    local previous = callSliced('HMGET', K[2], tks, true)
    local dw, dd = 0, 0
    for i = 1, n do
      local prev = previous[i]
      if prev then
        if string.sub(prev, 1, 1) == 'w' then dw = dw - 1 else dd = dd - 1 end
      end
      if A[at + 2 * i - 2] == 'w' then dw = dw + 1 else dd = dd + 1 end
    end
    callSliced('HSET', K[2], records)
    if dw ~= 0 then rcall('HINCRBY', K[4], 'w', dw) end
    if dd ~= 0 then rcall('HINCRBY', K[4], 'd', dd) end
  end
  callSliced('ZADD', K[3], queued)
  for i = at + 2 * n, #A do
    gens[#gens + 1] = A[i]
    gens[#gens + 1] = last
  end
  if revoke then
    gens[#gens + 1] = K[5]
    gens[#gens + 1] = last
  end
  callSliced('MSET', false, gens)
  return last
end

--- @helper markRevoked
-- Records that a revoke reached OpenFGA at `now` (ms) in `revoked`: for a
-- while the read path then asks OpenFGA with higher consistency, and single
-- flight keys on this value, so every call sets a new one (one past the last
-- when the clock has not moved on).
local function markRevoked(revokedKey, now)
  rcall('SET', revokedKey, math.max(tonumber(now), (tonumber(rcall('GET', revokedKey)) or 0) + 1))
end
