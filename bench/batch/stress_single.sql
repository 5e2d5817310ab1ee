-- bench/batch/stress.sh: a single append under scope category, among the batches.
\set a random(0, 19)
SELECT count(*) FROM pgevents.append('stress', 's-' || :a, '[{"name": "S", "payload": 0}]', NULL, 'category');
