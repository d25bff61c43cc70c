-- Access tokens, only as SHA-256 hashes of their secrets. Names are never
-- reused, so that the name an admin action is logged under stays one
-- token's. Times are microseconds since the Unix epoch, UTC; revoked is
-- NULL while the token is valid.
CREATE TABLE tokens (
	id      INTEGER PRIMARY KEY,
	name    TEXT    NOT NULL UNIQUE,
	role    TEXT    NOT NULL CHECK (role IN ('writer', 'reader', 'admin')),
	user    TEXT,
	hash    BLOB    NOT NULL UNIQUE,
	created INTEGER NOT NULL,
	revoked INTEGER
);
