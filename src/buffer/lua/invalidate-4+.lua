--[[
  Invalidates cached answers without buffering anything: write-through mode
  (enabled: false) after ops went straight to OpenFGA, and the change feed
  for writes made outside the module.

  The generation keys (and, when the writer could not scope the ops by the
  store's graph, the epoch) are set to a new position, as for a buffered
  write (see appendOps).

  KEYS[1] seq   KEYS[2] epoch   KEYS[3] revoked   KEYS[4] graph
  ARGV[1] when a revoke among the ops reached OpenFGA (ms), else 0: recorded
          in `revoked` as settle does (a new value each time, see check)
  ARGV[2] 1 when the writer could not scope the ops by a graph, else 0
  ARGV[3] the model id of the writer's graph ('' = none)
  KEYS[5..] the generation keys the ops may change
  Returns the new position (one for the whole call).
]]
--- @include "callSliced"
--- @include "markRevoked"
local seq = rcall('INCR', KEYS[1])
local gens = {}
for i = 5, #KEYS do
  gens[#gens + 1] = KEYS[i]
  gens[#gens + 1] = seq
end
if ARGV[2] == '1' or ARGV[3] == '' or rcall('GET', KEYS[4]) ~= ARGV[3] then
  gens[#gens + 1] = KEYS[2]
  gens[#gens + 1] = seq
end
if ARGV[1] ~= '0' then
  markRevoked(KEYS[3], ARGV[1])
end
if #gens > 0 then
  callSliced('MSET', false, gens)
end
return seq
