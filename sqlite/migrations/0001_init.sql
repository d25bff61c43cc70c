-- The head of the log: one row, updated by every batch.
CREATE TABLE head (
	one     INTEGER PRIMARY KEY CHECK (one = 1),
	size    INTEGER NOT NULL,
	root    BLOB    NOT NULL,
	last_ts INTEGER NOT NULL
);
INSERT INTO head (one, size, root, last_ts) VALUES (1, 0, zeroblob(32), 0);

-- Dictionary of the text values entries are filtered by, so that the
-- indexes of entries hold small integers. kind: 1 tool, 2 session, 3 task,
-- 4 user.
CREATE TABLE names (
	id    INTEGER PRIMARY KEY,
	kind  INTEGER NOT NULL,
	value TEXT    NOT NULL,
	UNIQUE (kind, value)
);

-- Live entries by tool, user (0 for none) and confirmed, kept by appends
-- and purges, so that counts by those filters are sums of a few rows.
CREATE TABLE counts (
	tool      INTEGER NOT NULL,
	user      INTEGER NOT NULL,
	confirmed INTEGER NOT NULL,
	n         INTEGER NOT NULL,
	PRIMARY KEY (tool, user, confirmed)
) WITHOUT ROWID;

-- One row per live entry. ts is microseconds since the Unix epoch, UTC, and
-- never decreases with id. leaf holds the canonical leaf bytes, which carry
-- every field; the other columns are what queries filter by.
CREATE TABLE entries (
	id        INTEGER PRIMARY KEY,
	ts        INTEGER NOT NULL,
	tool      INTEGER NOT NULL,
	session   INTEGER,
	task      INTEGER,
	user      INTEGER,
	confirmed INTEGER NOT NULL,
	call_id   TEXT,
	leaf      BLOB    NOT NULL
);
-- Every index ends in the rowid (id), so each serves "filter, newest first".
CREATE INDEX entries_ts ON entries (ts);
CREATE INDEX entries_tool ON entries (tool);
CREATE INDEX entries_session ON entries (session) WHERE session IS NOT NULL;
CREATE INDEX entries_task ON entries (task) WHERE task IS NOT NULL;
CREATE INDEX entries_user ON entries (user) WHERE user IS NOT NULL;
CREATE INDEX entries_confirmed ON entries (confirmed) WHERE confirmed = 1;
CREATE UNIQUE INDEX entries_call_id ON entries (call_id) WHERE call_id IS NOT NULL;

-- The Merkle tree: tlog stored hashes by their storage index. Purge keeps
-- them, so proofs of kept entries and across purges still verify.
CREATE TABLE hashes (
	idx  INTEGER PRIMARY KEY,
	hash BLOB NOT NULL
);

-- Append-only: entries and hashes are never rewritten, hashes never deleted.
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'tooltrail: entries are append-only'); END;
CREATE TRIGGER hashes_no_update BEFORE UPDATE ON hashes
BEGIN SELECT RAISE(ABORT, 'tooltrail: tree hashes are append-only'); END;
CREATE TRIGGER hashes_no_delete BEFORE DELETE ON hashes
BEGIN SELECT RAISE(ABORT, 'tooltrail: tree hashes are append-only'); END;
