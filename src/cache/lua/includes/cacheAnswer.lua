-- Caches one answer (see populate-6.lua for KEYS and ARGV): a function, so populate-many runs it per answer.
local function cacheAnswer(KEYS, ARGV)
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
end
