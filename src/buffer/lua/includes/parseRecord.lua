-- Splits a record "op|seq|ts|attempts|model[|condition]" (see src/redis/redis-keys.ts)
-- into op, seq, ts, attempts (numbers), model and condition ('' none: a grant's
-- condition as JSON, which may hold '|'; the model field never does).
local function parseRecord(rec)
  local op, seq, ts, attempts, model, cond = string.match(rec, '^(%a)|(%d+)|(%d+)|(%d+)|([^|]*)|?(.*)$')
  return op, tonumber(seq), tonumber(ts), tonumber(attempts), model, cond
end
