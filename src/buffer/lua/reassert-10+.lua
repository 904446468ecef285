--[[
  Called by a writer whose settle found its batch no longer its own (see
  settle): what it wrote may have landed after a newer write of the same
  tuples. For each tuple it wrote, the latest op is queued again (writes are
  idempotent), so it is written after the stale one:
  - a pending op will be written later anyway: nothing to do;
  - an in-flight op other than the one written here may have landed first:
    a copy of it waits in pending (written once that op is settled);
  - otherwise the latest op acknowledged since the tuple was watched (see
    watchBatch), when newer than the one written here.
  A half-replaced grant (code 'r': its condition replacement sent the delete,
  its write is unconfirmed) left the tuple deleted, maybe after another
  writer wrote this very op: the op itself counts as newer (in flight again,
  or acknowledged since), so it is queued again too.
  Queued ops bump generations and the epoch (a rare path: store-wide), and
  enter the outstanding-op index. Watch
  entries stay until they expire: another stalled writer may share a tuple.

  KEYS[1] seq   KEYS[2] pending   KEYS[3] queue   KEYS[4] count   KEYS[5] epoch   KEYS[6] inflight
  KEYS[7] watch   KEYS[8] revoked
  KEYS[9] the store's key prefix: a batch is KEYS[9] .. 'b:' .. its id
  ARGV[1] now (ms)
  KEYS[10] byuser (see outstandingIndex)
  KEYS[11..] per op written, in order: its object's and its user's generation keys
  ARGV[2..] per op written: op ('w' | 'd' | 'r': a half-replaced grant), tuple key, position

  Returns { ops queued again, ops whose tuple had no newer op recorded }.
]]
--- @include "parseRecord"
--- @include "makeRecord"
--- @include "markRevoked"
--- @include "outstandingIndex"
local now = ARGV[1]
local watchKey = KEYS[7]
local queued, unknown, revoked = 0, 0, false
for i = 2, #ARGV, 3 do
  local gen = 11 + 2 * ((i - 2) / 3)
  local written, tk, seq, objectGen, userGen = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), KEYS[gen], KEYS[gen + 1]
  local half = written == 'r'
  if written == 'd' then revoked = true end
  if rcall('HEXISTS', KEYS[2], tk) == 0 then
    local op, model, cond
    local holder = rcall('HGET', KEYS[6], tk)
    if holder then
      local rec = rcall('HGET', KEYS[9] .. 'b:' .. holder, tk)
      if rec then
        local o, s, _, _, m, c = parseRecord(rec)
        if s ~= seq or half then op, model, cond = o, m, c end
      end
    else
      local ack = rcall('HGET', watchKey, tk)
      local o, s, m, c
      if ack then o, s, m, c = string.match(ack, '^%d+|(%a)|(%d+)|([^|]*)|?(.*)$') end
      if o and (tonumber(s) > seq or (half and tonumber(s) == seq)) then
        op, model, cond = o, m, c
      elseif not o then
        unknown = unknown + 1
      end
    end
    if op then
      local at = rcall('INCR', KEYS[1])
      rcall('HSET', KEYS[2], tk, makeRecord(op, at, now, 0, model, cond))
      rcall('HINCRBY', KEYS[4], op, 1)
      rcall('ZADD', KEYS[3], at, tk)
      rcall('MSET', objectGen, at, userGen, at, KEYS[5], at)
      indexOutstanding({ prefix = KEYS[9], byUser = KEYS[10] }, { tk }, true)
      queued = queued + 1
    end
  end
end
if revoked then
  markRevoked(KEYS[8], now)
end
return { queued, unknown }
