-- How far purges reach: every entry up to through is purged or bound to
-- be. A purge's entry and the move of through commit in one transaction,
-- before its first row is deleted, so that a purge cut off by a crash is
-- recorded and finished by the next server to open the store, and
-- readers of the log (Rows, which verify reads) skip what it says is gone.
-- Purges took the oldest entries before too, so the live ones are those
-- above the oldest live id.
CREATE TABLE purge_intent (
	one     boolean PRIMARY KEY DEFAULT true CHECK (one),
	through bigint  NOT NULL CHECK (through >= 0)
);
INSERT INTO purge_intent (one, through)
SELECT true, coalesce((SELECT min(id) - 1 FROM entries), (SELECT size FROM head WHERE one));
