-- Builds a record "op|seq|ts|attempts|model" (see parseRecord).
local function makeRecord(op, seq, ts, attempts, model)
  return op .. '|' .. seq .. '|' .. ts .. '|' .. attempts .. '|' .. model
end
