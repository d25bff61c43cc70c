-- The latest signed checkpoint any tooltrail server published for this
-- log (a signed note in the C2SP tlog-checkpoint format), so that
-- `tooltrail verify --store` finds one beside the tree. Servers replace it
-- only with a larger tree, so the row never goes back whichever server
-- writes last. It is a convenience, not the trust anchor: whoever can
-- write the database can put an older one back, which is why servers also
-- keep a copy outside the database (--checkpoint-mirror).
CREATE TABLE checkpoint (
	one  boolean PRIMARY KEY DEFAULT true CHECK (one),
	size bigint  NOT NULL,
	note bytea   NOT NULL
);
