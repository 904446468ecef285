--[[
  Returns dead-lettered operations to the buffer as new operations, unless a
  newer operation on the same tuple is pending or in flight (last operation wins).

  KEYS[1] seq   KEYS[2] pending   KEYS[3] queue   KEYS[4] inflight
  KEYS[5] count   KEYS[6] epoch   KEYS[7] dead
  ARGV[1] base key prefix   ARGV[2] now (ms)   ARGV[3] lifetime of invalidation markers (ms)
  ARGV[4..] dead-letter ids (none: all of them)

  Returns { requeued, superseded }.
]]
local ids = {}
if #ARGV > 3 then
  for i = 4, #ARGV do ids[#ids + 1] = ARGV[i] end
else
  ids = rcall('HKEYS', KEYS[7])
end
local requeued, superseded = 0, 0
for _, id in ipairs(ids) do
  local json = rcall('HGET', KEYS[7], id)
  if json then
    local entry = cjson.decode(json)
    rcall('HDEL', KEYS[7], id)
    if rcall('HEXISTS', KEYS[2], entry.tuple) == 1 or rcall('HEXISTS', KEYS[4], entry.tuple) == 1 then
      superseded = superseded + 1
    else
      appendOp(KEYS, ARGV[1], ARGV[2], entry.model, ARGV[3], entry.op, entry.tuple)
      requeued = requeued + 1
    end
  end
end
return { requeued, superseded }
