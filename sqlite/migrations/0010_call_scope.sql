-- A call id names one entry within its scope, not across the whole log:
-- the scope is the id of the token that recorded the call (0 for the Go
-- library, Import, and every entry from before), so that one caller can
-- neither block, probe nor replay another's calls by their ids. The scope
-- lives beside the call id, outside the leaf: it only decides what a
-- repeated call id means.
ALTER TABLE entries ADD COLUMN call_scope INTEGER NOT NULL DEFAULT 0;
ALTER TABLE recent ADD COLUMN call_scope INTEGER NOT NULL DEFAULT 0;
DROP INDEX entries_call_id;
CREATE UNIQUE INDEX entries_call_id ON entries (call_id, call_scope) WHERE call_id IS NOT NULL;
DROP INDEX recent_call_id;
CREATE UNIQUE INDEX recent_call_id ON recent (call_id, call_scope) WHERE call_id IS NOT NULL;
DELETE FROM sqlite_stat1 WHERE tbl = 'entries' AND idx = 'entries_call_id';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('entries', 'entries_call_id', '1000000 1 1');
