-- Runs `cmd key <items>` (`cmd <items>` when key is false) in slices: unpack
-- has a limit on how many values it returns. With `gather`, returns the
-- replies of all slices as one list.
local SLICE = 4000
local function callSliced(cmd, key, items, gather)
  local out = gather and {} or nil
  for from = 1, #items, SLICE do
    local to = math.min(from + SLICE - 1, #items)
    local reply
    if key then
      reply = rcall(cmd, key, unpack(items, from, to))
    else
      reply = rcall(cmd, unpack(items, from, to))
    end
    if gather then
      for i = 1, #reply do
        out[#out + 1] = reply[i]
      end
    end
  end
  return out
end
