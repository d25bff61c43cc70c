-- The auditor role: reads the whole log, entry bundles included, but
-- records and purges nothing. SQLite cannot change a CHECK constraint in
-- place, so the table is rebuilt with its rows, ids and all.
CREATE TABLE tokens_new (
	id      INTEGER PRIMARY KEY,
	name    TEXT    NOT NULL UNIQUE,
	role    TEXT    NOT NULL CHECK (role IN ('writer', 'reader', 'auditor', 'admin')),
	user    TEXT,
	hash    BLOB    NOT NULL UNIQUE,
	created INTEGER NOT NULL,
	revoked INTEGER
);
INSERT INTO tokens_new (id, name, role, user, hash, created, revoked)
	SELECT id, name, role, user, hash, created, revoked FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_new RENAME TO tokens;
