-- raw SELECT: what pgevents.read_stream runs, a whole preloaded stream (100 events).
\set s random(0, :streams - 1)
\set c :s % 10
SELECT * FROM pgevents.events e
 WHERE e.category = 'cat-' || :c AND e.stream = 's-' || :s AND e.position >= 0
 ORDER BY e.position LIMIT 1000;
