-- Add one article version to each target stream exactly once, however often it runs.
-- KEYS[1]   the delivered set of this article version (the guard)
-- KEYS[2..] the streams to add to: the firehose, then each matching subscriber
-- ARGV      ttl seconds, stream maxlen, article_id, version, document JSON
-- Returns the number of streams that received the entry in this call.
local added = 0
for i = 2, #KEYS do
  if redis.call('SADD', KEYS[1], KEYS[i]) == 1 then
    redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[2], '*',
      'article_id', ARGV[3], 'version', ARGV[4], 'document', ARGV[5])
    added = added + 1
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return added
