-- Entries by tool and user together: without it a page of one user's calls
-- of one tool read one of the two indexes and checked the other column in
-- each row (7.6 ms at the median, 13 ms at p99, over 10M entries). Its
-- upkeep is the indexer's, off the durable commit. On a large log the
-- first start after the upgrade builds it (SQLite sorts the table once).
CREATE INDEX entries_tool_user ON entries (tool, user) WHERE user IS NOT NULL;
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('entries', 'entries_tool_user', '1000000 25000 500');
