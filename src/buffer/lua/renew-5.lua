--[[
  Renews the lease of a claimed batch (BatchLease's heartbeat). A lease that
  claim already took back cannot be revived: the batch is gone.

  Queue mode also passes an owner token (BullMQ's lock token of the job):
  the first processing of a job owns the batch until it settles, renewing
  its ownership for `ownMs`. A second processing of the same job (BullMQ's
  stalled-job recovery while the first is alive) finds it owned and writes
  nothing; it takes the batch over only once the owner's ownership has
  expired for longer than the grace (the owner stopped writing, see
  BatchLease), and then watches its tuples (see watchBatch).

  KEYS[1] leases   KEYS[2] owners (batch id -> 'token|owned until (ms)')
  KEYS[3] watch    KEYS[4] watchexp
  KEYS[5] the store's key prefix: a batch is KEYS[5] .. 'b:' .. its id
  ARGV[1] batch id   ARGV[2] now (ms)   ARGV[3] lease duration (ms)
  ARGV[4] owner token ('' = inline, no owner)   ARGV[5] ownership duration (ms)
  ARGV[6] grace (ms)   ARGV[7] how long a batch taken over stays watched (ms)

  Returns { 1 } renewed, { 0 } gone, { -1, owned until } owned by another processing.
]]
--- @include "watchBatch"
local batchId, now, owner = ARGV[1], tonumber(ARGV[2]), ARGV[4]
if not rcall('ZSCORE', KEYS[1], batchId) then
  return { 0 }
end
if owner ~= '' then
  local current = rcall('HGET', KEYS[2], batchId)
  if current then
    local token, ownedUntil = string.match(current, '^(.*)|(%d+)$')
    if token ~= owner then
      if now <= tonumber(ownedUntil) + tonumber(ARGV[6]) then
        return { -1, tonumber(ownedUntil) }
      end
      watchBatch(KEYS[3], KEYS[4], rcall('HKEYS', KEYS[5] .. 'b:' .. batchId), now, tonumber(ARGV[7]))
    end
  end
  rcall('HSET', KEYS[2], batchId, owner .. '|' .. (now + tonumber(ARGV[5])))
end
rcall('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[3]), batchId)
return { 1 }
