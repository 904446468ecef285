--[[
  Settles a claimed batch after a flush attempt: acknowledged ops leave the
  buffer, rejected ops move to the dead-letter set with the server's reason,
  and whatever is left stays leased until `retryAt` (exponential backoff for
  transient failures), when claim returns it to the buffer. A tuple released
  here whose newer op waits in `pending` becomes claimable. Dead-lettering
  bumps the epoch (from seq) and marks the tuple in `deadtuples` (see
  unmarkDead); settling an op of a marked tuple
  records its position there, so retry-dead can tell a newer op was written.

  A rest that only waits out a backoff (nobody works on it meanwhile) is
  remembered in `held`. A settle that wrote everything it was given
  shows OpenFGA takes writes again: it ends every such wait at once, so the
  backlog of an outage drains as soon as OpenFGA is back, not up to
  retryMaxDelay later. A rest some job still owns (queue mode, between
  BullMQ's attempts) is never held: returning it could put it in flight twice.

  The writer is done with the batch: a rest keeps no owner (queue mode: the
  next attempt takes it again, see renew), and its lease score is retryAt
  minus the grace claim allows a live writer, so it returns at retryAt.
  Acknowledged ops are recorded for watched batches (see recordAcks), and any
  acknowledged op sets `revoked` to now: the read path asks OpenFGA with higher
  consistency for a while after one, since OpenFGA's check cache may still hold
  an answer from before it (an "allowed" a revoke took away, a "denied" a grant
  turned).

  KEYS[1] pending   KEYS[2] queue   KEYS[3] inflight   KEYS[4] leases   KEYS[5] count
  KEYS[6] flight    KEYS[7] owners  KEYS[8] watch      KEYS[9] watchexp KEYS[10] held
  KEYS[11] the store's key prefix: a batch is KEYS[11] .. 'b:' .. its id
  (the first eleven KEYS of claim and settle, as requeueBatch takes them)
  KEYS[12] dead   KEYS[13] models   KEYS[14] seq   KEYS[15] epoch
  KEYS[16] deadtuples   KEYS[17] revoked   KEYS[18] quiet (set to seq once nothing is outstanding)
  ARGV[1] now (ms)   ARGV[2] batch id
  ARGV[3] retryAt (ms; 0 = return the rest to the buffer at the next claim, as an
          attempt; -1 = return it now, unattempted: the flusher gives it back unwritten)
  ARGV[4] 1 when the rest only waits out its backoff (see above), else 0
  ARGV[5] grace (ms, see claim)
  ARGV[6] owner token of the settling job ('' = inline: no owner)
  ARGV[7] number of acknowledged tuple keys that follow
  ARGV[8..] acknowledged tuple keys, then pairs of (tuple key, reason) to dead-letter

  Returns the number of ops still leased in the batch, or -1 when the batch
  is no longer this writer's: its lease expired and claim returned it to the
  buffer, or (queue mode) this processing does not own it (another one took
  it over, or settled it and left it with no owner). Its writer then
  re-asserts what it wrote (see reassert).
]]
--- @include "parseRecord"
--- @include "callSliced"
--- @include "modelId"
--- @include "recordAcks"
--- @include "requeueBatch"
--- @include "markRevoked"
--- @include "releaseTuples"
--- @include "markQuiet"
local now, batchId, retryAt, held = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local grace, owner, nAck = tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7])
local bkey = KEYS[11] .. 'b:' .. batchId
if rcall('EXISTS', bkey) == 0 then
  return -1
end
local ownersKey = KEYS[7]
-- A job settles only while it owns the batch (its processing took ownership before writing, see renew).
-- No owner recorded counts as lost too: another processing settled a rest meanwhile, so this one's
-- writes may have landed after newer ones (a stalled first run after BullMQ ran the job again).
if owner ~= '' then
  local current = rcall('HGET', ownersKey, batchId)
  if not current or string.match(current, '^(.*)|%d+$') ~= owner then
    return -1
  end
end

-- Every tuple named, acknowledged ones first; a tuple named twice counts once, as its first mention.
local tks, reasons = {}, {}
for i = 8, 7 + nAck do
  tks[#tks + 1] = ARGV[i]
end
for i = 8 + nAck, #ARGV, 2 do
  tks[#tks + 1] = ARGV[i]
  reasons[#tks] = ARGV[i + 1]
end

local records = callSliced('HMGET', bkey, tks, true)
local taken, seen, dead, seqs, deadSeen = {}, {}, {}, {}, {}
local fw, fd = 0, 0
local models = {}
local ackedTks, acks, revoked = {}, {}, false
for j, tk in ipairs(tks) do
  local rec = records[j]
  if rec and not seen[tk] then
    seen[tk] = true
    taken[#taken + 1] = tk
    local op, seq, ts, attempts, model, cond = parseRecord(rec)
    seqs[#taken] = seq
    if op == 'w' then fw = fw + 1 else fd = fd + 1 end
    if not reasons[j] then
      ackedTks[#ackedTks + 1] = tk
      acks[#acks + 1] = cond ~= '' and (op .. '|' .. seq .. '|' .. model .. '|' .. cond) or (op .. '|' .. seq .. '|' .. model)
      -- Any written op: OpenFGA's check cache may hold the answer from before it (a "denied" a grant turned,
      -- an "allowed" a revoke, a conditional re-grant or a `but not` grant took away).
      revoked = true
    end
    if reasons[j] then
      deadSeen[#taken] = true
      if models[model] == nil then
        models[model] = modelId(KEYS[13], model)
      end
      dead[#dead + 1] = seq
      dead[#dead + 1] = cjson.encode({ tuple = tk, op = op, seq = seq, enqueuedAt = ts, attempts = attempts + 1,
        model = models[model], condition = cond ~= '' and cond or nil, reason = reasons[j], deadAt = tonumber(now),
        marked = true })
    end
  end
end

if #taken > 0 then
  callSliced('HDEL', bkey, taken)
  callSliced('HDEL', KEYS[3], taken)
  callSliced('ZREM', KEYS[6], taken)
  if fw > 0 then rcall('HINCRBY', KEYS[5], 'fw', -fw) end
  if fd > 0 then rcall('HINCRBY', KEYS[5], 'fd', -fd) end
  releaseTuples(KEYS[1], KEYS[2], KEYS[11], taken)
  if #dead > 0 then
    callSliced('HSET', KEYS[12], dead)
    -- A dead-lettered grant never reaches OpenFGA, yet checks may have counted
    -- it (a contextual tuple) in a cached "allowed": invalidate those, as a revoke would.
    rcall('SET', KEYS[15], rcall('INCR', KEYS[14]))
  end
  -- Marks exist only while a tuple has dead letters: an empty hash costs one EXISTS.
  local marksKey = KEYS[16]
  if #dead > 0 or rcall('EXISTS', marksKey) == 1 then
    local marks = callSliced('HMGET', marksKey, taken, true)
    local updates = {}
    for j, tk in ipairs(taken) do
      if marks[j] or deadSeen[j] then
        local n, last = 0, 0
        if marks[j] then
          n, last = string.match(marks[j], '^(%d+)|(%d+)$')
          n, last = tonumber(n), tonumber(last)
        end
        if deadSeen[j] then n = n + 1 end
        updates[#updates + 1] = tk
        updates[#updates + 1] = n .. '|' .. math.max(last, seqs[j])
      end
    end
    callSliced('HSET', marksKey, updates)
  end
end

if #ackedTks > 0 then
  -- One EXISTS in the common case: nothing is watched.
  if rcall('EXISTS', KEYS[8]) == 1 then
    recordAcks(KEYS[8], KEYS[9], now, ackedTks, acks)
  end
  if revoked then
    markRevoked(KEYS[17], now)
  end
end

local left = rcall('HLEN', bkey)
if left > 0 and retryAt < 0 then
  requeueBatch(KEYS, batchId, 0)
  left = 0
end
local heldKey = KEYS[10]
rcall('HDEL', ownersKey, batchId)
if left == 0 then
  rcall('DEL', bkey)
  rcall('ZREM', KEYS[4], batchId)
  if #ackedTks > 0 then
    -- Claim returns these at once (score 0 is past any grace); they stay in `held`,
    -- which tells claim their writer is done. Ids already returned are dropped.
    for _, id in ipairs(rcall('SMEMBERS', heldKey)) do
      if rcall('ZADD', KEYS[4], 'XX', 'CH', 0, id) == 0 and not rcall('ZSCORE', KEYS[4], id) then
        rcall('SREM', heldKey, id)
      end
    end
  end
else
  rcall('ZADD', KEYS[4], 'XX', retryAt - grace, batchId)
  if held == '1' then
    rcall('SADD', heldKey, batchId)
  end
end
markQuiet(KEYS[5], KEYS[18], KEYS[14])
return left
