package webui_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/httpapi"
)

// browserTimeout bounds each step of a browser test, so that a hung
// browser fails the test instead of hanging CI.
const browserTimeout = 60 * time.Second

// chromium returns the path of a Chromium binary. It skips the test when
// there is none, and fails it when CI is set: CI installs Chromium.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI is set but no Chromium binary was found: install Debian's chromium package")
	}
	t.Skip("no Chromium binary found; install Debian's chromium package to run the browser tests")
	return ""
}

// newBrowser starts a headless Chromium (as root it needs no sandbox) and
// returns the context of its first tab. It is stopped at the test's end.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	// The first run starts the browser and must not carry a timeout (it
	// would stop the browser); a watchdog bounds it instead.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start Chromium: %v", err)
		}
	case <-time.After(browserTimeout):
		cancelAlloc()
		t.Fatal("Chromium did not start in time")
	}
	return ctx
}

// screenshots returns the directory screenshots go to:
// $TOOLTRAIL_SCREENSHOTS when set, else a temporary one.
func screenshots(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("TOOLTRAIL_SCREENSHOTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// browserEnv is the UI and the API on one real server, as tooltrail
// serve mounts them, with 60 entries over two and a half days.
type browserEnv struct {
	*env
	url   string
	shots string
}

var (
	e2eTools    = []string{"read_file", "write_file", "shell", "http_get", "search"}
	e2eUsers    = []string{"alice", "bob", "carol"}
	e2eSessions = []string{"s1", "s2", "s3", "s4"}
)

func newBrowserEnv(t *testing.T) *browserEnv {
	t.Helper()
	e := newEnv(t, nil)
	for i := range 60 {
		e.record(t, tooltrail.Call{
			ToolName: e2eTools[i%len(e2eTools)], UserID: e2eUsers[i%len(e2eUsers)],
			SessionID: e2eSessions[i%len(e2eSessions)], TaskID: "task-" + strconv.Itoa(i/20+1),
			Confirmed: i%3 == 0, Arguments: map[string]any{"n": i, "path": fmt.Sprintf("/work/file-%d.txt", i)},
			ResultSummary: fmt.Sprintf("done %d", i),
		}, time.Hour)
	}
	e.clock.Advance(-time.Hour + time.Minute) // a minute after the last entry
	e.sign(t)
	mux := http.NewServeMux()
	api := httpapi.New(e.log, httpapi.Config{Notary: e.notary, Tokens: e.store, Logger: slog.New(slog.DiscardHandler)})
	for _, p := range []string{"/v1/", "/tile/", "/checkpoint", "/healthz", "/metrics"} {
		mux.Handle(p, api)
	}
	mux.Handle("/", e.ui)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &browserEnv{env: e, url: srv.URL, shots: screenshots(t)}
}

// step runs f with a context bounded by browserTimeout.
func step(t *testing.T, parent context.Context, name string, f func(t *testing.T, ctx context.Context)) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(parent, browserTimeout)
		defer cancel()
		f(t, ctx)
	})
}

// must fails the test on err, naming what was done.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// run runs an action that returns a value, failing the test on error.
func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	must(t, what, err)
	return v
}

// submit clicks sel and waits for the page it leads to.
func submit(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	must(t, "click "+sel, err)
	if resp.Status >= 400 {
		t.Fatalf("click %s: status %d", sel, resp.Status)
	}
}

// waitFor evaluates the JavaScript expression cond until it is true.
// Unlike chromedp.Poll it survives navigations (history, meta refresh),
// which destroy the page's JavaScript context.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("wait for %s: %v (last error: %v)", what, ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// shownIDs returns the ids of the rows of the log view.
func shownIDs(t *testing.T, ctx context.Context) []string {
	t.Helper()
	return run(t, ctx, "rows", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#entries tbody tr[id]")].map(r => r.id.slice(6))`))
}

// shownCount returns the count above the table.
func shownCount(t *testing.T, ctx context.Context) string {
	t.Helper()
	return run(t, ctx, "count", chromedp.Text(chromedp.CSS("#count strong")))
}

// shoot saves a screenshot as name: of the whole page, or of the
// viewport only.
func (b *browserEnv) shoot(t *testing.T, ctx context.Context, name string, whole bool) {
	t.Helper()
	shot := chromedp.CaptureScreenshot()
	if whole {
		shot = chromedp.FullScreenshot(100)
	}
	png := run(t, ctx, "screenshot", shot)
	path := filepath.Join(b.shots, name)
	must(t, "save "+path, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot %s", path)
}

// total counts the entries of f in the log itself.
func (b *browserEnv) total(t *testing.T, f tooltrail.Filter) string {
	t.Helper()
	n, err := b.log.Count(context.Background(), f)
	must(t, "count", err)
	return strconv.FormatInt(n, 10)
}

// signIn signs the browser in with the token named as, from the page
// unauthenticated visitors are sent to.
func (b *browserEnv) signIn(t *testing.T, ctx context.Context, as string) {
	t.Helper()
	must(t, "open /", chromedp.Do(ctx, chromedp.Navigate(b.url+"/")))
	loc := run(t, ctx, "location", chromedp.Location())
	if !strings.HasPrefix(loc, b.url+"/signin") {
		t.Fatalf("signed out, / went to %s, want /signin", loc)
	}
	must(t, "type the token", chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#token"), b.secrets[as])))
	submit(t, ctx, `form.signin button[type="submit"]`)
	must(t, "wait for the log", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#entries"))))
}

func TestBrowser(t *testing.T) {
	b := newBrowserEnv(t)
	tab := newBrowser(t)

	step(t, tab, "sign in", func(t *testing.T, ctx context.Context) {
		b.signIn(t, ctx, "admin")
		if got := shownCount(t, ctx); got != "60" {
			t.Errorf("count %s, want 60", got)
		}
		if ids := shownIDs(t, ctx); len(ids) != 50 || ids[0] != "60" {
			t.Errorf("first page %v, want 60 down to 11", ids)
		}
		// The script shows times in local time, the UTC text as the title.
		title := run(t, ctx, "time title", chromedp.Evaluate[string](`document.querySelector("#entry-60 time").title`))
		if !strings.HasSuffix(title, " UTC") {
			t.Errorf("time title %q, want the UTC text", title)
		}
		b.shoot(t, ctx, "ui-log.png", false)
	})

	step(t, tab, "filter by tool", func(t *testing.T, ctx context.Context) {
		must(t, "choose shell", chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#tool"), "shell")))
		submit(t, ctx, `form.filters button[type="submit"]`)
		loc := run(t, ctx, "location", chromedp.Location())
		if loc != b.url+"/?tool=shell" {
			t.Errorf("the filter's URL is %s, want /?tool=shell (empty fields dropped)", loc)
		}
		wantN := b.total(t, tooltrail.Filter{ToolName: "shell"})
		if got := shownCount(t, ctx); got != wantN {
			t.Errorf("count %s, want %s", got, wantN)
		}
		tools := run(t, ctx, "tools", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#entries tbody tr")].map(r => r.cells[2].textContent)`))
		if len(tools) == 0 || slices.ContainsFunc(tools, func(s string) bool { return s != "shell" }) {
			t.Errorf("tools shown %v, want only shell", tools)
		}
		// A user value links to the filter by it, on top of the tool.
		submit(t, ctx, `#entries tbody tr:first-child td:nth-child(4) a`)
		user := run(t, ctx, "user", chromedp.Value(chromedp.CSS("#user_id")))
		if got, wantN := shownCount(t, ctx), b.total(t, tooltrail.Filter{ToolName: "shell", UserID: user}); got != wantN || user == "" {
			t.Errorf("shell of user %q: count %s, want %s", user, got, wantN)
		}
	})

	step(t, tab, "filter by time", func(t *testing.T, ctx context.Context) {
		must(t, "open /", chromedp.Do(ctx, chromedp.Navigate(b.url+"/")))
		must(t, "choose 24 hours", chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#range"), "24h")))
		submit(t, ctx, `form.filters button[type="submit"]`)
		now := b.clock.Now()
		if got, wantN := shownCount(t, ctx), b.total(t, tooltrail.Filter{Start: now.Add(-24 * time.Hour)}); got != wantN || got == "60" {
			t.Errorf("last 24 hours: count %s, want %s", got, wantN)
		}
		// A custom range, typed as UTC (the input drops zero seconds).
		must(t, "custom range", chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS("#range"), "custom"),
			chromedp.SetValue(chromedp.CSS("#start"), "2026-01-02T10:00"),
			chromedp.SetValue(chromedp.CSS("#end"), "2026-01-02T20:00"),
		))
		submit(t, ctx, `form.filters button[type="submit"]`)
		start := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
		ids := shownIDs(t, ctx)
		if got, wantN := shownCount(t, ctx), b.total(t, tooltrail.Filter{Start: start, End: start.Add(10 * time.Hour)}); got != wantN || len(ids) != 10 {
			t.Errorf("10:00 to 20:00: count %s rows %v, want %s", got, ids, wantN)
		}
	})

	step(t, tab, "page forward and back", func(t *testing.T, ctx context.Context) {
		must(t, "open /", chromedp.Do(ctx, chromedp.Navigate(b.url+"/")))
		submit(t, ctx, "#page-older")
		if ids := shownIDs(t, ctx); len(ids) != 10 || ids[0] != "10" || ids[9] != "1" {
			t.Errorf("page 2: %v, want 10 down to 1", ids)
		}
		submit(t, ctx, "#page-newer")
		if ids := shownIDs(t, ctx); len(ids) != 50 || ids[0] != "60" {
			t.Errorf("back to page 1: %d rows from %v", len(ids), ids[:1])
		}
		// The browser's own history works too. (It may restore the page
		// from the back-forward cache, without a load event to wait for.)
		must(t, "back", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`history.back()`)))
		waitFor(t, ctx, "page 2", `location.search.includes("cursor=") && document.readyState === "complete" && document.querySelector("#entry-1") !== null`)
		if ids := shownIDs(t, ctx); len(ids) != 10 {
			t.Errorf("history back: %d rows, want page 2's 10", len(ids))
		}
	})

	step(t, tab, "entry is verified", func(t *testing.T, ctx context.Context) {
		must(t, "open /", chromedp.Do(ctx, chromedp.Navigate(b.url+"/")))
		submit(t, ctx, `#entry-42 td:first-child a`)
		status := run(t, ctx, "proof", chromedp.Text(chromedp.CSS("#proof-status")))
		if !strings.Contains(status, "Verified in the signed tree of 60 entries") {
			t.Errorf("proof status %q", status)
		}
		args := run(t, ctx, "arguments", chromedp.Text(chromedp.CSS("#arguments")))
		if !strings.Contains(args, `"path": "/work/file-41.txt"`) {
			t.Errorf("arguments %q", args)
		}
		b.shoot(t, ctx, "ui-entry.png", true)
	})

	step(t, tab, "narrow screen, dark scheme", func(t *testing.T, ctx context.Context) {
		dark := emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, dark)
		must(t, "dark scheme", err)
		must(t, "narrow screen", chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(b.url+"/")))
		defer func() {
			_ = chromedp.Do(ctx, chromedp.ResetViewport())
			_, _ = chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
		}()
		if run(t, ctx, "overflow", chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)) {
			t.Error("the log view is wider than a 390px screen")
		}
		if d := run(t, ctx, "cell display", chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#entries td")).display`)); d != "grid" {
			t.Errorf("on a narrow screen a cell is displayed %q, want the stacked grid", d)
		}
		if bg := run(t, ctx, "background", chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`)); bg != "rgb(22, 24, 27)" {
			t.Errorf("dark scheme background %s", bg)
		}
		b.shoot(t, ctx, "ui-log-narrow-dark.png", false)
	})

	step(t, tab, "export", func(t *testing.T, ctx context.Context) {
		must(t, "open a filter", chromedp.Do(ctx, chromedp.Navigate(b.url+"/?tool_name=search")))
		for _, format := range []string{"csv", "ndjson"} {
			href := run(t, ctx, "export link", chromedp.Evaluate[string](`document.querySelector("#export-`+format+`").getAttribute("href")`))
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.url+href, nil)
			must(t, "request", err)
			req.AddCookie(&http.Cookie{Name: "tooltrail_session", Value: b.secrets["admin"]})
			resp, err := http.DefaultClient.Do(req)
			must(t, "GET "+href, err)
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			must(t, "read the export", err)
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("GET %s: status %d, Content-Disposition %q", href, resp.StatusCode, resp.Header.Get("Content-Disposition"))
			}
			if got, wantN := strconv.Itoa(len(exportIDs(t, format, string(body)))), b.total(t, tooltrail.Filter{ToolName: "search"}); got != wantN {
				t.Errorf("%s export: %s entries, want %s", format, got, wantN)
			}
		}
	})

	step(t, tab, "live view", func(t *testing.T, ctx context.Context) {
		must(t, "open the live view", chromedp.Do(ctx, chromedp.Navigate(b.url+"/?tool_name=shell")))
		submit(t, ctx, "#live-toggle")
		waitFor(t, ctx, "the stream", `document.querySelector("#live-state").dataset.state === "open"`)
		before := shownCount(t, ctx)
		b.record(t, tooltrail.Call{ToolName: "read_file", UserID: "dave"}, time.Second) // not shell: not shown
		rc := b.record(t, tooltrail.Call{ToolName: "shell", UserID: "dave", SessionID: "live", Arguments: map[string]any{"cmd": "uptime"}}, time.Second)
		row := fmt.Sprintf("#entry-%d", rc.ID)
		waitFor(t, ctx, "the new row", `document.querySelector("`+row+`") !== null`)
		first := run(t, ctx, "first row", chromedp.Evaluate[string](`document.querySelector("#entries tbody tr").id`))
		if first != row[1:] {
			t.Errorf("the new row is not first: %s", first)
		}
		text := run(t, ctx, "row", chromedp.Text(chromedp.CSS(row)))
		for _, s := range []string{"shell", "dave", "live", `{"cmd":"uptime"}`} {
			if !strings.Contains(text, s) {
				t.Errorf("the new row %q lacks %q", text, s)
			}
		}
		if n := run(t, ctx, "other row", chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector("#entry-%d") !== null`, rc.ID-1))); n {
			t.Error("the live view shows an entry outside its filter")
		}
		b0, _ := strconv.Atoi(before)
		if got := shownCount(t, ctx); got != strconv.Itoa(b0+1) {
			t.Errorf("count %s after one new entry, want %d", got, b0+1)
		}
	})

	step(t, tab, "panel and verify", func(t *testing.T, ctx context.Context) {
		b.sign(t)
		must(t, "open the panel", chromedp.Do(ctx, chromedp.Navigate(b.url+"/log")))
		note := run(t, ctx, "checkpoint", chromedp.Text(chromedp.CSS("#checkpoint")))
		if !strings.HasPrefix(note, "ui.test/log\n62\n") {
			t.Errorf("checkpoint %q", note)
		}
		key := run(t, ctx, "key", chromedp.Value(chromedp.CSS("#verifier-key")))
		if key != b.notary.VerifierKey() {
			t.Errorf("verifier key %q", key)
		}
		b.shoot(t, ctx, "ui-panel.png", true)
		submit(t, ctx, `#verify button[type="submit"]`)
		waitFor(t, ctx, "the verification", `(document.querySelector("#verify-state") || {}).className === "ok"`)
	})

	step(t, tab, "purge as admin", func(t *testing.T, ctx context.Context) {
		must(t, "open the panel", chromedp.Do(ctx, chromedp.Navigate(b.url+"/log")))
		must(t, "fill the form", chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#days"), "2")))
		submit(t, ctx, "#purge-start")
		cutoff := b.clock.Now().AddDate(0, 0, -2)
		wantN := b.total(t, tooltrail.Filter{End: cutoff.Add(-time.Microsecond)})
		if got := run(t, ctx, "count", chromedp.Text(chromedp.CSS("#purge-count"))); got != wantN || wantN == "0" {
			t.Errorf("the confirmation says %s entries, want %s", got, wantN)
		}
		if got := b.total(t, tooltrail.Filter{}); got != "62" {
			t.Fatalf("the confirmation page purged: %s entries left", got)
		}
		submit(t, ctx, "#purge-confirm")
		if got := run(t, ctx, "deleted", chromedp.Text(chromedp.CSS("#purge-deleted"))); got != wantN {
			t.Errorf("deleted %s, want %s", got, wantN)
		}
		must(t, "open /", chromedp.Do(ctx, chromedp.Navigate(b.url+"/")))
		n, _ := strconv.Atoi(wantN)
		if got := shownCount(t, ctx); got != strconv.Itoa(62-n+1) {
			t.Errorf("count after the purge %s, want %d", got, 62-n+1)
		}
		who := run(t, ctx, "purge row", chromedp.Text(chromedp.CSS("#entries tbody tr:first-child")))
		if !strings.Contains(who, tooltrail.PurgeTool) || !strings.Contains(who, "admin") {
			t.Errorf("the newest row %q is not the purge by admin", who)
		}
	})

	step(t, tab, "reader sees no purge control", func(t *testing.T, ctx context.Context) {
		submit(t, ctx, `form.signout button[type="submit"]`)
		b.signIn(t, ctx, "reader")
		must(t, "open the panel", chromedp.Do(ctx, chromedp.Navigate(b.url+"/log")))
		for _, sel := range []string{"#purge", "#verify", `form[action="/purge"]`, `form[action="/verify"]`} {
			if run(t, ctx, "look for "+sel, chromedp.Evaluate[bool](`document.querySelector('`+sel+`') !== null`)) {
				t.Errorf("a reader's panel has %s", sel)
			}
		}
		if run(t, ctx, "tree size", chromedp.Text(chromedp.CSS("#tree-size"))) == "" {
			t.Error("the reader's panel shows no tree size")
		}
	})
}
