-- pgevents.raise_limit: raises PE112, an input over a write limit, with a machine-readable DETAIL.
--
-- Parameters:
--   p_field    the offending field, e.g. 'events[2].payload' or 'events'
--   p_reason   what is wrong with it, e.g. 'must nest at most 64 levels (got 65)'
--   p_setting  the installation setting holding the limit (pgevents.settings)
--   p_limit    the limit's value
-- Raises: always PE112, message 'pgevents: limit exceeded: <field>: <reason>',
--   DETAIL {"field", "reason", "limit", "setting"}.
-- Locks: none. Volatility: VOLATILE (it raises; never inlined or cached).
CREATE OR REPLACE FUNCTION pgevents.raise_limit(p_field text, p_reason text, p_setting text, p_limit bigint)
  RETURNS void
  LANGUAGE plpgsql
  VOLATILE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'pgevents: limit exceeded: %: %', p_field, p_reason
    USING ERRCODE = 'PE112',
          DETAIL = pg_catalog.jsonb_build_object('field', p_field, 'reason', p_reason,
            'limit', p_limit, 'setting', p_setting)::text,
          HINT = pg_catalog.format('The limit is the installation setting %s in pgevents.settings (owner only).', p_setting);
END;
$$;

COMMENT ON FUNCTION pgevents.raise_limit(text, text, text, bigint) IS
  'Internal: raises PE112 (a write limit exceeded) with DETAIL {"field","reason","limit","setting"}.';
