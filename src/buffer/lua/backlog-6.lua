--[[
  What a clear would discard now, counted in one step with the buffer
  position it was counted at (clear with that position as `upTo` discards no
  op buffered after the count): the pending ops, and the ops of batches that
  only wait out a retry backoff (in `held`, still leased, owned by no job:
  see clear-retrying-14.lua); and how many ops are in flight in all (being
  written, or waiting to retry). One HLEN per resting batch: a batch holds at
  most batchSize ops, so even a large backlog after an outage costs a few
  milliseconds.

  KEYS[1] count   KEYS[2] seq   KEYS[3] held   KEYS[4] leases   KEYS[5] owners
  KEYS[6] the store's key prefix: a batch is KEYS[6] .. 'b:' .. its id
  Returns { pending writes, pending deletes, in-flight ops, ops waiting to retry, position }.
]]
--- @include "restingBatch"
local c = rcall('HMGET', KEYS[1], 'w', 'd', 'fw', 'fd')
local retrying = 0
for _, id in ipairs(rcall('SMEMBERS', KEYS[3])) do
  if restingBatch(KEYS[3], KEYS[4], KEYS[5], id) then
    retrying = retrying + rcall('HLEN', KEYS[6] .. 'b:' .. id)
  end
end
return { tonumber(c[1]) or 0, tonumber(c[2]) or 0, (tonumber(c[3]) or 0) + (tonumber(c[4]) or 0), retrying,
  tonumber(rcall('GET', KEYS[2])) or 0 }
