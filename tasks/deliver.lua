-- Publish one article version: at most once per stream, and never twice for the same content.
-- KEYS[1]   the delivered set of this article version (the guard)
-- KEYS[2]   the content key of the article's normalized text
-- KEYS[3]   the article version's state hash (its outcome is recorded there)
-- KEYS[4]   the set of article versions in flight (this one leaves it)
-- KEYS[5..] the streams to add to: the firehose, then each matching subscriber
-- ARGV      ttl seconds, stream maxlen, article_id, version, document JSON, owner ("ID:vN"),
--           the name of the outcome field in the state hash, then the publish stage's event
--           field and event JSON, and its output field and output JSON (recorded either way:
--           the stage completed, whether it published or found a duplicate)
-- Returns {added, owner}: streams that received the entry in this call, and the owner of the
-- content; an owner other than ARGV[6] means the content was already published (a duplicate).
redis.call('HSET', KEYS[3], ARGV[8], ARGV[9], ARGV[10], ARGV[11])
redis.call('EXPIRE', KEYS[3], ARGV[1])
local owner = redis.call('GET', KEYS[2])
if owner and owner ~= ARGV[6] then
  redis.call('HSET', KEYS[3], ARGV[7], 'deduplicated')
  redis.call('ZREM', KEYS[4], ARGV[6])
  return {0, owner}
end
redis.call('SET', KEYS[2], ARGV[6], 'EX', ARGV[1])
local added = 0
for i = 5, #KEYS do
  if redis.call('SADD', KEYS[1], KEYS[i]) == 1 then
    redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[2], '*',
      'article_id', ARGV[3], 'version', ARGV[4], 'document', ARGV[5])
    added = added + 1
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[7], 'published')
redis.call('ZREM', KEYS[4], ARGV[6])
return {added, ARGV[6]}
