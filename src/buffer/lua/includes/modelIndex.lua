-- The short index of a pinned model in `models`, assigned on first use, so
-- records carry a few digits instead of the model id; '' is the latest model.
local function modelIndex(modelsKey, model)
  if model == nil or model == '' then
    return ''
  end
  local m = rcall('HGET', modelsKey, model)
  if not m then
    m = tostring(rcall('HINCRBY', modelsKey, '#', 1))
    rcall('HSET', modelsKey, model, m, '#' .. m, model)
  end
  return m
end
