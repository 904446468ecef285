--[[
  One step of a clear, after its pending steps (clear-8.lua): discards the
  ops at positions up to `upTo` that wait out a retry backoff after a failed
  write. Such an op sits in a batch that is still leased but that nobody
  writes: its id is in `held` (its writer settled it and is done, see
  settle-18.lua) and no job owns it (queue mode: a processing that took it
  over, or owns it between BullMQ's attempts, may be writing it). Ops of any
  other batch are being written, or may be: they are left alone.

  The in-flight tuples are read in position order from `flight` (its score is
  the op's position), `limit` per step, from `cursor` on: the caller repeats
  the step with the cursor it returned until it returns ''. A discarded op
  leaves its batch, `inflight` and `flight`, and the in-flight count; a newer
  op waiting in `pending` on its tuple becomes claimable (as settle does),
  and a tuple with nothing left outstanding leaves the index. A batch left
  empty is deleted with its lease and its `held` entry. A discarded grant may
  have counted in a cached "allowed" (as a contextual tuple): the epoch moves,
  as for the pending ops a clear discards.

  KEYS[1] pending   KEYS[2] queue   KEYS[3] inflight   KEYS[4] leases   KEYS[5] count
  KEYS[6] flight    KEYS[7] owners  KEYS[8] watch      KEYS[9] watchexp KEYS[10] held
  KEYS[11] the store's key prefix: a batch is KEYS[11] .. 'b:' .. its id
  (the first eleven KEYS of claim and settle)
  KEYS[12] seq   KEYS[13] epoch   KEYS[14] quiet (set to seq once nothing is outstanding)
  ARGV[1] upTo (the position the clear's first step returned)
  ARGV[2] limit: the most in-flight tuples one step reads
  ARGV[3] cursor: '-inf' on the first step, then the value it returned (an exclusive position)
  Returns { ops discarded, the next cursor, or '' when done }.
]]
--- @include "callSliced"
--- @include "parseRecord"
--- @include "releaseTuples"
--- @include "restingBatch"
--- @include "markQuiet"
local upTo, limit, cursor = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local range = rcall('ZRANGEBYSCORE', KEYS[6], cursor, upTo, 'WITHSCORES', 'LIMIT', 0, limit)
local tks, last = {}, nil
for i = 1, #range, 2 do
  tks[#tks + 1] = range[i]
  last = range[i + 1]
end
local done = #tks < limit
local nextCursor = done and '' or ('(' .. last)
if #tks == 0 then
  return { 0, nextCursor }
end

local batches = callSliced('HMGET', KEYS[3], tks, true)
-- Each batch is looked at once, however many of its tuples the step reads.
local resting = {}
local function isResting(id)
  if resting[id] == nil then
    resting[id] = restingBatch(KEYS[10], KEYS[4], KEYS[7], id)
  end
  return resting[id]
end

local discarded, touched, dw, dd = {}, {}, 0, 0
for i, tk in ipairs(tks) do
  local id = batches[i]
  if id and isResting(id) then
    local bkey = KEYS[11] .. 'b:' .. id
    local rec = rcall('HGET', bkey, tk)
    local op, seq = nil, nil
    if rec then
      op, seq = parseRecord(rec)
    end
    if op and seq <= upTo then
      rcall('HDEL', bkey, tk)
      discarded[#discarded + 1] = tk
      touched[id] = bkey
      if op == 'w' then dw = dw + 1 else dd = dd + 1 end
    end
  end
end

if #discarded > 0 then
  callSliced('HDEL', KEYS[3], discarded)
  callSliced('ZREM', KEYS[6], discarded)
  if dw > 0 then rcall('HINCRBY', KEYS[5], 'fw', -dw) end
  if dd > 0 then rcall('HINCRBY', KEYS[5], 'fd', -dd) end
  releaseTuples(KEYS[1], KEYS[2], KEYS[11], discarded)
  for id, bkey in pairs(touched) do
    if rcall('EXISTS', bkey) == 0 then
      rcall('ZREM', KEYS[4], id)
      rcall('SREM', KEYS[10], id)
    end
  end
  rcall('SET', KEYS[13], rcall('INCR', KEYS[12]))
end
markQuiet(KEYS[5], KEYS[14], KEYS[12])
return { #discarded, nextCursor }
