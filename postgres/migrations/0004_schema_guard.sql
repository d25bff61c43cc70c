-- Servers of an older tooltrail may still run on this schema after a newer
-- one migrated it (a rolling upgrade behind a load balancer); their code
-- knows nothing of the new rules. Every connection of a tooltrail server
-- says in the setting tooltrail.schema_version which version it knows,
-- and the tables every write goes through refuse a statement of a
-- connection that knows less than the newest migration recorded here.
-- A server of a version before this one says nothing, so this migration
-- stops those too. Per statement: an append updates the head once (so the
-- inserts of its entries need no check of their own). The function reads
-- schema_migrations through the session's search_path, which a store sets
-- to its schema: a SET clause on the function would make every call change
-- the setting and plan its query again.
CREATE FUNCTION refuse_older_tooltrail() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	known  integer := coalesce(nullif(current_setting('tooltrail.schema_version', true), ''), '0')::integer;
	newest integer;
BEGIN
	SELECT max(version) INTO newest FROM schema_migrations;
	IF known < newest THEN
		RAISE EXCEPTION 'tooltrail: % on % refused: the schema is now version %, and this server knows version %: a newer tooltrail migrated it; stop this server and run that version',
			TG_OP, TG_TABLE_NAME, newest, known;
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER head_schema_guard BEFORE UPDATE ON head FOR EACH STATEMENT EXECUTE FUNCTION refuse_older_tooltrail();
CREATE TRIGGER entries_schema_guard BEFORE DELETE ON entries FOR EACH STATEMENT EXECUTE FUNCTION refuse_older_tooltrail();
CREATE TRIGGER tokens_schema_guard BEFORE INSERT OR UPDATE ON tokens FOR EACH STATEMENT EXECUTE FUNCTION refuse_older_tooltrail();
CREATE TRIGGER checkpoint_schema_guard BEFORE INSERT OR UPDATE ON checkpoint FOR EACH STATEMENT EXECUTE FUNCTION refuse_older_tooltrail();
