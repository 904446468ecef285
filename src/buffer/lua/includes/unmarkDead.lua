--[[
  Removes a dead letter (its decoded entry) from the marks of its tuple in
  `deadtuples` (tuple key -> "n|seq": n dead letters counted there, seq the
  position of the tuple's newest op settled since it was first marked), and
  returns that seq (nil: unmarked). Letters from before marks existed carry
  no `marked` flag and were never counted.
]]
local function unmarkDead(marksKey, entry)
  local mark = rcall('HGET', marksKey, entry.tuple)
  if not mark then
    return nil
  end
  local n, last = string.match(mark, '^(%d+)|(%d+)$')
  n, last = tonumber(n), tonumber(last)
  if entry.marked then
    if n <= 1 then
      rcall('HDEL', marksKey, entry.tuple)
    else
      rcall('HSET', marksKey, entry.tuple, (n - 1) .. '|' .. last)
    end
  end
  return last
end
