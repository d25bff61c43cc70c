package sqlite

import (
	"testing"
	"time"
)

// TestNextChunk checks how the eraser's chunks (and the indexer's moves, sized
// alike) follow the rate of the last one: toward the target time, at most
// doubling, within the bounds.
func TestNextChunk(t *testing.T) {
	tests := []struct {
		name string
		size int
		took time.Duration
		want int
	}{
		{"OnTimeStays", 500, eraseChunkTime, 500},
		{"SlowShrinks", 500, 5 * eraseChunkTime, 100},
		{"FastAtMostDoubles", 500, eraseChunkTime / 100, 1000},
		{"AlittleFastGrowsToFit", 500, eraseChunkTime * 4 / 5, 625},
		{"VerySlowStopsAtMin", 500, 1000 * eraseChunkTime, eraseChunkMin},
		{"FastStopsAtMax", eraseChunkMax, time.Microsecond, eraseChunkMax},
		{"NoTimeDoubles", 500, 0, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextChunk(tt.size, tt.took, eraseChunkTime, eraseChunkMin, eraseChunkMax); got != tt.want {
				t.Errorf("nextChunk(%d, %v) = %d, want %d", tt.size, tt.took, got, tt.want)
			}
		})
	}
}
