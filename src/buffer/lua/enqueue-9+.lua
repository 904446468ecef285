--[[
  Appends grant/revoke operations to the buffer and invalidates the cached
  answers they may change, in one atomic step (see includes/appendOps.lua).

  KEYS[1] seq   KEYS[2] pending   KEYS[3] queue   KEYS[4] count   KEYS[5] epoch   KEYS[6] models
  KEYS[7] graph (the model id whose relation graph the store's cache follows)
  KEYS[8] the store's key prefix (outstanding-op index keys are built from it)
  KEYS[9] byuser (the pairs indexed by user too, see outstandingIndex)
  KEYS[10..] the generation keys the ops may change (each once): their objects'
            and users' buckets, and the relations the writer's graph says they reach
  ARGV[1] now (ms)   ARGV[2] model id ('' = latest)
  ARGV[3] 1 when the writer could not scope the ops by a graph, else 0
  ARGV[4] the model id of the writer's graph ('' = none)
  ARGV[5] n, the number of ops (at most one per tuple: the last one)
  ARGV[6..] n pairs of op ('w' | 'd') and tuple key

  A writer whose graph is not the store's (or who has none) bumps the epoch:
  its scoping may miss a relation the store's graph reaches.

  Returns { seq of the last op, ops in the queue, index of the model in `models` ('' = latest) }.
]]
--- @include "modelIndex"
--- @include "appendOps"
local storeWide = ARGV[3] == '1' or ARGV[4] == '' or rcall('GET', KEYS[7]) ~= ARGV[4]
local m = modelIndex(KEYS[6], ARGV[2])
local seq = appendOps(KEYS, ARGV[1], m, ARGV, 6, tonumber(ARGV[5]), KEYS, 10, { prefix = KEYS[8], byUser = KEYS[9] }, storeWide)
return { seq, rcall('ZCARD', KEYS[3]), m }
