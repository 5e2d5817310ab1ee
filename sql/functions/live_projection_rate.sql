-- pgevents.live_projection_rate: the average rate of a live projection build.
--
-- Parameters: p_done, the events the build has projected; p_since, when it
-- started.
-- Returns p_done per second since p_since, or NULL before a second has
-- passed (or with no p_since). Internal (pgevents.live_projection_status),
-- not granted.
-- Raises nothing. Locks: none. VOLATILE: it reads the clock.
CREATE OR REPLACE FUNCTION pgevents.live_projection_rate(p_done bigint, p_since timestamptz)
  RETURNS double precision
  LANGUAGE sql
  VOLATILE
  SET search_path = pgevents, pg_temp
AS $$
  SELECT CASE WHEN s >= 1 THEN p_done / s END
    FROM (SELECT pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - p_since) AS s) x
$$;

COMMENT ON FUNCTION pgevents.live_projection_rate(bigint, timestamptz) IS
  'Internal: p_done events per second since p_since (NULL before a second has passed). No locks. Raises nothing.';
