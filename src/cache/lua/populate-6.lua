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
local g = rcall('MGET', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
for i = 1, 4 do
  if (g[i] or '0') ~= ARGV[i] then
    return 0
  end
end
if (g[5] or '') ~= ARGV[7] then
  return 0
end
local gens = ARGV[1] .. '|' .. ARGV[2] .. '|' .. ARGV[3] .. '|' .. ARGV[4]
rcall('SET', KEYS[1], (ARGV[5] == '1' and 'y|' or 'n|') .. gens, 'PX', ARGV[6])
return 1
