-- pgevents.lock_consumer_partition: checks that a member holds a partition's lease at a generation, and keeps it so until commit.
--
-- Parameters: p_group, p_member, p_partition, p_generation (the fencing
-- token the member got from pgevents.join_consumer_group or
-- pgevents.read_consumer_batch).
-- Takes FOR SHARE on the partition's row, held until the transaction ends:
-- a claim of the partition by another member (which increments the
-- generation) waits until then, and a release by the member itself too.
-- Raises PE123 (lease lost; DETAIL group, member, partition, generation,
-- owner, current_generation) when p_member does not own the partition at
-- p_generation. Returns nothing.
-- VOLATILE: it locks a row.
CREATE OR REPLACE FUNCTION pgevents.lock_consumer_partition(
  p_group text,
  p_member text,
  p_partition integer,
  p_generation bigint
)
  RETURNS void
  LANGUAGE plpgsql
  VOLATILE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _owner text;
  _generation bigint;
BEGIN
  SELECT p.owner, p.generation INTO _owner, _generation
    FROM pgevents.consumer_partitions p WHERE p.group_name = p_group AND p.partition = p_partition
    FOR SHARE;
  IF _owner IS DISTINCT FROM p_member OR _generation IS DISTINCT FROM p_generation THEN
    PERFORM pgevents.raise_consumer_error('PE123', pg_catalog.format(
      'member %s of consumer group %s does not hold partition %s at generation %s (owner: %s, generation %s)',
      p_member, p_group, p_partition, p_generation, COALESCE(_owner, 'none'), _generation),
      pg_catalog.jsonb_build_object('group', p_group, 'member', p_member, 'partition', p_partition,
        'generation', p_generation, 'owner', _owner, 'current_generation', _generation));
  END IF;
END;
$$;

COMMENT ON FUNCTION pgevents.lock_consumer_partition(text, text, integer, bigint) IS
  'Internal: raises PE123 unless the member owns the partition at the generation; holds FOR SHARE on its row until commit (fencing).';
