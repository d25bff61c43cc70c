package redact_test

import (
	"fmt"
	"sync"
	"testing"
)

// One Redactor serves many goroutines; run with -race.
func TestConcurrent(t *testing.T) {
	r := newDefault(t)
	inputs := make([]string, 16)
	want := make([]string, len(inputs))
	for i := range inputs {
		inputs[i] = fmt.Sprintf(`{"password": "pw%d", "note": "Bearer tok%04dABCDEFGH and AKIAIOSFODNN7EXAMPL%d", "n": %d}`, i, i, i%10, i)
		out, _, err := r.JSON([]byte(inputs[i]))
		if err != nil {
			t.Fatal(err)
		}
		want[i] = string(out)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 200; k++ {
				i := (g + k) % len(inputs)
				out, _, err := r.JSON([]byte(inputs[i]))
				if err != nil || string(out) != want[i] {
					t.Errorf("JSON(%s) = %s, %v; want %s", inputs[i], out, err, want[i])
					return
				}
				if s, n := r.Text("password=x"); n != 1 || s == "password=x" {
					t.Errorf("Text = %q, %d", s, n)
					return
				}
			}
		}()
	}
	wg.Wait()
}
