--[[
  Returns dead-lettered operations to the buffer as new operations, unless a
  newer operation on the same tuple supersedes them (last operation wins):
  one pending or in flight, one settled (written or dead-lettered) since the
  tuple was first dead-lettered (its mark in `deadtuples`), or another of the
  dead letters retried here. A superseded dead letter is dropped.

  KEYS[1] seq   KEYS[2] pending   KEYS[3] queue   KEYS[4] count
  KEYS[5] epoch   KEYS[6] models   KEYS[7] dead   KEYS[8] inflight
  KEYS[9] deadtuples   KEYS[10] the store's key prefix (outstanding-op index)   KEYS[11] byuser
  ARGV[1] now (ms)
  KEYS[12..] per dead-letter id, in order: its object's and its user's generation keys
  ARGV[2..] dead-letter ids
            (the caller read the dead letters to compute the generations; an id
            gone since is skipped)

  Returns { requeued, { superseded ids } }.
]]
--- @include "modelIndex"
--- @include "unmarkDead"
--- @include "appendOps"
local letters, seen = {}, {}
for i = 2, #ARGV do
  local id, gen = ARGV[i], 12 + 2 * (i - 2)
  local json = not seen[id] and rcall('HGET', KEYS[7], id)
  seen[id] = true
  if json then
    letters[#letters + 1] = { id = id, entry = cjson.decode(json), o = KEYS[gen], u = KEYS[gen + 1] }
  end
end
-- Newest first: the newest dead letter of a tuple is requeued (if nothing newer
-- exists), and the older ones then find it pending.
table.sort(letters, function(a, b)
  return a.entry.seq > b.entry.seq
end)

local requeued, superseded = 0, {}
for _, letter in ipairs(letters) do
  local entry = letter.entry
  rcall('HDEL', KEYS[7], letter.id)
  local settled = unmarkDead(KEYS[9], entry)
  if (settled and settled > entry.seq) or rcall('HEXISTS', KEYS[2], entry.tuple) == 1
    or rcall('HEXISTS', KEYS[8], entry.tuple) == 1 then
    superseded[#superseded + 1] = letter.id
  else
    local model = type(entry.model) == 'string' and entry.model or ''
    -- A grant's condition (its JSON, kept as a string) rides on the op, as enqueue sends it.
    local op = type(entry.condition) == 'string' and (entry.op .. entry.condition) or entry.op
    appendOps(KEYS, ARGV[1], modelIndex(KEYS[6], model), { op, entry.tuple }, 1, 1, { letter.o, letter.u }, 1, { prefix = KEYS[10], byUser = KEYS[11] }, true)
    requeued = requeued + 1
  end
end
return { requeued, superseded }
