package sqlite

import "time"

// nextChunk returns the size of the transaction after one of size rows
// that held the write lock for took: what would take target at that rate,
// at most twice size, within lo and hi. The indexer's moves and the
// eraser's chunks are sized by it, since what a row costs varies a
// hundredfold: a few µs in a small log, 70-140 µs at 10M entries, where
// each of a row's index entries sits on a page of its own.
func nextChunk(size int, took, target time.Duration, lo, hi int) int {
	next := 2 * int64(size)
	if took > 0 {
		next = min(next, int64(size)*int64(target)/int64(took))
	}
	return int(max(int64(lo), min(int64(hi), next)))
}
