-- Splits a record "op|seq|ts|attempts|model" (see src/redis/redis-keys.ts)
-- into op, seq, ts, attempts (numbers) and model.
local function parseRecord(rec)
  local op, seq, ts, attempts, model = string.match(rec, '^(%a)|(%d+)|(%d+)|(%d+)|(.*)$')
  return op, tonumber(seq), tonumber(ts), tonumber(attempts), model
end
