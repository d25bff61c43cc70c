package sqlite

import (
	"testing"
	"time"
)

// TestNextChunk checks how purge chunks (and the indexer's moves, sized
// alike) follow the rate of the last one: toward the target time, at most
// doubling, within the bounds.
func TestNextChunk(t *testing.T) {
	tests := []struct {
		name string
		size int
		took time.Duration
		want int
	}{
		{"OnTimeStays", 500, purgeChunkTime, 500},
		{"SlowShrinks", 500, 5 * purgeChunkTime, 100},
		{"FastAtMostDoubles", 500, purgeChunkTime / 100, 1000},
		{"AlittleFastGrowsToFit", 500, purgeChunkTime * 4 / 5, 625},
		{"VerySlowStopsAtMin", 500, 1000 * purgeChunkTime, purgeChunkMin},
		{"FastStopsAtMax", purgeChunkMax, time.Microsecond, purgeChunkMax},
		{"NoTimeDoubles", 500, 0, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextChunk(tt.size, tt.took, purgeChunkTime, purgeChunkMin, purgeChunkMax); got != tt.want {
				t.Errorf("nextChunk(%d, %v) = %d, want %d", tt.size, tt.took, got, tt.want)
			}
		})
	}
}
