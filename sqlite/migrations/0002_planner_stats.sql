-- Planner statistics. Without them SQLite guesses which index serves a
-- query of several filters, and takes the confirmed index (half the log)
-- over the user index (a fiftieth); ANALYZE would measure them, but takes
-- the write lock for seconds on a large log. These rows state the shape an
-- audit log of agents has: few distinct tools and users, many sessions and
-- tasks, timestamps nearly unique, confirmed true for a large share. The
-- planner only compares them, so the absolute numbers do not matter. A
-- later ANALYZE replaces them with measured ones.
ANALYZE head;
DELETE FROM sqlite_stat1 WHERE tbl = 'entries';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
	('entries', NULL, '1000000'),
	('entries', 'entries_ts', '1000000 2'),
	('entries', 'entries_tool', '1000000 25000'),
	('entries', 'entries_user', '1000000 10000'),
	('entries', 'entries_session', '1000000 2000'),
	('entries', 'entries_task', '1000000 200'),
	('entries', 'entries_confirmed', '500000 500000'),
	('entries', 'entries_call_id', '1000000 1');
