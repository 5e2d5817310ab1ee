-- pgevents: limits of the projection store (migration 00006).
--
-- A projection's state and metadata are bounded on save
-- (pgevents.save_projection raises PE115 beyond either limit). The query
-- language's limits are fixed (docs/query-language.md, "Limits").
INSERT INTO pgevents.settings (name, value, description) VALUES
  ('projection_max_json_bytes', '1048576',
   'Largest projection state or metadata, in bytes of its jsonb text form (save_projection raises PE115 beyond it).'),
  ('projection_max_json_depth', '256',
   'Deepest nesting of arrays/objects in a projection state or metadata (save_projection raises PE115 beyond it; at most 10000, which the Go driver can decode).')
ON CONFLICT (name) DO NOTHING;
