--[[
  Returns dead-lettered operations to the buffer as new operations, unless a
  newer operation on the same tuple is pending or in flight (last operation wins).

  KEYS[1] seq   KEYS[2] pending   KEYS[3] queue   KEYS[4] count
  KEYS[5] epoch   KEYS[6] models   KEYS[7] dead   KEYS[8] inflight
  ARGV[1] now (ms)
  ARGV[2..] triples of: dead-letter id, object generation key, user generation key
            (the caller read the dead letters to compute the generations; an id
            gone since is skipped)

  Returns { requeued, superseded }.
]]
local requeued, superseded = 0, 0
for i = 2, #ARGV, 3 do
  local id = ARGV[i]
  local json = rcall('HGET', KEYS[7], id)
  if json then
    local entry = cjson.decode(json)
    rcall('HDEL', KEYS[7], id)
    if rcall('HEXISTS', KEYS[2], entry.tuple) == 1 or rcall('HEXISTS', KEYS[8], entry.tuple) == 1 then
      superseded = superseded + 1
    else
      local model = type(entry.model) == 'string' and entry.model or ''
      appendOps(KEYS, ARGV[1], modelIndex(KEYS[6], model), { entry.op, entry.tuple, ARGV[i + 1], ARGV[i + 2] }, 1, 1, true)
      requeued = requeued + 1
    end
  end
end
return { requeued, superseded }
