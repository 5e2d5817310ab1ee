-- bench/batch/stress.sh: a batch of 4 items on 20 streams of one category (stream and
-- category scope, conditions; two items may share a stream).
\set a random(0, 19)
\set b random(0, 19)
\set c random(0, 19)
\set d random(0, 19)
SELECT count(*) FROM pgevents.append_batch(format('[
 {"category": "stress", "stream": "s-%s", "events": [{"name": "E", "payload": 1}]},
 {"category": "stress", "stream": "s-%s", "events": [{"name": "E", "payload": 2}, {"name": "E", "payload": 3}], "condition": {"type": "stream_exists"}},
 {"category": "stress", "stream": "s-%s", "events": [{"name": "E", "payload": 4}], "scope": "category"},
 {"category": "stress", "stream": "s-%s", "events": [{"name": "E", "payload": 5}], "condition": {"type": "and", "conditions": [{"type": "stream_exists"}]}}
]', :a::int, :b::int, :c::int, :d::int)::jsonb);
