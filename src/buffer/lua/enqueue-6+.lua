--[[
  Appends grant/revoke operations to the buffer and invalidates the cached
  answers they may change, in one atomic step (see includes/appendOps.lua).

  KEYS[1] seq   KEYS[2] pending   KEYS[3] queue   KEYS[4] count   KEYS[5] epoch   KEYS[6] models
  KEYS[7..] the generation keys of the ops' objects and users (each once)
  ARGV[1] now (ms)   ARGV[2] model id ('' = latest)
  ARGV[3] n, the number of ops (at most one per tuple: the last one)
  ARGV[4..] n pairs of op ('w' | 'd') and tuple key
            of their objects and users (each once)

  Returns { seq of the last op, ops in the queue, index of the model in `models` ('' = latest) }.
]]
--- @include "modelIndex"
--- @include "appendOps"
local m = modelIndex(KEYS[6], ARGV[2])
local seq = appendOps(KEYS, ARGV[1], m, ARGV, 4, tonumber(ARGV[3]), KEYS, 7)
return { seq, rcall('ZCARD', KEYS[3]), m }
