package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tooltrail/tooltrail"
)

// A purge takes effect in one short transaction: it moves the purged
// table's through (migration 0008) up to the newest entry it purges and
// takes those entries off counts, and from its commit nothing reads them.
// Their rows are deleted afterwards by the eraser (eraser.go). Deleting
// the rows in the purge itself, in chunks of about 20 ms of the write lock
// each, took 86 s for a million of 10M entries and raised the writers'
// p99 to 157 ms: each row's eight index entries lie on pages of their own,
// and the chunks' WAL made the checkpointer take the write lock for a
// last pass every round (see docs/design.md). What a purge still does
// outside the write lock is read the rows it purges once, to take them
// off counts by tool, user and confirmed.

// sqlPurgedCounts counts the indexed entries in an id range by the keys
// of the counts table.
const sqlPurgedCounts = `SELECT tool, coalesce(user, 0), confirmed, count(*) FROM entries
WHERE id > ? AND id <= ? GROUP BY tool, coalesce(user, 0), confirmed`

// sqlTakeOffCounts subtracts from counts the deltas of a JSON array of
// [tool, user, confirmed, n].
const sqlTakeOffCounts = `UPDATE counts SET n = counts.n - d.n
FROM (SELECT value->>0 AS tool, value->>1 AS user, value->>2 AS confirmed, value->>3 AS n FROM json_each(?)) AS d
WHERE counts.tool = d.tool AND counts.user = d.user AND counts.confirmed = d.confirmed`

// errPurgeRaced says that another process purged between a purge's read
// and its write.
var errPurgeRaced = fmt.Errorf("sqlite: another purge of this database moved first, three times: %w", tooltrail.ErrUnavailable)

// countKey is one row of the counts table.
type countKey struct {
	tool, user int64
	confirmed  bool
}

// Purge purges every entry with an id up to through (the bound its purge
// entry, committed already, recorded as intent): from its return no read
// sees them, and the store's eraser deletes their rows in the background
// (Stats().EraseWaiting says how many are left; ErasePending erases them
// at once). Their tree hashes stay. It returns how many entries it purged
// now: all of those left or, when it fails, none (Open finishes a purge
// whose entry is recorded). Errors wrap tooltrail.ErrUnavailable.
func (s *Store) Purge(ctx context.Context, through int64) (int64, error) {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	for tries := 1; ; tries++ {
		n, err := s.purgeOnce(ctx, through)
		if !errors.Is(err, errPurgeRaced) || tries == 3 {
			return n, err
		}
	}
}

// purgeOnce is one attempt of Purge: the purged entries counted in a read
// snapshot, then a write transaction that checks no other purge came
// between and takes them off counts. Errors: errPurgeRaced; errors that
// wrap tooltrail.ErrUnavailable.
func (s *Store) purgeOnce(ctx context.Context, cutoff int64) (int64, error) {
	var (
		through, indexed, n int64
		counts              map[countKey]int64
	)
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		if through, err = readThrough(ctx, tx); err != nil || cutoff <= through {
			return err
		}
		head, err := readHead(ctx, tx)
		if err != nil {
			return err
		}
		cutoff = min(cutoff, head.Size)
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM entries").Scan(&indexed); err != nil {
			return unavailable("purge", err)
		}
		if counts, err = countPurged(ctx, tx, through, min(cutoff, indexed), nil); err != nil {
			return err
		}
		for _, c := range counts {
			n += c
		}
		// The rest of the range waits in recent, which counts do not hold.
		var waiting int64
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM recent WHERE id > ? AND id <= ?", max(through, indexed), cutoff).Scan(&waiting); err != nil {
			return unavailable("purge", err)
		}
		n += waiting
		return nil
	})
	if err != nil || cutoff <= through {
		return 0, err
	}
	if err := s.purgeCommit(ctx, through, cutoff, indexed, counts); err != nil {
		return 0, err
	}
	s.erasing.Add(cutoff - through)
	s.er.nudge()
	return n, nil
}

// finishPurge purges what a recorded purge left, when a crash came
// between its entry's commit and the purge's. Errors as Purge.
func (s *Store) finishPurge(ctx context.Context) (int64, error) {
	var through, intent int64
	if err := s.r.QueryRowContext(ctx, "SELECT through, intent FROM purged WHERE one = 1").Scan(&through, &intent); err != nil {
		return 0, unavailable("read purged", err)
	}
	if intent <= through {
		return 0, nil
	}
	return s.Purge(ctx, intent)
}

// purgeCommit moves through from the value the purge read to cutoff and
// takes counts, and the entries the indexer moved since the purge's read
// (those above indexed), off the counts table. Errors: errPurgeRaced;
// errors that wrap tooltrail.ErrUnavailable.
func (s *Store) purgeCommit(ctx context.Context, through, cutoff, indexed int64, counts map[countKey]int64) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return unavailable("begin purge", err)
	}
	defer tx.Rollback()
	if err := s.checkSchema(ctx, tx); err != nil {
		return err
	}
	now, err := readThrough(ctx, tx)
	if err != nil {
		return err
	}
	if now != through {
		return errPurgeRaced
	}
	if counts, err = countPurged(ctx, tx, max(through, indexed), cutoff, counts); err != nil {
		return err
	}
	if len(counts) > 0 {
		// One statement for all keys: one each held the write lock 28 ms
		// for the 4,080 keys of 40 tools, 51 users and confirmed.
		deltas := make([][4]int64, 0, len(counts))
		for k, c := range counts {
			confirmed := int64(0)
			if k.confirmed {
				confirmed = 1
			}
			deltas = append(deltas, [4]int64{k.tool, k.user, confirmed, c})
		}
		list, _ := json.Marshal(deltas) // arrays of int64 always encode
		if _, err := tx.ExecContext(ctx, sqlTakeOffCounts, string(list)); err != nil {
			return unavailable("purge counts", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE purged SET through = ? WHERE one = 1", cutoff); err != nil {
		return unavailable("purge", err)
	}
	if err := tx.Commit(); err != nil {
		return unavailable("commit purge", err)
	}
	s.commits.Add(1)
	return nil
}

// countPurged adds to counts (allocated when nil) the indexed entries with
// ids above after and up to upTo, by the keys of the counts table.
func countPurged(ctx context.Context, q queryer, after, upTo int64, counts map[countKey]int64) (map[countKey]int64, error) {
	if counts == nil {
		counts = make(map[countKey]int64)
	}
	if upTo <= after {
		return counts, nil
	}
	rows, err := q.QueryContext(ctx, sqlPurgedCounts, after, upTo)
	if err != nil {
		return nil, unavailable("purge", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			k countKey
			n int64
		)
		if err := rows.Scan(&k.tool, &k.user, &k.confirmed, &n); err != nil {
			return nil, unavailable("purge", err)
		}
		counts[k] += n
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("purge", err)
	}
	return counts, nil
}

// readThrough returns the id up to which every entry is purged.
func readThrough(ctx context.Context, q queryer) (int64, error) {
	var through int64
	if err := q.QueryRowContext(ctx, sqlReadThrough).Scan(&through); err != nil {
		return 0, unavailable("read purged", err)
	}
	return through, nil
}

// sqlReadThrough reads the id up to which every entry is purged.
const sqlReadThrough = "SELECT through FROM purged WHERE one = 1"

// sqlPurgeBound reads the id up to which every entry is purged or bound
// to be by a recorded purge.
const sqlPurgeBound = "SELECT max(through, intent) FROM purged WHERE one = 1"

// sqlMovePurgeIntent moves the bound of recorded purges up.
const sqlMovePurgeIntent = "UPDATE purged SET intent = ? WHERE one = 1 AND intent < ?"

// sqlPurgeFloor is where a purge starts: above the purged and the
// recorded bound, and above the oldest live entry, should rows have gone
// outside the log.
const sqlPurgeFloor = `SELECT max(through, intent, coalesce(
	(SELECT min(id) FROM entries WHERE id > purged.through),
	(SELECT min(id) FROM recent WHERE id > purged.through),
	(SELECT size FROM head) + 1) - 1) FROM purged WHERE one = 1`

// PurgedThrough returns the id up to which every entry is purged or bound
// to be, or gone. Errors wrap tooltrail.ErrUnavailable.
func (a *appendTx) PurgedThrough(ctx context.Context) (int64, error) {
	var through int64
	if err := a.tx.QueryRowContext(ctx, sqlPurgeFloor).Scan(&through); err != nil {
		return 0, unavailable("read purged", err)
	}
	return through, nil
}

// LastBefore returns the id of the newest entry recorded before t, or 0;
// it may be an entry purged already. Errors wrap tooltrail.ErrUnavailable.
func (a *appendTx) LastBefore(ctx context.Context, t time.Time) (int64, error) {
	// Entries not yet indexed are newer than every indexed one.
	var id int64
	err := a.tx.QueryRowContext(ctx, `SELECT coalesce(
(SELECT id FROM recent WHERE ts < ?1 ORDER BY id DESC LIMIT 1),
(SELECT id FROM entries WHERE ts < ?1 ORDER BY ts DESC, id DESC LIMIT 1), 0)`, t.UnixMicro()).Scan(&id)
	if err != nil {
		return 0, unavailable("purge cutoff", err)
	}
	return id, nil
}
