-- pgevents.read_stream, a whole preloaded stream (100 events).
\set s random(0, :streams - 1)
\set c :s % 10
SELECT * FROM pgevents.read_stream('cat-' || :c, 's-' || :s, 0, 1000);
