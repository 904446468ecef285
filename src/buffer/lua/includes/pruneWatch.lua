-- Drops up to 200 watch entries past their retention (bounded work per call; claim and settle call it).
local function pruneWatch(base, now)
  local expired = rcall('ZRANGEBYSCORE', base .. 'watchexp', '-inf', now, 'LIMIT', 0, 200)
  if #expired > 0 then
    rcall('HDEL', base .. 'watch', unpack(expired))
    rcall('ZREM', base .. 'watchexp', unpack(expired))
  end
end
