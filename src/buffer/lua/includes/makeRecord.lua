-- Builds a record "op|seq|ts|attempts|model[|condition]" (see parseRecord).
local function makeRecord(op, seq, ts, attempts, model, cond)
  local rec = op .. '|' .. seq .. '|' .. ts .. '|' .. attempts .. '|' .. model
  if cond and cond ~= '' then
    return rec .. '|' .. cond
  end
  return rec
end
