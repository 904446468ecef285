--[[
  One step of a clear: discards up to `limit` pending operations that were
  buffered at or before position `upTo` (claimable, or waiting on an
  in-flight op of their tuple). In-flight batches are left alone here: one
  being written finishes, and the ops of one waiting out a retry backoff are
  discarded by clear-retrying-14.lua once these steps are done. Ops buffered
  after the clear began, or after `upTo`, are kept. The caller repeats the
  step until it reports `done`, so a large backlog never blocks Redis in one
  script (100,000 ops took 0.5 s in one).

  KEYS[1] pending   KEYS[2] queue   KEYS[3] count   KEYS[4] seq   KEYS[5] epoch
  KEYS[6] inflight  KEYS[7] the store's key prefix (outstanding-op index)   KEYS[8] quiet (set to seq when nothing is left in flight)
  ARGV[1] upTo: on the first step '' (the current position) or the caller's position, capped at the
          current one (a clear never discards an op buffered after it began); then the value it returned
  ARGV[2] limit: the most queue entries one step takes
  ARGV[3] '1' on the first step, else '0'
  Returns { ops discarded, upTo, 1 when the clear is done else 0 }.

  The first step also counts the clear, in the field `cleared` of `count` (every other reader of
  `count` asks for its fields by name): a bulk import's saved place records that count and is stale
  once it moved, as the clear may have discarded what the place counts. Counted before anything is
  discarded, in the same step, so no op goes in a clear an import could not see begin. A field of a
  key the script already has keeps its keys (and every other script) unchanged.
]]
--- @include "callSliced"
--- @include "outstandingIndex"
--- @include "markQuiet"
local upTo = tonumber(ARGV[1])
if ARGV[3] == '1' then
  rcall('HINCRBY', KEYS[3], 'cleared', 1)
  local current = tonumber(rcall('GET', KEYS[4])) or 0
  if not upTo or upTo > current then
    upTo = current
  end
end
local limit = tonumber(ARGV[2])
-- The queue holds every pending op scored by its position (a newer op on a tuple re-scores it) ...
local range = rcall('ZRANGEBYSCORE', KEYS[2], '-inf', upTo, 'LIMIT', 0, limit)
local done = #range < limit
local tks = range
if done then
  -- ... except those claim found waiting on an in-flight op of their tuple: they left the queue
  -- until settle puts them back (claim-11.lua), so they are found by the in-flight tuples.
  tks = {}
  local taken = {}
  for _, tk in ipairs(range) do
    tks[#tks + 1] = tk
    taken[tk] = true
  end
  for _, tk in ipairs(rcall('HKEYS', KEYS[6])) do
    if not taken[tk] then
      tks[#tks + 1] = tk
    end
  end
end

local discarded, gone, dw, dd = {}, {}, 0, 0
if #tks > 0 then
  local recs = callSliced('HMGET', KEYS[1], tks, true)
  local busy = callSliced('HMGET', KEYS[6], tks, true)
  for i, tk in ipairs(tks) do
    local op, seq
    if recs[i] then
      op, seq = string.match(recs[i], '^(%a)|(%d+)|')
    end
    if op and tonumber(seq) <= upTo then
      discarded[#discarded + 1] = tk
      if op == 'w' then dw = dw + 1 else dd = dd + 1 end
      -- A discarded op whose tuple has nothing in flight is no longer outstanding.
      if not busy[i] then
        gone[#gone + 1] = tk
      end
    end
  end
  -- The queue entries taken go whether or not their op was discarded (one without a pending op is stale).
  callSliced('ZREM', KEYS[2], range)
end
if #discarded > 0 then
  callSliced('HDEL', KEYS[1], discarded)
  callSliced('ZREM', KEYS[2], discarded)
  indexOutstanding({ prefix = KEYS[7] }, gone, false)
  if dw > 0 then rcall('HINCRBY', KEYS[3], 'w', -dw) end
  if dd > 0 then rcall('HINCRBY', KEYS[3], 'd', -dd) end
  -- Discarded grants may have produced cached derived "allowed" answers (as
  -- contextual tuples): invalidate those as a revoke would.
  rcall('SET', KEYS[5], rcall('INCR', KEYS[4]))
end
markQuiet(KEYS[3], KEYS[8], KEYS[4])
return { #discarded, upTo, done and 1 or 0 }
