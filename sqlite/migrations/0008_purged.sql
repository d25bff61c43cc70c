-- How far purges reached: every entry with an id up to through is purged,
-- whether or not its row has been erased yet. A purge moves through in one
-- short transaction (and takes the purged entries off counts), so that
-- from its commit no query, count, export or verification sees them; the
-- store's eraser then deletes their rows in the background, a little at a
-- time, since deleting a row at 10M entries costs 70-140 µs (its index
-- entries lie on pages of their own) and a purge of a million held the
-- writers up for a minute or more. through only grows, and never past the
-- head. A database from before starts at the entry below its oldest row,
-- or at the head when none is left.
CREATE TABLE purged (
	one     INTEGER PRIMARY KEY CHECK (one = 1),
	through INTEGER NOT NULL
);
INSERT INTO purged (one, through) SELECT 1,
	coalesce((SELECT min(id) FROM entries), (SELECT min(id) FROM recent), (SELECT size FROM head) + 1) - 1;
CREATE TRIGGER purged_forward BEFORE UPDATE ON purged
WHEN NEW.through < OLD.through
BEGIN SELECT RAISE(ABORT, 'tooltrail: a purge cannot be undone'); END;
CREATE TRIGGER purged_recorded BEFORE UPDATE ON purged
WHEN NEW.through > (SELECT size FROM head)
BEGIN SELECT RAISE(ABORT, 'tooltrail: a purge cannot reach past the last entry'); END;
CREATE TRIGGER purged_kept BEFORE DELETE ON purged
BEGIN SELECT RAISE(ABORT, 'tooltrail: a purge cannot be undone'); END;
