-- pgevents.read_log, a page of 1000 from a random cursor.
\set tx random(:txlo, :txhi)
\set seq random(1, :seqhi)
SELECT * FROM pgevents.read_log(:tx::xid8, :seq::bigint, 1000);
