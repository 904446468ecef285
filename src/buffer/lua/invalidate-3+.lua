--[[
  Invalidates cached answers without buffering anything: write-through mode
  (enabled: false) after ops went straight to OpenFGA, and the change feed
  for writes made outside the module.

  The generation keys and the epoch are set to a new position: as for a
  buffered write (see appendOps), every write bumps the epoch.

  KEYS[1] seq   KEYS[2] epoch   KEYS[3] revoked
  ARGV[1] when a revoke among the ops reached OpenFGA (ms), else 0: recorded
          in `revoked` as settle does (a new value each time, see check)
  KEYS[4..] the generation keys of the objects and users the ops touch
  Returns the new position (one for the whole call).
]]
--- @include "callSliced"
--- @include "markRevoked"
local seq = rcall('INCR', KEYS[1])
local gens = {}
for i = 4, #KEYS do
  gens[#gens + 1] = KEYS[i]
  gens[#gens + 1] = seq
end
gens[#gens + 1] = KEYS[2]
gens[#gens + 1] = seq
if ARGV[1] ~= '0' then
  markRevoked(KEYS[3], ARGV[1])
end
callSliced('MSET', false, gens)
return seq
