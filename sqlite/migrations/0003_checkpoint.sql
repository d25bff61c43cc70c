-- The latest signed checkpoint a tooltrail server published for this log
-- (a signed note in the C2SP tlog-checkpoint format), so that `tooltrail
-- verify` finds one beside the tree. It is a convenience, not the trust
-- anchor: whoever can write this file can put an older one back, which is
-- why servers also keep a copy outside the store (--checkpoint-mirror).
CREATE TABLE checkpoint (
	one  INTEGER PRIMARY KEY CHECK (one = 1),
	size INTEGER NOT NULL,
	note BLOB    NOT NULL
);
