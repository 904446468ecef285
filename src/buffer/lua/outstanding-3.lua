--[[
  The oldest outstanding op of each given tuple: the one in flight, else the
  pending one. A check waiting for revokes it depends on polls this.

  KEYS[1] pending   KEYS[2] inflight   KEYS[3] the store's key prefix (batches b:<id>)
  ARGV[1..] tuple keys

  Returns, per tuple key, the position of that op (-1: nothing outstanding).
]]
--- @include "callSliced"
--- @include "parseRecord"
local out = {}
local pending = callSliced('HMGET', KEYS[1], ARGV, true)
local busy = callSliced('HMGET', KEYS[2], ARGV, true)
for i, tk in ipairs(ARGV) do
  local rec = busy[i] and rcall('HGET', KEYS[3] .. 'b:' .. busy[i], tk) or pending[i]
  out[i] = -1
  if rec then
    local _, seq = parseRecord(rec)
    out[i] = seq
  end
end
return out
