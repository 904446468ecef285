-- The model id a record's model field stands for. Records written before
-- `models` existed carry the 26-character id itself. An index missing from
-- `models` (the hash was deleted) comes back as "#<index>": never mistaken
-- for the latest model, OpenFGA rejects it.
local function modelId(modelsKey, m)
  if m == '' or #m >= 26 then
    return m
  end
  return rcall('HGET', modelsKey, '#' .. m) or ('#' .. m)
end
