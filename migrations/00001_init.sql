-- +goose Up
-- 00001: the event log, its immutability trigger, roles and the custom condition registry.
-- Everything else (functions, grants) is repeatable: see sql/functions/, applied by pgevents.Migrate.
CREATE SCHEMA IF NOT EXISTS pgevents;

COMMENT ON SCHEMA pgevents IS
  'pgevents: a PostgreSQL-native event store. Call the functions; never write the tables directly.';

-- Least-privilege roles. Roles are cluster-wide, so they are created only when
-- missing (several databases of one cluster may run this migration, even at
-- the same time: a concurrent duplicate is ignored).
-- +goose StatementBegin
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'pgevents_reader') THEN
    BEGIN
      CREATE ROLE pgevents_reader NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'pgevents_writer') THEN
    BEGIN
      CREATE ROLE pgevents_writer NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
END
$$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA pgevents TO pgevents_reader, pgevents_writer;

-- The log. One row per event, never updated or deleted.
CREATE TABLE pgevents.events (
  sequence_number bigint GENERATED ALWAYS AS IDENTITY,
  transaction_id  xid8        NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
  id              uuid        NOT NULL,
  category        text        NOT NULL,
  stream          text        NOT NULL,
  position        bigint      NOT NULL,
  name            text        NOT NULL,
  payload         jsonb       NOT NULL,
  metadata        jsonb       NOT NULL,
  occurred_at     timestamptz NOT NULL,
  observed_at     timestamptz NOT NULL,
  CONSTRAINT events_pkey PRIMARY KEY (sequence_number),
  CONSTRAINT events_id_key UNIQUE (id),
  CONSTRAINT events_stream_position_key UNIQUE (category, stream, position),
  CONSTRAINT events_position_check CHECK (position >= 0)
);

COMMENT ON TABLE pgevents.events IS
  'The event log: immutable, append-only. Write through pgevents.append / pgevents.append_streams.';
COMMENT ON COLUMN pgevents.events.sequence_number IS
  'Unique across the log, increasing in insertion order within a stream; may have gaps. Not a safe resume point on its own: see transaction_id.';
COMMENT ON COLUMN pgevents.events.transaction_id IS
  'The writing transaction (pg_current_xact_id()). Resumable reads order by (transaction_id, sequence_number) below the snapshot xmin fence.';
COMMENT ON COLUMN pgevents.events.position IS
  'Position in the stream: 0-based and gapless.';
COMMENT ON COLUMN pgevents.events.occurred_at IS
  'Domain time: when it happened. Defaults to observed_at.';
COMMENT ON COLUMN pgevents.events.observed_at IS
  'Recording time: the server clock at append, unless an import overrides it.';

-- Resumable log reads: (transaction_id, sequence_number) order.
CREATE INDEX events_log_order_idx ON pgevents.events (transaction_id, sequence_number);
-- Resumable category reads and the latest event of a category.
CREATE INDEX events_category_order_idx ON pgevents.events (category, transaction_id, sequence_number);

-- Immutability, enforced by the database for every role (triggers fire for
-- the owner too; only session_replication_role = replica bypasses them).
-- +goose StatementBegin
CREATE FUNCTION pgevents.forbid_event_changes() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'pgevents: events are immutable: % is not allowed on pgevents.events', TG_OP
    USING ERRCODE = 'PE900',
          DETAIL = 'The event log is append-only.',
          HINT = 'Append a compensating event instead.';
END;
$$;
-- +goose StatementEnd

COMMENT ON FUNCTION pgevents.forbid_event_changes() IS
  'Trigger: refuses UPDATE, DELETE and TRUNCATE on pgevents.events with SQLSTATE PE900.';

-- Statement-level, so even an UPDATE or DELETE that matches no row is refused.
CREATE TRIGGER events_immutable
  BEFORE UPDATE OR DELETE OR TRUNCATE ON pgevents.events
  FOR EACH STATEMENT EXECUTE FUNCTION pgevents.forbid_event_changes();

REVOKE ALL ON pgevents.events FROM PUBLIC;
GRANT SELECT ON pgevents.events TO pgevents_reader;

-- Registered custom write conditions. Only functions listed here can be named
-- by a condition's "type"; callers never supply SQL.
CREATE TABLE pgevents.condition_types (
  type     text         NOT NULL,
  function regprocedure NOT NULL,
  CONSTRAINT condition_types_pkey PRIMARY KEY (type),
  CONSTRAINT condition_types_type_check CHECK (type ~ '^[a-z][a-z0-9_]{0,62}$'
    AND type NOT IN ('none', 'position_is', 'stream_is_empty', 'stream_exists', 'and', 'or'))
);

COMMENT ON TABLE pgevents.condition_types IS
  'Custom write condition types. Register with pgevents.register_condition_type.';

REVOKE ALL ON pgevents.condition_types FROM PUBLIC;
GRANT SELECT ON pgevents.condition_types TO pgevents_reader, pgevents_writer;

-- +goose Down
-- Drops the whole pgevents schema, events included. Roles are cluster-wide
-- and may serve other databases, so they are left in place.
DROP SCHEMA pgevents CASCADE;
