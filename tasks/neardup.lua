-- Record one article version's SimHash in its four bands; return the near ones already there.
-- A SimHash within N bits of another agrees with it on at least one of four 16-bit bands
-- (pigeonhole, N <= 3), so the four band sets hold every near-duplicate candidate. The
-- distance is computed here, so only true near-duplicates cross the network, and each band
-- keeps its newest members only: boilerplate-heavy texts that share a band stay cheap.
-- KEYS[1..4] the band sorted sets of the SimHash (member "ID:vN:SIMHASH", score: time seen)
-- ARGV       the member to add, ttl seconds, now (seconds), members kept per band,
--            the largest distance in bits that counts as near
-- Returns {member, distance, ...} for the near members found (each once), itself excluded.
local function popcount(x)
  local n = 0
  while x ~= 0 do
    x = bit.band(x, x - 1)
    n = n + 1
  end
  return n
end

local function halves(member)
  local hex = string.sub(member, -16)
  return tonumber(string.sub(hex, 1, 8), 16), tonumber(string.sub(hex, 9, 16), 16)
end

local high, low = halves(ARGV[1])
local keep, near = tonumber(ARGV[4]), tonumber(ARGV[5])
local found, seen = {}, {}
for i = 1, #KEYS do
  for _, member in ipairs(redis.call('ZRANGE', KEYS[i], 0, -1)) do
    if not seen[member] and member ~= ARGV[1] then
      seen[member] = true
      local other_high, other_low = halves(member)
      local distance = popcount(bit.bxor(high, other_high)) + popcount(bit.bxor(low, other_low))
      if distance <= near then
        found[#found + 1] = member
        found[#found + 1] = distance
      end
    end
  end
  redis.call('ZADD', KEYS[i], ARGV[3], ARGV[1])
  redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -keep - 1)
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
return found
