--[[
  Invalidates cached answers without buffering anything: write-through mode
  (enabled: false) after ops went straight to OpenFGA, and the change feed
  for writes made outside the module.

  KEYS[1] seq   KEYS[2] epoch
  ARGV[1] 1 when any of the ops is a revoke, else 0
  ARGV[2..] the generation keys of the objects and users the ops touch
  Returns the new position (one for the whole call).
]]
local seq = rcall('INCR', KEYS[1])
local gens = {}
for i = 2, #ARGV do
  gens[#gens + 1] = ARGV[i]
  gens[#gens + 1] = seq
end
if ARGV[1] == '1' then
  gens[#gens + 1] = KEYS[2]
  gens[#gens + 1] = seq
end
if #gens > 0 then
  callSliced('MSET', false, gens)
end
return seq
