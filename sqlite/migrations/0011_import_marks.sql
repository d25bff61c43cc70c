-- How far each import reached in its source, so that an import run again
-- after a purge does not bring back the rows whose entries were purged.
-- Kept apart from the entries, which a purge deletes.
CREATE TABLE import_marks (
	source  TEXT    PRIMARY KEY,
	through INTEGER NOT NULL CHECK (through >= 0)
);
