-- The tuple key an index member of a pair whose relation is `rel` names
-- (member forms: see outstandingIndex.lua, which writes them).
local function indexedTupleKey(member, rel)
  local kind, a, b = string.match(member, '^(%a) (%S+) (%S+)$')
  if kind == 'o' then
    return b .. ' ' .. rel .. ' ' .. a
  end
  return a .. ' ' .. rel .. ' ' .. b
end
