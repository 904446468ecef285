-- Records that a revoke reached OpenFGA at `now` (ms) in `revoked`: for a
-- while the read path then asks OpenFGA with higher consistency, and single
-- flight keys on this value, so every call sets a new one (one past the last
-- when the clock has not moved on).
local function markRevoked(revokedKey, now)
  rcall('SET', revokedKey, math.max(tonumber(now), (tonumber(rcall('GET', revokedKey)) or 0) + 1))
end
