--[[
  The outstanding-op index entries of one tuple key (see outstandingIndex:
  the same members), written by a lone grant or revoke.
]]
-- `indexOutstanding` for one tuple, without its tables and closure: a lone
-- grant is the common write, and the index was a third of its script.
local function indexOne(ix, tk)
  local user, rel, obj = string.match(tk, '^(%S+) (%S+) (%S+)$')
  local pair = (string.match(obj, '^([^:]*):') or obj) .. '#' .. rel
  local key = ix.prefix .. 'ix:' .. pair
  if rcall('SISMEMBER', ix.byUser, pair) == 0 then
    rcall('ZADD', key, 0, 'o ' .. obj .. ' ' .. user)
  elseif string.find(user, '#', 1, true) or string.sub(user, -2) == ':*' then
    rcall('ZADD', key, 0, 'o ' .. obj .. ' ' .. user, 0, 'u ' .. user .. ' ' .. obj, 0, 'n ' .. user .. ' ' .. obj)
  else
    rcall('ZADD', key, 0, 'o ' .. obj .. ' ' .. user, 0, 'u ' .. user .. ' ' .. obj)
  end
end
