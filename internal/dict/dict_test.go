package dict

import (
	"strconv"
	"sync"
	"testing"
)

func TestCache(t *testing.T) {
	c := NewCache()
	tool := Key{Kind: KindTool, Value: "read_file"}
	if _, ok := c.Get(tool); ok {
		t.Fatal("a new cache has a name")
	}
	c.Add(map[Key]int64{tool: 7, {Kind: KindUser, Value: "read_file"}: 8})
	tests := []struct {
		key    Key
		wantID int64
		wantOK bool
	}{
		{tool, 7, true},
		{Key{Kind: KindUser, Value: "read_file"}, 8, true}, // same value, other kind
		{Key{Kind: KindSession, Value: "read_file"}, 0, false},
		{Key{Kind: KindTool, Value: "Read_file"}, 0, false}, // names are exact
	}
	for _, tt := range tests {
		if id, ok := c.Get(tt.key); id != tt.wantID || ok != tt.wantOK {
			t.Errorf("Get(%v) = %d, %t; want %d, %t", tt.key, id, ok, tt.wantID, tt.wantOK)
		}
	}
}

// TestCacheStartsOverPastItsBound checks that the cache never holds more
// than MaxCached names and still answers for the names added last.
func TestCacheStartsOverPastItsBound(t *testing.T) {
	c := NewCache()
	batch := make(map[Key]int64, 1000)
	for i := range MaxCached + 1000 {
		batch[Key{Kind: KindTask, Value: string(rune('a'+i%26)) + strconv.Itoa(i)}] = int64(i + 1)
		if len(batch) == 1000 {
			c.Add(batch)
			batch = make(map[Key]int64, 1000)
		}
		if n := len(c.ids); n > MaxCached {
			t.Fatalf("the cache holds %d names, over MaxCached", n)
		}
	}
	last := MaxCached + 999
	if id, ok := c.Get(Key{Kind: KindTask, Value: string(rune('a'+last%26)) + strconv.Itoa(last)}); !ok || id != int64(last+1) {
		t.Errorf("the last name added = %d, %t", id, ok)
	}
}

func TestCacheConcurrentUse(t *testing.T) {
	c := NewCache()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				k := Key{Kind: KindSession, Value: strconv.Itoa(g*1000 + i)}
				c.Add(map[Key]int64{k: int64(g*1000 + i)})
				if id, ok := c.Get(k); !ok || id != int64(g*1000+i) {
					t.Errorf("Get(%v) = %d, %t right after Add", k, id, ok)
					return
				}
			}
		})
	}
	wg.Wait()
}
