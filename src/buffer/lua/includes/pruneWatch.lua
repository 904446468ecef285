-- Drops up to 200 watch entries past their retention (bounded work per call; claim and settle call it).
-- watchKey, watchExpKey: the store's watch and watchexp keys (see watchBatch).
local function pruneWatch(watchKey, watchExpKey, now)
  local expired = rcall('ZRANGEBYSCORE', watchExpKey, '-inf', now, 'LIMIT', 0, 200)
  if #expired > 0 then
    rcall('HDEL', watchKey, unpack(expired))
    rcall('ZREM', watchExpKey, unpack(expired))
  end
end
