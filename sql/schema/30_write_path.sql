-- pgevents: the write path (readable current schema; migration 00004).
--
-- Row locks of streams and serialisation scopes (owner-only tables, so no
-- other role can take them), the write limits (PE112) and the import switch
-- for observed_at, as installation settings.

-- Stream locks. Every append locks its stream's row here (SELECT ... FOR
-- UPDATE, held to commit) before it reads the stream's latest event. Row
-- locks, unlike advisory locks, need the UPDATE privilege, which no role but
-- the owner has: a session that may connect cannot take a writer's lock and
-- stall the stream (advisory lock keys are open to every session). A row is
-- created by a stream's first append through these functions; a stream
-- without one (events older than this table) gets it on its next append.
-- The rows hold no data: positions and ordering come from pgevents.events.
CREATE TABLE pgevents.streams (
  category text COLLATE "C" NOT NULL,
  stream   text COLLATE "C" NOT NULL,
  CONSTRAINT streams_pkey PRIMARY KEY (category, stream)
);

COMMENT ON TABLE pgevents.streams IS
  'The write locks of streams: one row per stream appended to through pgevents.append / append_streams, locked FOR UPDATE by every append (owner-only). Internal; never lock or write it.';

-- The wider serialisation scopes: one row for the log (category '') and one
-- per category that was written under scope 'category', locked FOR UPDATE
-- (never updated) before the stream rows.
CREATE TABLE pgevents.scope_locks (
  scope    text COLLATE "C" NOT NULL,
  category text COLLATE "C" NOT NULL,
  CONSTRAINT scope_locks_pkey PRIMARY KEY (scope, category),
  CONSTRAINT scope_locks_scope_check CHECK ((scope = 'log' AND category = '') OR (scope = 'category' AND category <> ''))
);

COMMENT ON TABLE pgevents.scope_locks IS
  'The row locks of the serialisation scopes log (category '''') and category. Internal; never lock or write it.';

INSERT INTO pgevents.scope_locks (scope, category) VALUES ('log', '');

-- Owner only: no grant to anyone. SELECT ... FOR UPDATE/SHARE and LOCK TABLE
-- need privileges on the table, so no application role can lock a row.
REVOKE ALL ON pgevents.streams, pgevents.scope_locks FROM PUBLIC;

-- Limits of the write path (PE112) and the import switch (observed_at).
INSERT INTO pgevents.settings (name, value, description) VALUES
  ('max_event_size', '1048576',
   'Largest payload + metadata of one event, in bytes of their JSON text as PostgreSQL prints it (absent metadata counts as null); at least 65536. Larger events: PE112.'),
  ('max_event_depth', '64',
   'Deepest nesting of arrays and objects in an event''s payload or metadata ({} is 1, a scalar 0); 32 to 999. Deeper: PE112.'),
  ('max_append_events', '10000',
   'Most events one call of append or append_streams may carry; at least 100. More: PE112.'),
  ('max_append_size', '16777216',
   'Largest JSON text of the events of one call, in bytes (the events array; for append_streams the sum over its streams); at least 65536. Larger: PE112.'),
  ('allow_observed_at', 'false',
   'Whether appends may set observed_at (imports). When true, an observed_at is still never earlier than the one before it in the stream (PE102).')
ON CONFLICT (name) DO NOTHING;

-- The limits must be integers no lower than the floors pgevents.write_stream
-- relies on (a batch within all floors is not checked against the settings,
-- which saves reading them on every append), and the switch a boolean: a
-- typo must not turn a limit off or make every append fail.
ALTER TABLE pgevents.settings ADD CONSTRAINT settings_write_path_check CHECK (
  CASE name
    WHEN 'max_event_size' THEN pg_catalog.jsonb_typeof(value) = 'number' AND value::text ~ '^[1-9][0-9]{4,17}$'
      AND value::text::numeric >= 65536
    WHEN 'max_event_depth' THEN pg_catalog.jsonb_typeof(value) = 'number' AND value::text ~ '^[1-9][0-9]{1,2}$'
      AND value::text::numeric >= 32
    WHEN 'max_append_events' THEN pg_catalog.jsonb_typeof(value) = 'number' AND value::text ~ '^[1-9][0-9]{2,8}$'
    WHEN 'max_append_size' THEN pg_catalog.jsonb_typeof(value) = 'number' AND value::text ~ '^[1-9][0-9]{4,17}$'
      AND value::text::numeric >= 65536
    WHEN 'allow_observed_at' THEN pg_catalog.jsonb_typeof(value) = 'boolean'
    ELSE true
  END);
