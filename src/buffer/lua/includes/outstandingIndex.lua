--[[
  The index of outstanding ops (pending or in flight) by relation pair, so a
  check reads only the ops its relation depends on (see redis-keys.ts, ix:).
  One sorted set per pair 'type#relation' (all scores 0, ordered by member):
    'o <object> <user>'   every op, found by object
    'u <user> <object>'   every op, found by user
    'n <user> <object>'   ops whose user is a wildcard or a userset, which
                          may reach other users' answers
  Tuple fields hold no spaces, so a member cannot be forged across fields.
]]
--- @include "callSliced"
local function indexEntries(tk)
  local user, rel, obj = string.match(tk, '^(%S+) (%S+) (%S+)$')
  local pair = (string.match(obj, '^([^:]*):') or obj) .. '#' .. rel
  local members = { 'o ' .. obj .. ' ' .. user, 'u ' .. user .. ' ' .. obj }
  if string.find(user, '#', 1, true) or string.sub(user, -2) == ':*' then
    members[3] = 'n ' .. user .. ' ' .. obj
  end
  return pair, members
end

-- Adds (`add` true) or removes the index entries of tuple keys `tks`.
-- storePrefix: the store's key prefix.
local function indexOutstanding(storePrefix, tks, add)
  local byPair = {}
  for _, tk in ipairs(tks) do
    local pair, members = indexEntries(tk)
    local list = byPair[pair]
    if not list then
      list = {}
      byPair[pair] = list
    end
    for _, member in ipairs(members) do
      if add then
        list[#list + 1] = 0
      end
      list[#list + 1] = member
    end
  end
  for pair, list in pairs(byPair) do
    if add then
      callSliced('ZADD', storePrefix .. 'ix:' .. pair, list)
    else
      callSliced('ZREM', storePrefix .. 'ix:' .. pair, list)
    end
  end
end
