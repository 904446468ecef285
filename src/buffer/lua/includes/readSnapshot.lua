-- The snapshot of one read (see snapshot-10.lua for KEYS and ARGV): a function, so snapshot-many runs it per read.
--- @include "indexedTupleKey"
--- @include "callSliced"
local W = string.byte('w')
local function readSnapshot(KEYS, ARGV)
  local g = rcall('MGET', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[6], KEYS[10])
  local c = rcall('HMGET', KEYS[5], 'w', 'd', 'fw', 'fd')
  local w, d, fw, fd = tonumber(c[1]) or 0, tonumber(c[2]) or 0, tonumber(c[3]) or 0, tonumber(c[4]) or 0
  local reply = { g[1] or '0', g[2] or '0', g[3] or '0', g[4] or '0', d + fd, g[5] or '0', g[6] or '', 0 }
  local maxListed = tonumber(ARGV[1])
  local storePrefix = KEYS[9]

  if ARGV[2] == 'all' then
    if w + fw == 0 then
      return reply
    end
    if w + fw > tonumber(ARGV[3]) or w + d > maxListed or fw + fd > maxListed then
      reply[8] = -1
      return reply
    end
    local latest = {}
    local pending = rcall('HGETALL', KEYS[7])
    for i = 1, #pending, 2 do
      latest[pending[i]] = pending[i + 1]
    end
    local inflight = rcall('HGETALL', KEYS[8])
    for i = 1, #inflight, 2 do
      local tk = inflight[i]
      if not latest[tk] then
        latest[tk] = rcall('HGET', storePrefix .. 'b:' .. inflight[i + 1], tk) or nil
      end
    end
    local grants = 0
    for tk, rec in pairs(latest) do
      if string.byte(rec, 1) == W then
        grants = grants + 1
        reply[#reply + 1] = tk
        reply[#reply + 1] = rec
      end
    end
    reply[8] = grants
    return reply
  end

  -- Nothing outstanding in the store: no index entry can name a live op (a cold check on a quiet store reads no range).
  if w + d + fw + fd == 0 then
    return reply
  end

  local ranges, total = {}, 0
  local sameGraph = (g[6] or '') == ARGV[3]
  local whole = {}
  for i = 4, #ARGV, 3 do
    local pair, kind, value = ARGV[i], ARGV[i + 1], ARGV[i + 2]
    if not sameGraph and (kind == 'u' or kind == 'n') then
      kind = 'a'
    end
    if kind == 'a' then
      if whole[pair] then
        kind = nil
      end
      whole[pair] = true
    end
    local from, to
    if not kind then
      from = nil -- that pair is read whole already
    elseif kind == 'a' then
      from, to = '[o ', '(o!'
    elseif kind == 'n' then
      from, to = '[n ', '(n!'
    else
      from, to = '[' .. kind .. ' ' .. value .. ' ', '(' .. kind .. ' ' .. value .. '!'
    end
    local key = storePrefix .. 'ix:' .. pair
    local n = from and rcall('ZLEXCOUNT', key, from, to) or 0
    if n > 0 then
      total = total + n
      ranges[#ranges + 1] = { key, from, to, string.match(pair, '#([^#]*)$') }
    end
  end
  reply[8] = total
  -- The listed members' tuple keys first, then their records in one HMGET (and the in-flight
  -- ones' batches): one call per range and a few more, not one per op.
  local listed, seen, tks, fromKey, fromMember = 0, {}, {}, {}, {}
  for _, r in ipairs(ranges) do
    if listed >= maxListed then
      break
    end
    for _, member in ipairs(rcall('ZRANGEBYLEX', r[1], r[2], r[3], 'LIMIT', 0, maxListed - listed)) do
      listed = listed + 1
      local tk = indexedTupleKey(member, r[4])
      if not seen[tk] then
        seen[tk] = true
        tks[#tks + 1] = tk
        fromKey[#tks], fromMember[#tks] = r[1], member
      end
    end
  end
  if #tks == 0 then
    return reply
  end
  local recs = callSliced('HMGET', KEYS[7], tks, true)
  local missing, names = {}, {}
  for i = 1, #tks do
    if not recs[i] then
      missing[#missing + 1] = i
      names[#names + 1] = tks[i]
    end
  end
  if #missing > 0 then
    local batchIds = callSliced('HMGET', KEYS[8], names, true)
    for j, i in ipairs(missing) do
      recs[i] = batchIds[j] and rcall('HGET', storePrefix .. 'b:' .. batchIds[j], tks[i]) or false
    end
  end
  for i, tk in ipairs(tks) do
    local rec = recs[i]
    if rec then
      reply[#reply + 1] = tk
      reply[#reply + 1] = rec
    else
      -- Nothing outstanding on it (an entry left by a process of an older version): drop it.
      rcall('ZREM', fromKey[i], fromMember[i])
    end
  end
  return reply
end
