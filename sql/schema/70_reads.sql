-- pgevents: reads (migration 00012): the relation the inlinable read
-- functions (read_stream, read_category, read_log) select from.

-- Inlined read functions run with the caller's privileges; through this view
-- (its owner reads pgevents.events) a pgevents_writer, which has no
-- privilege on pgevents.events, reads what the read functions have always
-- returned to it: every column of every committed event.
CREATE VIEW pgevents.readable_events AS
  SELECT e.sequence_number, e.transaction_id, e.id, e.category, e.stream, e.position,
         e.name, e.payload, e.metadata, e.occurred_at, e.observed_at
    FROM pgevents.events e;

COMMENT ON VIEW pgevents.readable_events IS
  'Every committed event, as the read functions return them: the relation read_stream, read_category and read_log (inlined into the caller''s statement) select from. SELECT for pgevents_reader and pgevents_writer; read through the functions (cursor order, fence, checks).';

REVOKE ALL ON pgevents.readable_events FROM PUBLIC;
GRANT SELECT ON pgevents.readable_events TO pgevents_reader, pgevents_writer;
