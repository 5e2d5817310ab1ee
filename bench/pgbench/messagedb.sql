-- bench/pgbench/messagedb.sql: a Message DB-shaped write path, for comparison only.
--
-- Our own SQL with the shape of Message DB's (message-db/message-db)
-- messages table and write_message: a global_position bigserial primary key,
-- unique (id) and unique (stream_name, position) indexes and a category index;
-- write_message takes a transaction-level advisory lock on a 64-bit hash of
-- the stream's category (the part of stream_name before the first '-'), reads
-- the stream version as max(position), checks the expected version, and
-- inserts the message at version + 1. It lives in the scratch schema
-- bench_mdb of the benchmark database and is never part of pgevents.
-- scripts/bench_pgbench.sh applies it, then preloads bench_mdb.messages with
-- a copy of pgevents.events (so both tables and their indexes start equally
-- large).
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench_mdb CASCADE;
CREATE SCHEMA bench_mdb;

CREATE TABLE bench_mdb.messages (
  global_position bigserial PRIMARY KEY,
  position bigint NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  time timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
  stream_name text NOT NULL,
  type text NOT NULL,
  data jsonb,
  metadata jsonb
);

-- category('account-123') = 'account'.
CREATE FUNCTION bench_mdb.category(p_stream_name text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.split_part(p_stream_name, '-', 1) $$;

-- The first 64 bits of the md5 of a name, as a bigint advisory lock key.
CREATE FUNCTION bench_mdb.hash_64(p_value text) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ('x' || pg_catalog.left(pg_catalog.md5(p_value), 16))::bit(64)::bigint $$;

CREATE UNIQUE INDEX messages_id ON bench_mdb.messages (id);
CREATE UNIQUE INDEX messages_stream ON bench_mdb.messages (stream_name, position);
CREATE INDEX messages_category ON bench_mdb.messages
  (bench_mdb.category(stream_name), global_position, bench_mdb.category(metadata ->> 'correlationStreamName'));

CREATE FUNCTION bench_mdb.stream_version(p_stream_name text) RETURNS bigint
  LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  _version bigint;
BEGIN
  SELECT max(m.position) INTO _version FROM bench_mdb.messages m WHERE m.stream_name = p_stream_name;
  RETURN _version;
END;
$$;

CREATE FUNCTION bench_mdb.write_message(
  p_id text,
  p_stream_name text,
  p_type text,
  p_data jsonb,
  p_metadata jsonb DEFAULT NULL,
  p_expected_version bigint DEFAULT NULL
) RETURNS bigint
  LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  _id uuid := p_id::uuid;
  _version bigint;
BEGIN
  -- One writer per category at a time.
  PERFORM pg_catalog.pg_advisory_xact_lock(bench_mdb.hash_64(bench_mdb.category(p_stream_name)));
  _version := coalesce(bench_mdb.stream_version(p_stream_name), -1);
  IF p_expected_version IS NOT NULL AND p_expected_version <> _version THEN
    RAISE EXCEPTION 'wrong expected version: % (stream: %, stream version: %)', p_expected_version, p_stream_name, _version;
  END IF;
  INSERT INTO bench_mdb.messages (id, stream_name, position, type, data, metadata)
  VALUES (_id, p_stream_name, _version + 1, p_type, p_data, p_metadata);
  RETURN _version + 1;
END;
$$;

-- The preload: every event of pgevents.events, stream name category-stream
-- without inner dashes ('cat-3' + 's-42' -> 'cat3-s42').
INSERT INTO bench_mdb.messages (position, id, time, stream_name, type, data, metadata)
SELECT e.position, e.id, e.observed_at AT TIME ZONE 'utc',
       pg_catalog.replace(e.category, '-', '') || '-' || pg_catalog.replace(e.stream, '-', ''), e.name, e.payload, e.metadata
  FROM pgevents.events e
 ORDER BY e.sequence_number;
VACUUM (ANALYZE) bench_mdb.messages;
