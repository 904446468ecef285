-- The snapshot of one read (see snapshot-10.lua for KEYS and ARGV): a function, so snapshot-many runs it per read.
--- @include "parseRecord"
--- @include "indexedTupleKey"
local function readSnapshot(KEYS, ARGV)
  local g = rcall('MGET', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[6], KEYS[10])
  local c = rcall('HMGET', KEYS[5], 'w', 'd', 'fw', 'fd')
  local w, d, fw, fd = tonumber(c[1]) or 0, tonumber(c[2]) or 0, tonumber(c[3]) or 0, tonumber(c[4]) or 0
  local reply = { g[1] or '0', g[2] or '0', g[3] or '0', g[4] or '0', d + fd, g[5] or '0', g[6] or '', 0 }
  local maxListed = tonumber(ARGV[1])
  local storePrefix = KEYS[9]

  -- The latest outstanding op of a tuple: the pending one, else the one in flight.
  local function latestOp(tk)
    local rec = rcall('HGET', KEYS[7], tk)
    if not rec then
      local batchId = rcall('HGET', KEYS[8], tk)
      rec = batchId and rcall('HGET', storePrefix .. 'b:' .. batchId, tk)
    end
    if rec then
      local op, seq, _, _, _, cond = parseRecord(rec)
      return op, seq, cond
    end
  end

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
      local op, seq, _, _, _, cond = parseRecord(rec)
      if op == 'w' then
        grants = grants + 1
        reply[#reply + 1] = op
        reply[#reply + 1] = tk
        reply[#reply + 1] = seq
        reply[#reply + 1] = cond
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
  local listed, seen = 0, {}
  for _, r in ipairs(ranges) do
    if listed >= maxListed then
      break
    end
    for _, member in ipairs(rcall('ZRANGEBYLEX', r[1], r[2], r[3], 'LIMIT', 0, maxListed - listed)) do
      listed = listed + 1
      local tk = indexedTupleKey(member, r[4])
      if not seen[tk] then
        seen[tk] = true
        local op, seq, cond = latestOp(tk)
        if op then
          reply[#reply + 1] = op
          reply[#reply + 1] = tk
          reply[#reply + 1] = seq
          reply[#reply + 1] = cond
        else
          -- Nothing outstanding on it (an entry left by a process of an older version): drop it.
          rcall('ZREM', r[1], member)
        end
      end
    end
  end
  return reply
end
