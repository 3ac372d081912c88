-- Record one article version's SimHash bands and return who was already in them.
-- A SimHash within 3 bits of another agrees with it on at least one of four 16-bit bands
-- (pigeonhole), so the members of the four band sets are every near-duplicate candidate.
-- KEYS[1..4] the band sets of the SimHash
-- ARGV       the member to add ("ID:vN:SIMHASH"), ttl seconds
-- Returns the members found before this one was added (duplicates across bands included).
local seen = {}
for i = 1, #KEYS do
  for _, member in ipairs(redis.call('SMEMBERS', KEYS[i])) do
    seen[#seen + 1] = member
  end
  redis.call('SADD', KEYS[i], ARGV[1])
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
return seen
