--[[
  Invalidates cached answers without buffering anything: write-through mode
  (enabled: false) after ops went straight to OpenFGA, and the change feed
  for writes made outside the module.

  KEYS[1] seq   KEYS[2] epoch
  ARGV[1] 1 to bump the epoch (invalidates every cached "allowed"), else 0
  ARGV[2] when a revoke among the ops reached OpenFGA (ms), else 0: recorded
          in base .. 'revoked' as settle does (a new value each time, see check)
  ARGV[3..] the generation keys of the objects and users the ops touch
  Returns the new position (one for the whole call).
]]
--- @include "callSliced"
--- @include "markRevoked"
local seq = rcall('INCR', KEYS[1])
local gens = {}
for i = 3, #ARGV do
  gens[#gens + 1] = ARGV[i]
  gens[#gens + 1] = seq
end
if ARGV[1] == '1' then
  gens[#gens + 1] = KEYS[2]
  gens[#gens + 1] = seq
end
if ARGV[2] ~= '0' then
  markRevoked(string.sub(KEYS[2], 1, -6) .. 'revoked', ARGV[2])
end
if #gens > 0 then
  callSliced('MSET', false, gens)
end
return seq
