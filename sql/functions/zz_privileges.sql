-- Privileges for every pgevents function, re-applied with the functions.
--
-- Not a function file: it runs last (zz_) on every migration so that grants
-- follow the current function set. Internal functions are callable only by
-- the owner (the public ones are SECURITY DEFINER and call them as owner).
-- pgevents_writer may call the read and write API; pgevents_reader the read
-- API (and SELECT on pgevents.events); neither may touch the tables directly.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA pgevents FROM PUBLIC;

GRANT EXECUTE ON FUNCTION
  pgevents.read_stream(text, text, bigint, integer),
  pgevents.read_category(text, xid8, bigint, integer),
  pgevents.read_log(xid8, bigint, integer),
  pgevents.read_log_by_sequence(bigint, integer, text),
  pgevents.latest_event(text, text),
  pgevents.stream_position(text, text),
  pgevents.fence_lag(),
  pgevents.identifier(text, text)
TO pgevents_reader, pgevents_writer;

-- Pure helpers: harmless, and functions like pgevents.identifier (not
-- SECURITY DEFINER) call them with the caller's rights.
GRANT EXECUTE ON FUNCTION
  pgevents.raise_invalid(text, text, text),
  pgevents.check_name(text, text),
  pgevents.check_invalid_name(text, text),
  pgevents.check_limit(integer),
  pgevents.parse_timestamp(text, jsonb)
TO pgevents_reader, pgevents_writer;

GRANT EXECUTE ON FUNCTION
  pgevents.append(text, text, jsonb, jsonb, text),
  pgevents.append_streams(text, jsonb, text)
TO pgevents_writer;

-- Projections. pgevents.add_projection_index and
-- pgevents.projection_index_definition stay owner-only (they create indexes),
-- like the internal compile_projection_query, projection_keys and
-- projection_source.
GRANT EXECUTE ON FUNCTION
  pgevents.load_projection(text, text),
  pgevents.locate_projection(text, jsonb),
  pgevents.search_projections(jsonb),
  pgevents.count_projections(jsonb)
TO pgevents_reader, pgevents_writer;

GRANT EXECUTE ON FUNCTION
  pgevents.save_projection(text, text, jsonb, jsonb, jsonb)
TO pgevents_writer;
