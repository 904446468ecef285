-- Marks the store quiet at the current position when nothing is outstanding
-- (every count 0; see redis-keys.ts, quiet). Used by settle and clear.
local function markQuiet(countKey, quietKey, seqKey)
  local c = rcall('HMGET', countKey, 'w', 'd', 'fw', 'fd')
  if (tonumber(c[1]) or 0) + (tonumber(c[2]) or 0) + (tonumber(c[3]) or 0) + (tonumber(c[4]) or 0) == 0 then
    rcall('SET', quietKey, rcall('GET', seqKey) or '0')
  end
end
