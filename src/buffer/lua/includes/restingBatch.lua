-- Whether a batch only waits out a retry backoff and nobody may be writing it: its id is in `held`
-- (its writer settled it and is done, see settle-18.lua), it is still leased, and no job owns it
-- (queue mode: a processing that took it over, or owns it between BullMQ's attempts, may write it).
local function restingBatch(heldKey, leasesKey, ownersKey, id)
  return rcall('SISMEMBER', heldKey, id) == 1 and rcall('ZSCORE', leasesKey, id) ~= false and rcall('HEXISTS', ownersKey, id) == 0
end
