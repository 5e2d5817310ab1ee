-- pgevents: installation settings (migration 00003).

-- Installation settings: limits and switches that only the schema owner may
-- change (an UPDATE as the owner; callers cannot, unlike a GUC, which any
-- session may SET). Functions read them with pgevents.setting(name).
CREATE TABLE pgevents.settings (
  name        text  NOT NULL,
  value       jsonb NOT NULL,
  description text  NOT NULL,
  CONSTRAINT settings_pkey PRIMARY KEY (name)
);

COMMENT ON TABLE pgevents.settings IS
  'Installation settings (limits, switches). Owner-only writes: UPDATE pgevents.settings SET value = ... WHERE name = ...; readable by pgevents_reader and pgevents_writer.';

REVOKE ALL ON pgevents.settings FROM PUBLIC;
GRANT SELECT ON pgevents.settings TO pgevents_reader, pgevents_writer;
