-- pgevents.stream_bucket
--
-- - A stream's bucket is hashtext(category || E'\x1f' || stream) & 63,
--   always in 0..63, and the same every time
-- - The values the Go function consumer.Bucket computes (hardcoded here)
-- - It is the expression of the consumer bucket indexes
-- - NULL in: NULL out; IMMUTABLE; callable by pgevents_reader
\ir helpers.psql
BEGIN;
\ir consumer_helpers.psql
SELECT plan(9);

SELECT has_function('pgevents', 'stream_bucket', ARRAY['text', 'text'], 'stream_bucket(category, stream) exists');
SELECT volatility_is('pgevents', 'stream_bucket', ARRAY['text', 'text'], 'immutable', 'stream_bucket is IMMUTABLE');
SELECT is(pgevents.stream_bucket('order', 'o-1'), hashtext('order' || E'\x1f' || 'o-1') & 63, 'It is hashtext(category || U+001F || stream) & 63');
SELECT is_empty($$SELECT 1 FROM generate_series(1, 2000) i WHERE pgevents.stream_bucket('c' || (i % 7), 's-' || i) NOT BETWEEN 0 AND 63$$,
  'Always between 0 and 63');
SELECT is((SELECT count(DISTINCT pgevents.stream_bucket('c', 's-' || i)) FROM generate_series(1, 2000) i), 64::bigint,
  '2,000 streams spread over all 64 buckets');
SELECT results_eq(
  $$SELECT pgevents.stream_bucket(c, s) FROM (VALUES ('order', 'o-1', 1), ('order', 'o-2', 2), ('account', 'acct-1', 3),
      ('é€', '𝄞 stream', 4), ('a', '0123456789abcdefghijklmnopqrstuvwxyz', 5)) v(c, s, o) ORDER BY o$$,
  $$VALUES (53), (52), (1), (40), (27)$$,
  'The values Go''s consumer.Bucket computes (UTF-8 and a key longer than 12 bytes included)');
SELECT is(pgevents.stream_bucket(NULL, 's'), NULL, 'NULL category: NULL');
SELECT matches(pgevents.consumer_index_definition('order'), '\(pg_catalog\.hashtext\(category \|\| E''\\x1f'' \|\| stream\) & 63\)',
  'The consumer bucket index is built on the same expression');
SET LOCAL ROLE consumer_test_reader;
SELECT is(pgevents.stream_bucket('order', 'o-1'), 53, 'pgevents_reader may call it');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
