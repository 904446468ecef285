--[[
  The read path in one round trip: the buffer answers for the exact tuple;
  otherwise a cached answer is served only while nothing that may change it
  was written since it was cached (same object, same user, and for "allowed"
  answers any revoke in the store).

  KEYS[1] pending   KEYS[2] inflight   KEYS[3] count   KEYS[4] epoch
  ARGV[1] base key prefix   ARGV[2] tuple key   ARGV[3] cache key suffix
  ARGV[4] 1 to read the cache, 0 to skip it
  ARGV[5] most pending grants to return as contextual tuples

  Returns
    { 1, allowed }                               answered by the buffer
    { 2, allowed }                               answered by the cache
    { 0, objectGen, userGen, epoch, revokes, grants, tuple keys... }
        miss: a snapshot for populate, the outstanding revoke and grant
        counts, and the granted tuple keys when there are at most ARGV[5]
]]
local base, tk = ARGV[1], ARGV[2]

local rec = rcall('HGET', KEYS[1], tk)
if not rec then
  local batchId = rcall('HGET', KEYS[2], tk)
  if batchId then
    rec = rcall('HGET', base .. 'b:' .. batchId, tk)
  end
end
if rec then
  return { 1, string.sub(rec, 1, 1) == 'w' and 1 or 0 }
end

local user, _, object = tupleParts(tk)
local gens = rcall('MGET', base .. 'go:' .. object, base .. 'gu:' .. user, KEYS[4])
local go, gu, ep = gens[1] or '0', gens[2] or '0', gens[3] or '0'

if ARGV[4] == '1' then
  local entry = rcall('GET', base .. ARGV[3])
  if entry then
    local allowed, ego, egu, eep = string.match(entry, '^(%d)|(%d+)|(%d+)|(%d+)$')
    if ego == go and egu == gu and (allowed == '0' or eep == ep) then
      return { 2, tonumber(allowed) }
    end
  end
end

local counts = rcall('HMGET', KEYS[3], 'd', 'fd')
local revokes = (tonumber(counts[1]) or 0) + (tonumber(counts[2]) or 0)
local grantsKey = base .. 'grants'
local grants = rcall('SCARD', grantsKey)
local reply = { 0, go, gu, ep, revokes, grants }
if grants > 0 and grants <= tonumber(ARGV[5]) then
  for _, granted in ipairs(rcall('SMEMBERS', grantsKey)) do
    reply[#reply + 1] = granted
  end
end
return reply
