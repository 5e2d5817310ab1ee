-- Privileges for every pgevents function, re-applied with the functions.
--
-- Not a function file: it runs last (zz_) on every migration so that grants
-- follow the current function set. Internal functions are callable only by
-- the owner (the public ones are SECURITY DEFINER and call them as owner).
-- pgevents_writer may call the read and write API; pgevents_reader the read
-- API (and SELECT on pgevents.events); neither may touch the tables directly.
-- An installation with its own role names (setting roles_prefix) gets these
-- grants moved to its roles by zzz_roles.sql, which runs after this file.
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

-- The text-cursor overloads of the resumable reads (strict cursor parsing).
GRANT EXECUTE ON FUNCTION
  pgevents.read_category(text, text, bigint, integer),
  pgevents.read_log(text, bigint, integer)
TO pgevents_reader, pgevents_writer;

-- The read functions are inlined into the caller's statement (issue 10), so
-- the caller calls their checks (SECURITY DEFINER: check_cursor and
-- parse_transaction_id stay internal).
GRANT EXECUTE ON FUNCTION
  pgevents.check_read_category(text, xid8, bigint, integer),
  pgevents.check_read_log(xid8, bigint, integer),
  pgevents.check_read_stream(text, text, bigint, integer),
  pgevents.check_read_transaction_id(text)
TO pgevents_reader, pgevents_writer;

GRANT EXECUTE ON FUNCTION
  pgevents.append(text, text, jsonb, jsonb, text),
  pgevents.append_streams(text, jsonb, text)
TO pgevents_writer;

-- The batch append (migration 00010).
GRANT EXECUTE ON FUNCTION
  pgevents.append_batch(jsonb)
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

-- Operations (issue 12): stats for the CLI, the browser and /metrics.
-- first_event_at, estimate_events and stats_count_budget stay internal.
GRANT EXECUTE ON FUNCTION
  pgevents.log_stats(integer),
  pgevents.category_stats(text, integer, integer, text),
  pgevents.event_name_stats(text, integer, integer)
TO pgevents_reader, pgevents_writer;
-- Consumers (migration 00007). Internal helpers (find_consumer_group,
-- lock_consumer_partition, raise_consumer_error, check_parked_ids) stay
-- owner-only.
GRANT EXECUTE ON FUNCTION
  pgevents.stream_bucket(text, text),
  pgevents.consumer_index_definition(text, boolean),
  pgevents.consumer_status(text),
  pgevents.list_consumer_members(text),
  pgevents.list_parked_events(text, bigint, integer)
TO pgevents_reader, pgevents_writer;

GRANT EXECUTE ON FUNCTION
  pgevents.create_consumer_group(text, jsonb, integer, boolean),
  pgevents.drop_consumer_group(text),
  pgevents.join_consumer_group(text, text, interval),
  pgevents.leave_consumer_group(text, text),
  pgevents.read_consumer_batch(text, text, integer),
  pgevents.save_consumer_checkpoint(text, text, integer, bigint, xid8, bigint, xid8, bigint),
  pgevents.park_consumer_event(text, text, bigint, bigint, text, integer),
  pgevents.settle_parked_event(text, text, bigint, bigint),
  pgevents.replay_parked_events(text, bigint[]),
  pgevents.drop_parked_events(text, bigint[])
TO pgevents_writer;

-- read_consumer_batch is inlined into the caller's statement (issue 11), so
-- the caller calls its check and its multi-partition part (SECURITY
-- DEFINER: find_consumer_group and the consumer tables stay internal).
GRANT EXECUTE ON FUNCTION
  pgevents.check_read_consumer_batch(text, text, integer),
  pgevents.fetch_consumer_buckets(text, text, integer)
TO pgevents_writer;

-- The event browser (pgevents serve) and operators: bounded, index-served
-- reads. browse_estimated_rows stays owner-only (internal).
GRANT EXECUTE ON FUNCTION
  pgevents.read_event(uuid),
  pgevents.browse_summary(),
  pgevents.browse_categories(text, integer, integer),
  pgevents.browse_streams(text, text, integer),
  pgevents.browse_tail(text, integer),
  pgevents.browse_activity(integer, integer),
  pgevents.browse_projection_names(text, integer)
TO pgevents_reader, pgevents_writer;

-- Snapshots (migration 00009).
GRANT EXECUTE ON FUNCTION
  pgevents.load_snapshot(text, integer, text, text)
TO pgevents_reader, pgevents_writer;

GRANT EXECUTE ON FUNCTION
  pgevents.save_snapshot(text, integer, text, text, bigint, jsonb, jsonb),
  pgevents.drop_snapshots(text, integer)
TO pgevents_writer;

-- Live projections (migration 00009).
GRANT EXECUTE ON FUNCTION
  pgevents.live_projection_status(text)
TO pgevents_reader, pgevents_writer;

GRANT EXECUTE ON FUNCTION
  pgevents.register_live_projection(text, integer, text, text),
  pgevents.fail_live_projection(text, text, integer),
  pgevents.drop_live_projection(text)
TO pgevents_writer;

GRANT EXECUTE ON FUNCTION
  pgevents.check_live_projection_build(text, integer),
  pgevents.switch_live_projection(text, integer, bigint)
TO pgevents_writer;

-- Live projection rebuilds requested from SQL (migration 00011);
-- live_projection_rate stays internal.
GRANT EXECUTE ON FUNCTION
  pgevents.find_live_projection(text)
TO pgevents_reader, pgevents_writer;

GRANT EXECUTE ON FUNCTION
  pgevents.request_live_projection_rebuild(text)
TO pgevents_writer;
