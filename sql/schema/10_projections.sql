-- pgevents: projections (readable current schema).
--
-- The projection store: one table keyed by (name, id), a GIN index over
-- state for containment filters, and pg_trgm for similarity sorts. Built
-- identically by migrations/00002_projections.sql. Per-deployment expression
-- indexes are added with pgevents.add_projection_index (see
-- docs/query-language.md, "Indexes").

-- pg_trgm provides similarity() for similarity sorts. It is created in the
-- pgevents schema so that functions pinned to search_path = pgevents, pg_temp
-- reach it; when a database already has pg_trgm in another schema, that
-- installation is used instead (the query compiler looks the schema up in
-- pg_extension). pg_trgm is a trusted extension: the migrating role needs
-- CREATE on the database, not superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA pgevents;

-- Projections: the folded state of a source (the log, a category or a
-- stream), keyed by projector name and id.
CREATE TABLE pgevents.projections (
  name       text COLLATE "C" NOT NULL,
  id         text COLLATE "C" NOT NULL,
  source     jsonb       NOT NULL,
  state      jsonb       NOT NULL,
  metadata   jsonb       NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT projections_pkey PRIMARY KEY (name, id),
  CONSTRAINT projections_source_check CHECK (pg_catalog.jsonb_typeof(source) = 'object'
    AND source ->> 'type' IN ('log', 'category', 'stream'))
);

COMMENT ON TABLE pgevents.projections IS
  'Projections: folded state per (name, id). Write through pgevents.save_projection; query with pgevents.search_projections (docs/query-language.md).';
COMMENT ON COLUMN pgevents.projections.name IS
  'The projector''s name. COLLATE "C": the query language orders strings by bytes, and so does the primary key.';
COMMENT ON COLUMN pgevents.projections.id IS
  'The projection''s id within its name; the final tie-breaker of every search (ascending, byte order).';
COMMENT ON COLUMN pgevents.projections.source IS
  'What was projected, as an identifier JSON ({"type":"log"|"category"|"stream",...}). The first save''s source is kept.';
COMMENT ON COLUMN pgevents.projections.created_at IS
  'When the projection was first saved.';
COMMENT ON COLUMN pgevents.projections.updated_at IS
  'When the projection was last saved.';

-- Containment filters (the query language's "contains" on state paths) are
-- compiled to state @> ..., which this index serves. jsonb_path_ops: smaller
-- and faster than the default jsonb_ops for @>, and @> is all the compiler
-- emits (it never uses the key-existence operators ?, ?| and ?&).
CREATE INDEX projections_state_idx ON pgevents.projections USING gin (state jsonb_path_ops);

-- pgevents.locate_projection: the projection of a name with a given source.
-- A hash of the source (migration 00006): a name and a source together hold
-- up to three 255-character names, over a btree entry's 2,704 bytes in
-- 4-byte characters.
CREATE INDEX projections_name_source_idx ON pgevents.projections (name, pg_catalog.md5(source::text));

-- Reading is allowed directly; writing only through the functions (which run
-- as the owner).
REVOKE ALL ON pgevents.projections FROM PUBLIC;
GRANT SELECT ON pgevents.projections TO pgevents_reader;
