-- pgevents.read_category, a page of 1000 from a random cursor.
\set c random(0, 9)
\set tx random(:txlo, :txhi)
\set seq random(1, :seqhi)
SELECT * FROM pgevents.read_category('cat-' || :c, :tx::xid8, :seq::bigint, 1000);
