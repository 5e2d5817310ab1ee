-- +goose Up
-- 00006: hardening of the projection store (issue 8).
--
-- The (name, source) lookup index holds a hash of the source: name and
-- source held up to three 255-character names, which in 4-byte characters
-- (over 3,000 bytes) exceed a btree entry (2,704 bytes), so save_projection
-- failed with SQLSTATE 54000. pgevents.locate_projection compares the same
-- expression. Rebuilding takes a SHARE lock on pgevents.projections (saves
-- wait) while it runs.
DROP INDEX pgevents.projections_name_source_idx;
CREATE INDEX projections_name_source_idx ON pgevents.projections (name, pg_catalog.md5(source::text));

-- Limits of a projection's state and metadata (pgevents.save_projection,
-- SQLSTATE PE115).
INSERT INTO pgevents.settings (name, value, description) VALUES
  ('projection_max_json_bytes', '1048576',
   'Largest projection state or metadata, in bytes of its jsonb text form (save_projection raises PE115 beyond it).'),
  ('projection_max_json_depth', '256',
   'Deepest nesting of arrays/objects in a projection state or metadata (save_projection raises PE115 beyond it; at most 10000, which the Go driver can decode).')
ON CONFLICT (name) DO NOTHING;

-- +goose Down
DELETE FROM pgevents.settings WHERE name IN ('projection_max_json_bytes', 'projection_max_json_depth');
DROP INDEX pgevents.projections_name_source_idx;
CREATE INDEX projections_name_source_idx ON pgevents.projections (name, source);
