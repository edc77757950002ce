SET client_min_messages = warning;
-- Installed into FerretDB's PostgreSQL database by deploy/dataplane/dataplane.sh (idempotent).
--
-- FerretDB 1.24 keeps each collection as a table with one jsonb column, `_jsonb`, and turns
-- every MongoDB index into a btree index on expressions such as `(_jsonb -> 'user')`. But it
-- pushes an equality filter down as `(_jsonb -> 'user') @> '"u1"'`, an operator btree cannot
-- serve, so every query, `_id` lookups included, reads the whole table. A GIN (jsonb_path_ops)
-- index on the same expression does serve `@>`. An event trigger adds one for every top-level
-- field of every btree index FerretDB creates (and the script adds any missing ones), so a query
-- on an indexed field is an index lookup here as it is on MongoDB. Uniqueness stays with
-- FerretDB's own btree indexes, which it also keeps using for sorting.

-- GIN companions of one btree index; a no-op for other index types (ours included).
CREATE OR REPLACE FUNCTION meridian_gin_for_index(idx oid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  tbl regclass;
  columns int;
  expr text;
BEGIN
  SELECT i.indrelid::regclass, i.indnatts INTO tbl, columns
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
    WHERE i.indexrelid = idx AND a.amname = 'btree';
  IF tbl IS NULL THEN RETURN; END IF;
  FOR k IN 1 .. columns LOOP
    -- A top-level field only: the column reads `((_jsonb -> 'name'::text))`.
    expr := substring(pg_get_indexdef(idx, k, false) FROM '^\((\(_jsonb -> ''(?:[^'']|'''')*''::text\))\)$');
    CONTINUE WHEN expr IS NULL;
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin (%s jsonb_path_ops)', 'gin_' || md5(tbl::text || expr), tbl, expr);
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION meridian_gin_for_ferretdb_index() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  cmd record;
BEGIN
  FOR cmd IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE INDEX' AND object_type = 'index' LOOP
    PERFORM meridian_gin_for_index(cmd.objid);
  END LOOP;
END
$$;

DROP EVENT TRIGGER IF EXISTS meridian_gin_for_ferretdb_index;
CREATE EVENT TRIGGER meridian_gin_for_ferretdb_index ON ddl_command_end
  WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION meridian_gin_for_ferretdb_index();

-- Collections created before the trigger existed.
SELECT meridian_gin_for_index(i.indexrelid)
  FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast');

-- GIN's row estimates for `@>` are coarse (1 % of the table), so with a LIMIT (findOne) the
-- planner would still pick a sequential scan hoping for an early match. On this local data plane
-- every filtered query should use an index when one applies; a table without one still scans.
ALTER DATABASE ferretdb SET enable_seqscan = off;
