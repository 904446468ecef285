--[[
  The index of outstanding ops (pending or in flight) by relation pair, so a
  check reads only the ops its relation depends on (see redis-keys.ts, ix:).
  One sorted set per pair 'type#relation' (all scores 0, ordered by member):
    'o <object> <user>'   every op, found by object
    'u <user> <object>'   found by user, only on the pairs the store's graph
                          reads by user (the `byuser` set, see adopt-graph)
    'n <user> <object>'   likewise, ops whose user is a wildcard or a
                          userset, which may reach other users' answers
  Tuple fields hold no spaces, so a member cannot be forged across fields.
  ix: { prefix = the store's key prefix, byUser = the byuser key (adding only) }
]]
--- @include "callSliced"
local function indexEntries(tk, withUser)
  local user, rel, obj = string.match(tk, '^(%S+) (%S+) (%S+)$')
  local pair = (string.match(obj, '^([^:]*):') or obj) .. '#' .. rel
  local members = { 'o ' .. obj .. ' ' .. user }
  if withUser == nil or withUser(pair) then
    members[2] = 'u ' .. user .. ' ' .. obj
    if string.find(user, '#', 1, true) or string.sub(user, -2) == ':*' then
      members[3] = 'n ' .. user .. ' ' .. obj
    end
  end
  return pair, members
end

-- Adds (`add` true) or removes the index entries of tuple keys `tks`.
local function indexOutstanding(ix, tks, add)
  local byPair, byUser = {}, {}
  -- Removal takes every member a pair may have; adding asks `byuser` once per pair.
  local withUser = add and function(pair)
    if byUser[pair] == nil then
      byUser[pair] = rcall('SISMEMBER', ix.byUser, pair) == 1
    end
    return byUser[pair]
  end or nil
  for _, tk in ipairs(tks) do
    local pair, members = indexEntries(tk, withUser)
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
      callSliced('ZADD', ix.prefix .. 'ix:' .. pair, list)
    else
      callSliced('ZREM', ix.prefix .. 'ix:' .. pair, list)
    end
  end
end
