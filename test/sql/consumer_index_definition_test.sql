-- pgevents.consumer_index_definition
--
-- - Category: a partial index WHERE category = <literal> on (bucket
--   expression, transaction_id, sequence_number), IF NOT EXISTS, named
--   events_consumer_<slug>_<md5>_idx
-- - Log (NULL): events_consumer_log_idx, no WHERE
-- - CONCURRENTLY on request
-- - Distinct categories with the same slug get distinct names; quotes are
--   quoted
-- - Invalid category: PE101
\ir helpers.psql
BEGIN;
\ir consumer_helpers.psql
SELECT plan(9);

SELECT has_function('pgevents', 'consumer_index_definition', ARRAY['text', 'boolean'], 'consumer_index_definition(category, concurrently) exists');
SELECT is(pgevents.consumer_index_definition('order'),
  'CREATE INDEX IF NOT EXISTS events_consumer_order_' || left(md5('order'), 12) || '_idx ON pgevents.events ((pg_catalog.hashtext(category || E''\x1f'' || stream) & 63), transaction_id, sequence_number) WHERE category = ''order''',
  'Category: the partial bucket index of that category');
SELECT is(pgevents.consumer_index_definition(NULL),
  'CREATE INDEX IF NOT EXISTS events_consumer_log_idx ON pgevents.events ((pg_catalog.hashtext(category || E''\x1f'' || stream) & 63), transaction_id, sequence_number)',
  'Log: one index over every event');
SELECT matches(pgevents.consumer_index_definition('order', true), '^CREATE INDEX CONCURRENTLY IF NOT EXISTS ', 'Concurrently on request');
SELECT isnt(substring(pgevents.consumer_index_definition('Order') FROM 'EXISTS (\S+) ON'),
            substring(pgevents.consumer_index_definition('order') FROM 'EXISTS (\S+) ON'),
  'Order and order: the same slug, distinct names');
SELECT matches(pgevents.consumer_index_definition('it''s'), 'WHERE category = ''it''''s''$', 'A quote in the category is quoted');
SELECT throws_ok($$SELECT pgevents.consumer_index_definition('')$$, 'PE101', NULL, 'Empty category: PE101');
-- The statement works, and the index serves the consumer query.
SELECT lives_ok(pgevents.consumer_index_definition('consumerIndexDefinitionTest'), 'The statement runs');
SELECT ok(to_regclass('pgevents.' || substring(pgevents.consumer_index_definition('consumerIndexDefinitionTest') FROM 'EXISTS (\S+) ON')) IS NOT NULL,
  'and creates the index it names');

SELECT * FROM finish();
ROLLBACK;
