--[[
  Caches an answer fetched from OpenFGA, unless something that may change it
  was written after the snapshot taken (by check) before the OpenFGA call:
  compare and set on every generation it records, and only while the store
  follows the same relation graph as the reader (a reader without a graph
  caches only while no process has one: then every write bumps the epoch).

  KEYS[1] cached answer   KEYS[2] object generation   KEYS[3] user generation
  KEYS[4] relation generation   KEYS[5] epoch   KEYS[6] graph
  ARGV[1..4] object, user, relation gen and epoch of the snapshot
  ARGV[5] allowed (0|1)   ARGV[6] time to live (ms)   ARGV[7] the reader's graph ('' none)

  Returns 1 when cached, 0 when the snapshot was stale.
]]
--- @include "cacheAnswer"
return cacheAnswer(KEYS, ARGV)
