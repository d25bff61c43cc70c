-- The tooltrail schema on PostgreSQL. It runs with search_path set to the
-- store's schema, so every name here lands in that schema.

-- The head of the log: one row, updated by every batch. Append locks it
-- (SELECT ... FOR UPDATE) first, so that every writer of every tooltrail
-- process on the database takes its turn: ids stay dense and the tree one
-- tree.
CREATE TABLE head (
	one     boolean     PRIMARY KEY DEFAULT true CHECK (one),
	size    bigint      NOT NULL,
	root    bytea       NOT NULL,
	last_ts timestamptz -- NULL while the log is empty
);
INSERT INTO head (one, size, root) VALUES (true, 0, decode(repeat('00', 32), 'hex'));

-- Dictionary of the text values entries are filtered by, so that the
-- indexes of entries hold small integers. kind: 1 tool, 2 session, 3 task,
-- 4 user.
CREATE TABLE names (
	id    bigint   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind  smallint NOT NULL,
	value text     NOT NULL,
	UNIQUE (kind, value)
);

-- Live entries by tool, user (0 for none) and confirmed, kept by appends
-- and purges, so that counts by those filters are sums of a few rows.
CREATE TABLE counts (
	tool      bigint  NOT NULL,
	"user"    bigint  NOT NULL,
	confirmed boolean NOT NULL,
	n         bigint  NOT NULL,
	PRIMARY KEY (tool, "user", confirmed)
);

-- One row per live entry; ts never decreases with id. leaf holds the
-- canonical leaf bytes exactly as the log wrote them (bytea, never jsonb,
-- which would rewrite them); the other columns are what queries filter by.
CREATE TABLE entries (
	id        bigint      PRIMARY KEY,
	ts        timestamptz NOT NULL,
	tool      bigint      NOT NULL,
	session   bigint,
	task      bigint,
	"user"    bigint,
	confirmed boolean     NOT NULL,
	call_id   text,
	leaf      bytea       NOT NULL
);
-- Every index ends in the id, so each serves "this value, newest first" as
-- one range; (ts, id) turns a time bound into an id with one probe.
CREATE INDEX entries_ts ON entries (ts, id);
CREATE INDEX entries_tool ON entries (tool, id);
CREATE INDEX entries_session ON entries (session, id) WHERE session IS NOT NULL;
CREATE INDEX entries_task ON entries (task, id) WHERE task IS NOT NULL;
CREATE INDEX entries_user ON entries ("user", id) WHERE "user" IS NOT NULL;
CREATE INDEX entries_confirmed ON entries (id) WHERE confirmed;
CREATE UNIQUE INDEX entries_call_id ON entries (call_id) WHERE call_id IS NOT NULL;

-- The Merkle tree: tlog stored hashes by their storage index. Purge keeps
-- them, so proofs of kept entries and across purges still verify.
CREATE TABLE hashes (
	idx  bigint PRIMARY KEY,
	hash bytea  NOT NULL
);

-- Append-only, in the database itself: entries, hashes and names are never
-- rewritten; hashes, names and the head never deleted; entries deleted only
-- by a purge, whose transaction says so with SET LOCAL tooltrail.purge = 'on'.
-- The triggers are per statement: one check per statement, not per row.
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'tooltrail: % on % refused: the table is append-only', TG_OP, TG_TABLE_NAME;
END
$$;

CREATE FUNCTION delete_only_by_purge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF current_setting('tooltrail.purge', true) IS DISTINCT FROM 'on' THEN
		RAISE EXCEPTION 'tooltrail: DELETE on % refused: the table is append-only and only a purge deletes entries', TG_TABLE_NAME;
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER entries_delete_by_purge BEFORE DELETE ON entries FOR EACH STATEMENT EXECUTE FUNCTION delete_only_by_purge();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TRIGGER hashes_no_update BEFORE UPDATE ON hashes FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER hashes_no_delete BEFORE DELETE ON hashes FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER hashes_no_truncate BEFORE TRUNCATE ON hashes FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TRIGGER names_no_update BEFORE UPDATE ON names FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER names_no_delete BEFORE DELETE ON names FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER names_no_truncate BEFORE TRUNCATE ON names FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TRIGGER head_no_delete BEFORE DELETE ON head FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER head_no_truncate BEFORE TRUNCATE ON head FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
