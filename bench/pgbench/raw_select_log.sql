-- raw fenced SELECT: what pgevents.read_log runs, a page of 1000 from a random cursor.
\set tx random(:txlo, :txhi)
\set seq random(1, :seqhi)
SELECT * FROM pgevents.events e
 WHERE (e.transaction_id, e.sequence_number) > (:tx::xid8, :seq::bigint)
   AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
 ORDER BY e.transaction_id, e.sequence_number LIMIT 1000;
