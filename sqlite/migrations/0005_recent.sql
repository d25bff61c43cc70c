-- Entries recorded but not yet in the filter indexes. An append's durable
-- commit writes its entries here, where they land on the last pages of one
-- table, instead of into entries and its seven indexes, whose pages for
-- consecutive entries lie far apart: that was most of the pages every
-- commit wrote. The store's indexer moves them into entries, and adds them
-- to counts, in large batches in the background, oldest first, so every id
-- in recent is above every id in entries. Queries read both tables.
CREATE TABLE recent (
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
CREATE TRIGGER recent_no_update BEFORE UPDATE ON recent
BEGIN SELECT RAISE(ABORT, 'tooltrail: entries are append-only'); END;
