-- How far recorded purges reach: every entry up to intent is purged or
-- bound to be. A purge's entry and the move of intent commit in one
-- transaction, before the purge moves through (which makes its entries
-- unreadable and takes them off counts), so that a purge cut off by a
-- crash between the two is recorded and finished when the store next
-- opens, and Rows (which verify reads) already skips what it says is
-- gone. intent only grows.
ALTER TABLE purged ADD COLUMN intent INTEGER NOT NULL DEFAULT 0;
UPDATE purged SET intent = through;
CREATE TRIGGER purged_intent_forward BEFORE UPDATE ON purged
WHEN NEW.intent < OLD.intent
BEGIN SELECT RAISE(ABORT, 'tooltrail: a recorded purge cannot be undone'); END;
