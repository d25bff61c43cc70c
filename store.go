package tooltrail

import (
	"context"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Store keeps the entries and the Merkle tree of a log. It offers no update
// and no delete of single entries: entries are appended in batches by
// Append and removed only by Purge, oldest first.
//
// Implementations: sqlite.Store (embedded) and postgres.Store. Every store
// passes the conformance suite in package storetest.
type Store interface {
	// Append runs seal against the log's head and writes the batch seal
	// returns in one transaction that holds that head against every other
	// writer. A store may run seal against the head it expects before it
	// holds it, and run seal again, against the head it then holds, when
	// another writer moved it meanwhile: only the last run's batch is
	// written, so seal must have no other effect. It returns nil only once
	// the batch is durable. If seal returns an error, nothing is written and
	// Append returns that error. Errors of the store itself wrap
	// ErrUnavailable.
	Append(ctx context.Context, seal SealFunc) error

	// Query returns the leaf bytes of the entries that match q.Filter,
	// newest first: at most q.Limit of them, skipping q.Offset, all with an
	// id below q.BeforeID when it is not 0. Filter.Limit is already set.
	Query(ctx context.Context, q Query) ([][]byte, error)

	// Count returns how many entries match f; its Limit, Offset and Cursor
	// are ignored.
	Count(ctx context.Context, f Filter) (int64, error)

	// Leaf returns the leaf bytes of the entry with the given id, or an
	// error wrapping ErrNotFound when there is none (never recorded, or
	// purged).
	Leaf(ctx context.Context, id int64) ([]byte, error)

	// Tools returns every tool name that has entries, with their counts,
	// ordered by name: of every entry, or of the entries of user when it
	// is not "".
	Tools(ctx context.Context, user string) ([]ToolCount, error)

	// Purge erases the payload of every live entry with an id up to
	// through and returns how many it erased: from its return no read
	// finds them, and their call ids are free. Leaf and tree hashes stay.
	// The purge entry that says so is durable before Purge is called (see
	// Batch.PurgeThrough), so Purge may erase in several transactions,
	// be cut off by a crash, and be called again, by this or another
	// process, to finish: it erases only what is left. Appends go on
	// meanwhile: a store erases in bounded batches, or (sqlite.Store)
	// makes the entries unreadable in one short transaction and deletes
	// their rows in the background after. A store that opens with a purge
	// left unfinished finishes it.
	Purge(ctx context.Context, through int64) (int64, error)

	// Head returns the committed head of the log.
	Head(ctx context.Context) (Head, error)

	// ReadHashes returns the stored tree hashes at the given indexes (see
	// tlog.StoredHashIndex), in order, as of the committed head. A missing
	// or malformed hash is an error wrapping ErrCorrupt.
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)

	// Rows returns at most limit live entries with an id above afterID, in
	// id order, each with the columns the store filters by (ID, Timestamp,
	// ToolName, SessionID, TaskID, UserID, Confirmed, CallID) as the store
	// holds them, and Leaf. It is how a verifier checks that the columns
	// say what the leaves say.
	Rows(ctx context.Context, afterID int64, limit int) ([]Entry, error)

	// SaveCheckpoint keeps a signed checkpoint of a tree of size entries
	// as the latest, unless the store holds one of a larger tree.
	SaveCheckpoint(ctx context.Context, size int64, note []byte) error

	// Checkpoint returns the latest signed checkpoint saved, or nil when
	// there is none.
	Checkpoint(ctx context.Context) ([]byte, error)

	// ImportMark returns how far the imports of source reached: every row
	// of it up to that id was imported (or reported as not importable),
	// whether or not its entry has been purged since; 0 when none was.
	ImportMark(ctx context.Context, source string) (int64, error)

	// SetImportMark moves the mark of source up to through; a mark never
	// moves down, so a lower through changes nothing.
	SetImportMark(ctx context.Context, source string, through int64) error

	// Close releases the store's resources.
	Close() error
}

// SealFunc turns the calls waiting in the log into a batch, given the head
// the append extends and the hashes the store holds.
type SealFunc func(ctx context.Context, tx AppendTx) (*Batch, error)

// AppendTx is the view of the store that a SealFunc reads: inside the
// transaction of Append, or before it when the store seals against the
// head it expects (see Store.Append).
type AppendTx interface {
	// Head is the head the batch extends.
	Head() Head
	// ReadHashes returns the stored tree hashes at the given indexes (see
	// tlog.StoredHashIndex).
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// LeavesByCallID returns the leaf bytes of the entries that hold the
	// given call ids in their scopes, keyed as asked. Purged entries are
	// not found.
	LeavesByCallID(ctx context.Context, keys []CallKey) (map[CallKey][]byte, error)
	// PurgedThrough returns the id up to which every entry is purged or
	// bound to be: the largest Batch.PurgeThrough committed, or the id
	// below the oldest live entry.
	PurgedThrough(ctx context.Context) (int64, error)
	// LastBefore returns the id of the newest entry recorded before t, or
	// 0 when there is none; it may be an entry purged already.
	LastBefore(ctx context.Context, t time.Time) (int64, error)
}

// CallKey is what a call id is unique by: the id within its scope (see
// WithCallScope).
type CallKey struct {
	Scope  int64
	CallID string
}

// Head is the state of the log after its last batch.
type Head struct {
	Size     int64     // number of entries ever appended; the next id is Size+1
	Root     tlog.Hash // Merkle tree root over the Size leaves
	LastTime time.Time // timestamp of the newest entry
}

// Batch is what one Append writes.
type Batch struct {
	Entries []Entry // ids Head.Size+1 .. in order, each with its Leaf
	// CallScopes holds the call scope of each entry (see WithCallScope),
	// which the store keeps beside the entry's call_id, outside the leaf;
	// nil when every one is 0.
	CallScopes []int64
	Hashes     []StoredHash // the tree hashes the entries add
	Head       Head         // the head after the batch
	// PurgeThrough, when above 0, is the purged_through of a purge entry
	// in the batch: the store records in the batch's transaction that
	// every entry up to it is to be purged, so that the purge survives a
	// crash from its entry's commit on, and from then on Rows skips them.
	// The Log then calls Purge(PurgeThrough) to erase them.
	PurgeThrough int64
}

// StoredHash is one stored tree hash at its tlog storage index.
type StoredHash struct {
	Index int64
	Hash  tlog.Hash
}

// Query is what Log.Query asks of a store.
type Query struct {
	Filter
	BeforeID int64 // 0, or only entries with a smaller id
}

// ToolCount is one tool name and how many entries the log holds for it.
type ToolCount struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}
