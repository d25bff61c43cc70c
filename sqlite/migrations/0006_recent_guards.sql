-- What the entries table enforced for entries not indexed yet: a call_id
-- names one entry (the index also serves the look-up of every append with
-- call ids, which otherwise scanned recent), and an id in recent is above
-- every id in entries, which reads rely on. Like the other triggers, the
-- second is a guard against mistakes; Verify is what finds a row written
-- behind the store's back.
CREATE UNIQUE INDEX recent_call_id ON recent (call_id) WHERE call_id IS NOT NULL;
CREATE TRIGGER recent_above_entries BEFORE INSERT ON recent
WHEN NEW.id <= (SELECT max(id) FROM entries)
BEGIN SELECT RAISE(ABORT, 'tooltrail: an entry not yet indexed must be newer than every indexed one'); END;
