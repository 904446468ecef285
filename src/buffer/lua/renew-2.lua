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
  ARGV[1] base key prefix   ARGV[2] batch id   ARGV[3] now (ms)   ARGV[4] lease duration (ms)
  ARGV[5] owner token ('' = inline, no owner)   ARGV[6] ownership duration (ms)
  ARGV[7] grace (ms)   ARGV[8] how long a batch taken over stays watched (ms)

  Returns { 1 } renewed, { 0 } gone, { -1, owned until } owned by another processing.
]]
--- @include "watchBatch"
local base, batchId, now, owner = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[5]
if not rcall('ZSCORE', KEYS[1], batchId) then
  return { 0 }
end
if owner ~= '' then
  local current = rcall('HGET', KEYS[2], batchId)
  if current then
    local token, ownedUntil = string.match(current, '^(.*)|(%d+)$')
    if token ~= owner then
      if now <= tonumber(ownedUntil) + tonumber(ARGV[7]) then
        return { -1, tonumber(ownedUntil) }
      end
      watchBatch(base, rcall('HKEYS', base .. 'b:' .. batchId), now, tonumber(ARGV[8]))
    end
  end
  rcall('HSET', KEYS[2], batchId, owner .. '|' .. (now + tonumber(ARGV[6])))
end
rcall('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[4]), batchId)
return { 1 }
