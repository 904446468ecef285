--[[
  Appends grant/revoke operations to the buffer and invalidates the cached
  answers they may change, in one atomic step.

  KEYS[1] seq   KEYS[2] pending   KEYS[3] queue
  KEYS[4] inflight   KEYS[5] count   KEYS[6] epoch
  ARGV[1] base key prefix   ARGV[2] now (ms)   ARGV[3] model id ('' = latest)
  ARGV[4] lifetime of invalidation markers (ms)
  ARGV[5..] pairs of: op ('w' | 'd'), tuple key

  Per tuple the last operation wins: a pending op on the same tuple is replaced.
  When the tuple is in flight, the new op waits in `pending` and enters the
  queue only when the in-flight op is settled (two ops on one tuple are never
  in flight together).
  Returns { seq of the last op, claimable ops in the queue }.
]]
local seq
for i = 5, #ARGV, 2 do
  seq = appendOp(KEYS, ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[i], ARGV[i + 1])
end
return { seq, rcall('ZCARD', KEYS[3]) }
