-- pgevents.live_projection_status: every live projection with its version, cursor, lag and state.
--
-- Parameters: p_name, one projection (default NULL: every one).
-- Returns pgevents.live_projection_status rows in name order:
--   name, version, group_name, category (NULL: the log)
--   state            failed (a runner recorded an error), stopped (no member
--                    holds a live lease on any partition, or the group does
--                    not exist), parked (events are parked), catching-up
--                    (events left that the fence does not hold back), live
--   transaction_id, sequence_number  the cursor: the most advanced
--                    checkpoint of the group's partitions
--   lag_events, lag, parked_events   summed (lag: the largest) over the
--                    group's partitions, as pgevents.consumer_status counts them
--   owned_partitions, partitions     partitions with a live owner, of all
--   error, failed_at, registered_at  from the registry
--   build            the serving build
--   building_version, building_build, building_group, building_started_at
--                    a rebuild in progress (blue/green; NULL: none), with
--   building_lag_events   the events it has left to project (NULL before
--                    its runner created its group) and
--   building_projections  the projections it has built so far
--   switched_at      when the last rebuild was switched in
--   events_done, events_total  progress of the serving build: events of the
--                    source it has projected, of those committed
--                    (events_total counts the source exactly up to setting
--                    consumer_status_max_count, beyond it the planner's
--                    estimate; events_done = events_total - lag_events)
--   rate             events/s, the average since the build started
--                    (build_started_at; NULL before a second has passed)
--   eta              lag_events / rate (NULL: nothing left, or no rate)
--   build_started_at when the serving build started folding
--   building_events_done, building_events_total, building_rate, building_eta
--                    the same for the rebuild in progress (average since
--                    building_started_at; NULL before its runner created
--                    its group)
--   building_requested_at when the rebuild was requested
--                    (pgevents.request_live_projection_rebuild; NULL: a
--                    runner with a newer version started it)
-- Raises PE101 (invalid name). Locks: none. VOLATILE: it reads the clock.
CREATE OR REPLACE FUNCTION pgevents.live_projection_status(p_name text DEFAULT NULL)
  RETURNS SETOF pgevents.live_projection_status
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _l pgevents.live_projections;
  _r pgevents.live_projection_status;
  _s pgevents.consumer_status;
  _held bigint;
  _total bigint;
  _cap integer := COALESCE(pgevents.setting('consumer_status_max_count')::integer, 1000000);
BEGIN
  IF p_name IS NOT NULL THEN
    PERFORM pgevents.check_name('name', p_name);
  END IF;
  FOR _l IN SELECT * FROM pgevents.live_projections l WHERE p_name IS NULL OR l.name = p_name ORDER BY l.name LOOP
    _r := NULL;
    _r.name := _l.name;
    _r.version := _l.version;
    _r.group_name := _l.group_name;
    _r.category := _l.category;
    _r.error := _l.error;
    _r.failed_at := _l.failed_at;
    _r.registered_at := _l.registered_at;
    _r.build := _l.build;
    _r.building_version := _l.building_version;
    _r.building_build := _l.building_build;
    _r.building_group := _l.building_group;
    _r.building_started_at := _l.building_started_at;
    _r.switched_at := _l.switched_at;
    _r.build_started_at := _l.build_started_at;
    _r.building_requested_at := _l.building_requested_at;
    -- The events committed in the source: counted up to the cap, estimated beyond.
    SELECT pg_catalog.count(*) INTO _total
      FROM (SELECT 1 FROM pgevents.events e WHERE _l.category IS NULL OR e.category = _l.category LIMIT _cap) x;
    IF _total >= _cap THEN
      _total := GREATEST(_total, pgevents.estimate_events(_l.category, NULL));
    END IF;
    IF _l.building_build IS NOT NULL THEN
      _r.building_projections := (SELECT pg_catalog.count(*) FROM pgevents.projections p
                                   WHERE p.name = _l.name || '@' || _l.building_build);
      _r.building_lag_events := NULL;
      IF EXISTS (SELECT 1 FROM pgevents.consumer_groups g WHERE g.name = _l.building_group) THEN
        BEGIN
          _r.building_lag_events := (SELECT COALESCE(pg_catalog.sum(s.lag_events), 0)::bigint
                                       FROM pgevents.consumer_status(_l.building_group) s);
        EXCEPTION WHEN SQLSTATE 'PE121' THEN
          _r.building_lag_events := NULL; -- dropped since (switched in, abandoned): a later statement's snapshot
        END;
      END IF;
      IF _r.building_lag_events IS NOT NULL THEN
        _r.building_events_total := GREATEST(_total, _r.building_lag_events);
        _r.building_events_done := _r.building_events_total - _r.building_lag_events;
        _r.building_rate := pgevents.live_projection_rate(_r.building_events_done, _l.building_started_at);
        _r.building_eta := CASE WHEN _r.building_lag_events > 0 AND _r.building_rate > 0
                                THEN pg_catalog.make_interval(secs => _r.building_lag_events / _r.building_rate) END;
      END IF;
    END IF;
    _r.transaction_id := '0'::xid8;
    _r.sequence_number := 0;
    _r.lag_events := 0;
    _r.parked_events := 0;
    _r.owned_partitions := 0;
    _r.partitions := 0;
    _held := 0;
    BEGIN
      -- consumer_status fails PE121 when the group was dropped since the
      -- registry row was read (each statement sees a new snapshot): a
      -- switch or a drop committed meanwhile. The group then reads empty.
      FOR _s IN SELECT * FROM pgevents.consumer_status(_l.group_name) LOOP
        IF (_s.transaction_id, _s.sequence_number) > (_r.transaction_id, _r.sequence_number) THEN
          _r.transaction_id := _s.transaction_id;
          _r.sequence_number := _s.sequence_number;
        END IF;
        _r.lag_events := _r.lag_events + _s.lag_events;
        _r.lag := GREATEST(_r.lag, _s.lag);
        _r.parked_events := _r.parked_events + _s.parked_events;
        _r.owned_partitions := _r.owned_partitions + (_s.lease_expires_at IS NOT NULL)::integer;
        _r.partitions := _r.partitions + 1;
        _held := _held + _s.held_back_events;
      END LOOP;
    EXCEPTION WHEN SQLSTATE 'PE121' THEN
      _r.transaction_id := '0'::xid8; _r.sequence_number := 0; _r.lag_events := 0; _r.lag := NULL;
      _r.parked_events := 0; _r.owned_partitions := 0; _r.partitions := 0; _held := 0;
    END;
    _r.events_total := GREATEST(_total, _r.lag_events);
    _r.events_done := _r.events_total - _r.lag_events;
    _r.rate := pgevents.live_projection_rate(_r.events_done, _l.build_started_at);
    _r.eta := CASE WHEN _r.lag_events > 0 AND _r.rate > 0 THEN pg_catalog.make_interval(secs => _r.lag_events / _r.rate) END;
    _r.state := CASE
      WHEN _l.error IS NOT NULL THEN 'failed'
      WHEN _r.owned_partitions = 0 THEN 'stopped'
      WHEN _r.parked_events > 0 THEN 'parked'
      WHEN _r.lag_events > _held THEN 'catching-up'
      ELSE 'live' END;
    RETURN NEXT _r;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION pgevents.live_projection_status(text) IS
  'Every live projection (or p_name): version, consumer group, cursor, lag, parked events and state (failed, stopped, parked, catching-up, live), the rebuild in progress, and the progress (events done / total, rate, ETA) of both builds. No locks. SQLSTATE: PE101.';
