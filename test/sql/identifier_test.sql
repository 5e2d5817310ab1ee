-- pgevents.identifier
--
-- - Neither category nor stream: {"type":"log"}
-- - Category only: {"type":"category","category":C}
-- - Both: {"type":"stream","category":C,"stream":S}
-- - A stream without a category: PE104
-- - Invalid names: PE101
BEGIN;
SELECT plan(12);

SELECT has_function('pgevents', 'identifier', ARRAY['text', 'text'], 'identifier(category, stream) exists');
SELECT function_returns('pgevents', 'identifier', ARRAY['text', 'text'], 'jsonb', 'identifier returns jsonb');
SELECT volatility_is('pgevents', 'identifier', ARRAY['text', 'text'], 'immutable', 'identifier is IMMUTABLE');

SELECT is(pgevents.identifier(), '{"type": "log"}'::jsonb, 'No arguments: the log');
SELECT is(pgevents.identifier(NULL, NULL), '{"type": "log"}'::jsonb, 'Category and stream NULL: the log');
SELECT is(pgevents.identifier('account'), '{"type": "category", "category": "account"}'::jsonb, 'Category only: the category');
SELECT is(pgevents.identifier('account', 'account-1'), '{"type": "stream", "category": "account", "stream": "account-1"}'::jsonb, 'Category and stream: the stream');
SELECT is(pgevents.identifier(p_stream => 'account-1', p_category => 'account'), pgevents.identifier('account', 'account-1'), 'Named arguments work');

SELECT throws_ok($$SELECT pgevents.identifier(NULL, 'account-1')$$, 'PE104', NULL, 'Stream without a category: PE104');
SELECT throws_ok($$SELECT pgevents.identifier('')$$, 'PE101', NULL, 'Category empty: PE101');
SELECT throws_ok($$SELECT pgevents.identifier('account', '')$$, 'PE101', NULL, 'Stream empty: PE101');
SELECT throws_ok($$SELECT pgevents.identifier(E'acc\nount', 'account-1')$$, 'PE101', NULL, 'Category with a control character: PE101');

SELECT * FROM finish();
ROLLBACK;
