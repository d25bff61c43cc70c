package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/client"
	"github.com/tooltrail/tooltrail/httpapi"
	"github.com/tooltrail/tooltrail/sqlite"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)

// server is a real tooltrail server: a SQLite store in a temporary
// directory, a Log with a settable clock, and the HTTP API.
type server struct {
	store *sqlite.Store
	log   *tooltrail.Log
	srv   *httptest.Server

	mu   sync.Mutex
	now  time.Time
	auth []string // Authorization headers seen
}

func (s *server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

func (s *server) advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = s.now.Add(d)
}

func (s *server) authHeaders() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auth...)
}

func newServer(t *testing.T) (*server, *client.Client) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "log.db")})
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	s := &server{store: store, now: t0}
	s.log, err = tooltrail.New(ctx, store, tooltrail.Config{Now: s.Now})
	if err != nil {
		t.Fatalf("tooltrail.New: %v", err)
	}
	t.Cleanup(func() { s.log.Close() })
	api := httpapi.New(s.log, httpapi.Config{Logger: slog.New(slog.DiscardHandler)})
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.mu.Unlock()
		api.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s, client.New(s.srv.URL + "/")
}

// wantAPIError checks that err is an *client.Error with the status and
// code, that it wraps sentinel, and that its message says every one of want.
func wantAPIError(t *testing.T, err error, status int, code string, sentinel error, want ...string) {
	t.Helper()
	var ce *client.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *client.Error", err, err)
	}
	if ce.Status != status || ce.Code != code {
		t.Errorf("error %d %s, want %d %s", ce.Status, ce.Code, status, code)
	}
	if sentinel != nil && !errors.Is(err, sentinel) {
		t.Errorf("errors.Is(%v, %v) is false", err, sentinel)
	}
	for _, w := range want {
		if !strings.Contains(ce.Message, w) {
			t.Errorf("message %q does not say %q", ce.Message, w)
		}
	}
}

type point struct {
	X, Y int
}

func TestRecord(t *testing.T) {
	_, c := newServer(t)
	ctx := context.Background()
	tests := []struct {
		name string
		ctx  context.Context
		call tooltrail.Call
		want tooltrail.Entry // but ID, Timestamp and Leaf
	}{
		{
			name: "RecordsMinimal",
			call: tooltrail.Call{ToolName: "shell"},
			want: tooltrail.Entry{ToolName: "shell"},
		},
		{
			name: "RecordsAllFields",
			call: tooltrail.Call{
				ToolName: "web.fetch", Arguments: map[string]any{"url": "https://example.com/?a=<b>&c", "n": 2},
				ResultSummary: "200 OK", Confirmed: true, SessionID: "s1", TaskID: "t1", UserID: "u1", CallID: "c1",
			},
			want: tooltrail.Entry{
				ToolName: "web.fetch", Arguments: json.RawMessage(`{"n":2,"url":"https://example.com/?a=<b>&c"}`),
				ResultSummary: "200 OK", Confirmed: true, SessionID: "s1", TaskID: "t1", UserID: "u1", CallID: "c1",
			},
		},
		{
			name: "RecordsRawMessageAsIs",
			call: tooltrail.Call{ToolName: "calc", Arguments: json.RawMessage(`{"b": 1.50, "a": [1e3]}`)},
			want: tooltrail.Entry{ToolName: "calc", Arguments: json.RawMessage(`{"a":[1e3],"b":1.50}`)},
		},
		{
			name: "RecordsStruct",
			call: tooltrail.Call{ToolName: "draw", Arguments: point{X: 1, Y: 2}},
			want: tooltrail.Entry{ToolName: "draw", Arguments: json.RawMessage(`{"X":1,"Y":2}`)},
		},
		{
			name: "RecordsRawMessageNull",
			call: tooltrail.Call{ToolName: "noop", Arguments: json.RawMessage(`null`)},
			want: tooltrail.Entry{ToolName: "noop"},
		},
		{
			name: "RecordsUserOfContext",
			ctx:  tooltrail.WithUser(ctx, "ctx-user"),
			call: tooltrail.Call{ToolName: "shell"},
			want: tooltrail.Entry{ToolName: "shell", UserID: "ctx-user"},
		},
		{
			name: "RecordsUserOfCallOverContext",
			ctx:  tooltrail.WithUser(ctx, "ctx-user"),
			call: tooltrail.Call{ToolName: "shell", UserID: "call-user"},
			want: tooltrail.Entry{ToolName: "shell", UserID: "call-user"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cx := tt.ctx
			if cx == nil {
				cx = ctx
			}
			rc, err := c.Record(cx, tt.call)
			if err != nil {
				t.Fatalf("Record: %v", err)
			}
			if rc.Replayed || !rc.Timestamp.Equal(t0) || rc.ID < 1 {
				t.Errorf("receipt %+v", rc)
			}
			got, err := c.Entry(ctx, rc.ID)
			if err != nil {
				t.Fatalf("Entry: %v", err)
			}
			want := tt.want
			want.ID, want.Timestamp = rc.ID, t0
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(tooltrail.Entry{}, "Leaf", "Salt")); diff != "" {
				t.Errorf("entry (-want +got):\n%s", diff)
			}
			if tooltrail.LeafHash(got.Leaf) != rc.LeafHash {
				t.Errorf("leaf hash differs from the receipt's")
			}
			// The leaf the server sent decodes to the entry the JSON says.
			fromLeaf, err := tooltrail.DecodeLeaf(got.Leaf)
			if err != nil {
				t.Fatalf("DecodeLeaf: %v", err)
			}
			if diff := cmp.Diff(got, fromLeaf); diff != "" {
				t.Errorf("entry JSON and leaf differ (-json +leaf):\n%s", diff)
			}
		})
	}
	t.Run("ReplayIsReplayed", func(t *testing.T) {
		call := tooltrail.Call{ToolName: "pay", Arguments: map[string]int{"cents": 100}, CallID: "pay-1"}
		first, err := c.Record(ctx, call)
		if err != nil {
			t.Fatal(err)
		}
		again, err := c.Record(ctx, call)
		if err != nil {
			t.Fatal(err)
		}
		want := first
		want.Replayed = true
		if diff := cmp.Diff(want, again); diff != "" {
			t.Errorf("replay receipt (-want +got):\n%s", diff)
		}
	})
}

func TestRecordErrors(t *testing.T) {
	s, c := newServer(t)
	ctx := context.Background()
	if _, err := c.Record(ctx, tooltrail.Call{ToolName: "pay", CallID: "k"}); err != nil {
		t.Fatal(err)
	}
	t.Run("ErrToolNameRequired", func(t *testing.T) {
		_, err := c.Record(ctx, tooltrail.Call{})
		wantAPIError(t, err, 400, "invalid_argument", tooltrail.ErrInvalidArgument)
		if got, want := err.Error(), "tooltrail server: 400 invalid_argument: tool_name: is required"; got != want {
			t.Errorf("Error() = %q, want %q", got, want)
		}
	})
	t.Run("ErrArgumentsTooLarge", func(t *testing.T) {
		_, err := c.Record(ctx, tooltrail.Call{ToolName: "a", Arguments: strings.Repeat("x", 1<<20)})
		wantAPIError(t, err, 413, "too_large", tooltrail.ErrTooLarge, "arguments")
	})
	t.Run("ErrBodyTooLarge", func(t *testing.T) {
		_, err := c.Record(ctx, tooltrail.Call{ToolName: "a", Arguments: strings.Repeat("x", 3<<20)})
		wantAPIError(t, err, 413, "too_large", tooltrail.ErrTooLarge, "limit")
	})
	t.Run("ErrResultSummaryTooLarge", func(t *testing.T) {
		_, err := c.Record(ctx, tooltrail.Call{ToolName: "a", ResultSummary: strings.Repeat("r", 64<<10+1)})
		wantAPIError(t, err, 413, "too_large", tooltrail.ErrTooLarge, "result_summary")
	})
	t.Run("ErrConflict", func(t *testing.T) {
		_, err := c.Record(ctx, tooltrail.Call{ToolName: "pay", CallID: "k", Arguments: 1})
		wantAPIError(t, err, 409, "conflict", tooltrail.ErrConflict, `"k"`)
	})
	for _, tt := range []struct {
		name string
		args any
	}{
		{"ErrArgumentsChannel", make(chan int)},
		{"ErrArgumentsNaN", math.NaN()},
		{"ErrArgumentsFunc", map[string]any{"f": func() {}}},
		{"ErrArgumentsInvalidRawMessage", json.RawMessage(`{"a":`)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(s.authHeaders())
			_, err := c.Record(ctx, tooltrail.Call{ToolName: "a", Arguments: tt.args})
			if !errors.Is(err, tooltrail.ErrInvalidArgument) {
				t.Fatalf("error %v does not wrap ErrInvalidArgument", err)
			}
			var fe *tooltrail.FieldError
			if !errors.As(err, &fe) || fe.Field != "arguments" {
				t.Errorf("error %v does not name arguments", err)
			}
			if after := len(s.authHeaders()); after != before {
				t.Errorf("the client sent %d requests for arguments it cannot encode", after-before)
			}
		})
	}
	t.Run("StillOneEntry", func(t *testing.T) {
		n, err := c.Count(ctx, tooltrail.Filter{})
		if err != nil || n != 1 {
			t.Errorf("Count = %d, %v; want 1", n, err)
		}
	})
}

func TestQuery(t *testing.T) {
	_, c := newServer(t)
	ctx := context.Background()
	const n = 53
	for i := range n {
		if _, err := c.Record(ctx, tooltrail.Call{ToolName: fmt.Sprintf("tool-%d", i%4), Confirmed: i%2 == 0}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		filter tooltrail.Filter
		want   int
	}{
		{"WalksAll", tooltrail.Filter{Limit: 10}, n},
		{"WalksToolFilter", tooltrail.Filter{ToolName: "TOOL-3", Limit: 4}, 13},
		{"WalksConfirmedOnly", tooltrail.Filter{ConfirmedOnly: true, Limit: 1000}, 27},
		{"WalksDefaultLimit", tooltrail.Filter{}, n},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[int64]bool{}
			last := int64(math.MaxInt64)
			f := tt.filter
			for pages := 0; ; pages++ {
				if pages > n {
					t.Fatal("paging does not end")
				}
				p, err := c.Query(ctx, f)
				if err != nil {
					t.Fatalf("Query: %v", err)
				}
				for _, e := range p.Entries {
					if seen[e.ID] || e.ID >= last {
						t.Fatalf("entry %d out of order or twice", e.ID)
					}
					seen[e.ID], last = true, e.ID
					if e.Leaf != nil {
						t.Errorf("query entry %d has its leaf", e.ID)
					}
				}
				if p.NextCursor == "" {
					break
				}
				f.Cursor = p.NextCursor
			}
			if len(seen) != tt.want {
				t.Errorf("walked %d entries, want %d", len(seen), tt.want)
			}
			count, err := c.Count(ctx, f) // the cursor of the last page does not count
			if err != nil || count != int64(tt.want) {
				t.Errorf("Count = %d, %v; want %d", count, err, tt.want)
			}
		})
	}
	t.Run("EmptyPage", func(t *testing.T) {
		p, err := c.Query(ctx, tooltrail.Filter{ToolName: "nothing"})
		if err != nil || p.Entries == nil || len(p.Entries) != 0 || p.NextCursor != "" {
			t.Errorf("Query = %+v, %v; want an empty page", p, err)
		}
	})
	for _, tt := range []struct {
		name   string
		filter tooltrail.Filter
		field  string
	}{
		{"ErrLimitOverMax", tooltrail.Filter{Limit: 1001}, "limit"},
		{"ErrLimitNegative", tooltrail.Filter{Limit: -1}, "limit"},
		{"ErrOffsetNegative", tooltrail.Filter{Offset: -1}, "offset"},
		{"ErrCursorForged", tooltrail.Filter{Cursor: "forged"}, "cursor"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Query(ctx, tt.filter)
			wantAPIError(t, err, 400, "invalid_argument", tooltrail.ErrInvalidArgument, tt.field)
		})
	}
	t.Run("Tools", func(t *testing.T) {
		got, err := c.Tools(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []tooltrail.ToolCount{{Name: "tool-0", Count: 14}, {Name: "tool-1", Count: 13}, {Name: "tool-2", Count: 13}, {Name: "tool-3", Count: 13}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("tools (-want +got):\n%s", diff)
		}
	})
}

func TestEntryErrors(t *testing.T) {
	_, c := newServer(t)
	ctx := context.Background()
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := c.Entry(ctx, 42)
		wantAPIError(t, err, 404, "not_found", tooltrail.ErrNotFound)
	})
	t.Run("ErrIDZero", func(t *testing.T) {
		_, err := c.Entry(ctx, 0)
		if !errors.Is(err, tooltrail.ErrInvalidArgument) {
			t.Errorf("Entry(0) = %v, want ErrInvalidArgument", err)
		}
	})
}

func TestPurge(t *testing.T) {
	s, c := newServer(t)
	ctx := context.Background()
	for range 3 {
		if _, err := c.Record(ctx, tooltrail.Call{ToolName: "old"}); err != nil {
			t.Fatal(err)
		}
	}
	s.advance(72 * time.Hour)
	if _, err := c.Record(ctx, tooltrail.Call{ToolName: "new"}); err != nil {
		t.Fatal(err)
	}
	days := func(n int) *int { return &n }
	t.Run("ErrNegativeDays", func(t *testing.T) {
		_, err := c.Purge(ctx, days(-1))
		wantAPIError(t, err, 400, "invalid_argument", tooltrail.ErrInvalidArgument, "older_than_days")
	})
	t.Run("DeletesOlderThanDays", func(t *testing.T) {
		n, err := c.Purge(ctx, days(2))
		if err != nil || n != 3 {
			t.Fatalf("Purge(2) = %d, %v; want 3", n, err)
		}
		_, err = c.Entry(ctx, 1)
		wantAPIError(t, err, 404, "not_found", tooltrail.ErrNotFound)
		p, err := c.Query(ctx, tooltrail.Filter{ToolName: tooltrail.PurgeTool})
		if err != nil || len(p.Entries) != 1 || p.Entries[0].ResultSummary != "deleted 3 entries" {
			t.Errorf("purge entry: %+v, %v", p, err)
		}
	})
	t.Run("DeletesAllWithNil", func(t *testing.T) {
		n, err := c.Purge(ctx, nil)
		if err != nil || n != 2 {
			t.Fatalf("Purge(nil) = %d, %v; want 2", n, err)
		}
		p, err := c.Query(ctx, tooltrail.Filter{})
		if err != nil || len(p.Entries) != 1 || p.Entries[0].ToolName != tooltrail.PurgeTool ||
			string(p.Entries[0].Arguments) != `{"deleted":2,"older_than_days":null,"purged_through":5}` {
			t.Errorf("after purging all: %+v, %v; want the purge entry alone", p, err)
		}
	})
}

func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	t.Run("ErrUnavailableLogClosed", func(t *testing.T) {
		s, c := newServer(t)
		s.log.Close()
		_, err := c.Record(ctx, tooltrail.Call{ToolName: "a"})
		wantAPIError(t, err, 503, "unavailable", tooltrail.ErrUnavailable)
	})
	t.Run("ErrUnavailableServerDown", func(t *testing.T) {
		s, c := newServer(t)
		s.srv.Close()
		_, err := c.Record(ctx, tooltrail.Call{ToolName: "a"})
		if !errors.Is(err, tooltrail.ErrUnavailable) {
			t.Errorf("Record = %v, want ErrUnavailable", err)
		}
		var ce *client.Error
		if errors.As(err, &ce) {
			t.Errorf("a transport error is a *client.Error: %v", err)
		}
		if _, err := c.Query(ctx, tooltrail.Filter{}); !errors.Is(err, tooltrail.ErrUnavailable) {
			t.Errorf("Query = %v, want ErrUnavailable", err)
		}
	})
	t.Run("ErrCanceled", func(t *testing.T) {
		_, c := newServer(t)
		cx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := c.Tools(cx); !errors.Is(err, context.Canceled) {
			t.Errorf("Tools = %v, want context.Canceled", err)
		}
	})
	t.Run("ErrUnavailableProxyAnswer", func(t *testing.T) {
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "upstream is down", http.StatusBadGateway)
		}))
		defer proxy.Close()
		_, err := client.New(proxy.URL).Count(ctx, tooltrail.Filter{})
		wantAPIError(t, err, 502, "unavailable", tooltrail.ErrUnavailable, "upstream is down")
	})
}

func TestToken(t *testing.T) {
	s, c := newServer(t)
	ctx := context.Background()
	if _, err := c.Tools(ctx); err != nil {
		t.Fatal(err)
	}
	c.Token = "tt_secret"
	if _, err := c.Tools(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"", "Bearer tt_secret"}, s.authHeaders()); diff != "" {
		t.Errorf("Authorization headers (-want +got):\n%s", diff)
	}
}

func TestNew(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"http://127.0.0.1:7070", "http://127.0.0.1:7070"},
		{"http://127.0.0.1:7070/", "http://127.0.0.1:7070"},
		{"http://h/base//", "http://h/base"},
	} {
		if got := client.New(tt.in).BaseURL; got != tt.want {
			t.Errorf("New(%q).BaseURL = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestErrorUnwrap(t *testing.T) {
	for _, tt := range []struct {
		code string
		want error
	}{
		{"invalid_argument", tooltrail.ErrInvalidArgument},
		{"too_large", tooltrail.ErrTooLarge},
		{"not_found", tooltrail.ErrNotFound},
		{"conflict", tooltrail.ErrConflict},
		{"unavailable", tooltrail.ErrUnavailable},
		{"internal", nil},
		{"unauthenticated", tooltrail.ErrUnauthenticated},
		{"permission_denied", tooltrail.ErrPermissionDenied},
		{"rate_limited", tooltrail.ErrRateLimited},
	} {
		t.Run(tt.code, func(t *testing.T) {
			e := &client.Error{Status: 400, Code: tt.code, Message: "m"}
			if got := e.Unwrap(); got != tt.want {
				t.Errorf("Unwrap() = %v, want %v", got, tt.want)
			}
			if got, want := e.Error(), "tooltrail server: 400 "+tt.code+": m"; got != want {
				t.Errorf("Error() = %q, want %q", got, want)
			}
		})
	}
}
