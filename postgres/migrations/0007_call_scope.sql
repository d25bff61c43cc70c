-- A call id names one entry within its scope, not across the whole log:
-- the scope is the id of the token that recorded the call (0 for the Go
-- library, Import, and every entry from before), so that one caller can
-- neither block, probe nor replay another's calls by their ids. The scope
-- lives beside the call id, outside the leaf: it only decides what a
-- repeated call id means. Building the index reads the whole table once.
ALTER TABLE entries ADD COLUMN call_scope bigint NOT NULL DEFAULT 0;
DROP INDEX entries_call_id;
CREATE UNIQUE INDEX entries_call_id ON entries (call_id, call_scope) WHERE call_id IS NOT NULL;
