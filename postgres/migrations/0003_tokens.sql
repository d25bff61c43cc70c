-- Access tokens, only as SHA-256 hashes of their secrets. Names are never
-- reused, so that the name an admin action is logged under stays one
-- token's; revoked is NULL while the token is valid.
CREATE TABLE tokens (
	id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name    text        NOT NULL UNIQUE,
	role    text        NOT NULL CHECK (role IN ('writer', 'reader', 'admin')),
	"user"  text,
	hash    bytea       NOT NULL UNIQUE,
	created timestamptz NOT NULL,
	revoked timestamptz
);
