--[[
  The snapshot of a check the cache could not answer, for asking OpenFGA:
  the generations the answer will be cached under, and the outstanding ops
  (pending or in flight) its relation depends on.

  KEYS[1] object generation   KEYS[2] user generation   KEYS[3] relation generation
  KEYS[4] epoch   KEYS[5] count   KEYS[6] revoked   KEYS[7] pending   KEYS[8] inflight
  KEYS[9] the store's key prefix (batches b:<id>, index ix:<pair>)   KEYS[10] graph
  ARGV[1] most ops to list
  ARGV[2] 'scoped': ARGV[3] is the reader's graph, ARGV[4..] are triples (pair,
            kind, value) naming index ranges of the pair's outstanding ops (see
            outstandingIndex.lua): 'o' object = value, 'u' user = value, 'n'
            wildcard and userset users, 'a' every op. By-user entries exist only
            for the pairs the store's graph reads by user: a reader following
            another graph reads those pairs whole
          'all': no graph; every outstanding grant is listed when there are at
            most ARGV[3] of them (and the buffer is small enough to read)

  Returns { object gen, user gen, relation gen, epoch, outstanding revokes in
  the store, when a revoke was last written to OpenFGA (ms, 0: never), the
  store's graph ('' none), n, then ops as quadruples (op, tuple key, seq,
  a grant's condition as JSON or '') }.
  Scoped: n is how many index entries the ranges hold; fewer ops than that
  are listed when n > ARGV[1] (or a tuple sits in several ranges).
  All: n is the number of outstanding grants, -1 when too many or too costly
  to list; only grants are listed.
]]
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
    return string.match(rec, '^(%a)|(%d+)|%d+|%d+|[^|]*|?(.*)$')
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
    local op, seq, cond = string.match(rec, '^(%a)|(%d+)|%d+|%d+|[^|]*|?(.*)$')
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
    ranges[#ranges + 1] = { key, from, to, string.match(pair, '#([^#]*)$'), kind == 'o' or kind == 'a' }
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
    local _, a, b = string.match(member, '^(%a) (%S+) (%S+)$')
    -- 'o <object> <user>', else '<u|n> <user> <object>'
    local tk = r[5] and (b .. ' ' .. r[4] .. ' ' .. a) or (a .. ' ' .. r[4] .. ' ' .. b)
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
