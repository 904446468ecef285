--[[
  The read path's script, run on a miss (a warm check is one MGET of the
  cached answer and its generations, compared in CheckCache, with no script):
  returns what the OpenFGA call and populate need. The buffer never answers
  by itself (see below).

  KEYS[1] object generation   KEYS[2] user generation   KEYS[3] epoch
  KEYS[4] count   KEYS[5] revoked   KEYS[6] pending   KEYS[7] leases
  KEYS[8] the store's key prefix: a batch is KEYS[8] .. 'b:' .. its id
  ARGV[1] most grants to return as contextual tuples
  ARGV[2] most pending (and most in-flight) ops to read to find them

  Returns
    { objectGen, userGen, epoch, revokes, revokedAt, grants, tuple keys... }
        a snapshot for populate, the outstanding revokes, when a revoke was
        last written to OpenFGA (ms, 0: never; OpenFGA's own caches may still
        answer from before it for a while), and the tuples whose latest
        outstanding op is a grant (their count, then their keys); grants is
        -1 when they are more than ARGV[1], or too costly to list
]]
local g = rcall('MGET', KEYS[1], KEYS[2], KEYS[3])
local go, gu, ge = g[1] or '0', g[2] or '0', g[3] or '0'

-- A buffered op on the exact tuple is NOT answered here: whether a tuple grants
-- the relation depends on the model (`and`, `but not`, other paths such as
-- owner or user:*). The miss path asks OpenFGA with the pending grants as
-- contextual tuples, and flushes pending revokes before trusting an "allowed".

local c = rcall('HMGET', KEYS[4], 'w', 'd', 'fw', 'fd')
local w, d, fw, fd = tonumber(c[1]) or 0, tonumber(c[2]) or 0, tonumber(c[3]) or 0, tonumber(c[4]) or 0
local reply = { go, gu, ge, d + fd, rcall('GET', KEYS[5]) or '0', -1 }
local maxRead = tonumber(ARGV[2])
if w + fw == 0 then
  reply[6] = 0
elseif w + fw <= tonumber(ARGV[1]) and w + d <= maxRead and fw + fd <= maxRead then
  -- The latest outstanding op per tuple: the pending one, else the one in flight.
  local latest = {}
  local pending = rcall('HGETALL', KEYS[6])
  for i = 1, #pending, 2 do
    latest[pending[i]] = string.sub(pending[i + 1], 1, 1)
  end
  for _, batchId in ipairs(rcall('ZRANGE', KEYS[7], 0, -1)) do
    local batch = rcall('HGETALL', KEYS[8] .. 'b:' .. batchId)
    for i = 1, #batch, 2 do
      if not latest[batch[i]] then
        latest[batch[i]] = string.sub(batch[i + 1], 1, 1)
      end
    end
  end
  local grants = 0
  for key, op in pairs(latest) do
    if op == 'w' then
      grants = grants + 1
      reply[#reply + 1] = key
    end
  end
  reply[6] = grants
end
return reply
