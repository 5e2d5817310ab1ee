CREATE OR REPLACE FUNCTION pgevents.is_valid_event(p_event jsonb)
  RETURNS boolean
  LANGUAGE sql
  IMMUTABLE
  PARALLEL SAFE
AS $$
  SELECT COALESCE(p_event OPERATOR(pg_catalog.@@) 'lax $.type() == "object"
     && !exists($.keyvalue() ? (@.key != "id" && @.key != "name" && @.key != "payload" && @.key != "metadata" && @.key != "occurred_at" && @.key != "observed_at"))
     && $.name.type() == "string" && $.name like_regex "^[^[:cntrl:]]{1,255}$"
     && exists($.payload)
     && (!exists($.id) || $.id == null || ($.id.type() == "string" && $.id like_regex "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"))
     && (!exists($.occurred_at) || $.occurred_at == null || ($.occurred_at.type() == "string" && $.occurred_at like_regex "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?([Zz]|[+-][0-9]{2}:?[0-9]{2})$"))
     && (!exists($.observed_at) || $.observed_at == null || ($.observed_at.type() == "string" && $.observed_at like_regex "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?([Zz]|[+-][0-9]{2}:?[0-9]{2})$"))'::jsonpath, false);
$$;
