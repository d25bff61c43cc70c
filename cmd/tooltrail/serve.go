package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
	"github.com/tooltrail/tooltrail/httpapi"
	"github.com/tooltrail/tooltrail/internal/connlimit"
	"github.com/tooltrail/tooltrail/live"
	"github.com/tooltrail/tooltrail/otlp"
	"github.com/tooltrail/tooltrail/redact"
	"github.com/tooltrail/tooltrail/webui"
)

// Timeouts and limits of the HTTP server.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	maxHeaderBytes    = 64 << 10
	// shutdownTimeout bounds how long a stopping server waits for the
	// requests in flight (callers waiting in Record) to finish.
	shutdownTimeout = 30 * time.Second
)

// serveCommand runs the server: tooltrail serve.
type serveCommand struct {
	addr          string
	data          string
	store         string
	retention     retentionFlag
	commitTimeout time.Duration
	origin        string
	mirror        string
	trustStore    bool
	tlsCert       string
	tlsKey        string
	rateLimit     float64
	rateBurst     int
	failRate      float64
	failBurst     int
	maxConns      int
	idleTimeout   time.Duration
	maxStreams    int
	tokenStreams  int
	streamLife    time.Duration
	redactConfig  string
	secureCookies bool
	otlp          otlp.Config
	homeErr       error // why there is no default --data, if there is none
}

func (c *serveCommand) define(fs *flag.FlagSet) {
	var defData string
	defData, c.homeErr = defaultDataDir()
	fs.StringVar(&c.addr, "addr", "127.0.0.1:7070", "`HOST:PORT` to listen on (port 0 picks one); beyond loopback, give --tls-cert and --tls-key")
	fs.StringVar(&c.data, "data", defData, "data `DIR`, created with mode 0700")
	fs.StringVar(&c.store, "store", "", "store `URL`: sqlite:PATH (default sqlite:DIR/tooltrail.db), or postgres://USER@HOST/DB[?schema=NAME] for several servers on one database")
	fs.DurationVar(&c.commitTimeout, "commit-timeout", 10*time.Second, "how long one batch's commit may take before every call of it fails with 503 (the store is then taken as unreachable)")
	fs.StringVar(&c.origin, "origin", "", "the log's `NAME` in its signed checkpoints, such as example.com/agents-audit; set once, when the key is made (default: the URL prefix without scheme as --addr gives it, HOSTNAME:PORT for a loopback or wildcard address)")
	fs.StringVar(&c.mirror, "checkpoint-mirror", "", "also write every signed checkpoint to `DIR`/checkpoint, outside the store, so that a store rolled back or cut short is caught against it")
	fs.BoolVar(&c.trustStore, "trust-store", false, "start from the store's own checkpoint when neither the data directory nor the mirror holds one (a server joining a log, when the database is known good)")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "serve HTTPS with the certificate (chain) in `FILE` (PEM); with --tls-key")
	fs.StringVar(&c.tlsKey, "tls-key", "", "the private key of --tls-cert, in `FILE` (PEM)")
	fs.Float64Var(&c.rateLimit, "rate-limit", 0, "requests a second each token may send, beyond which it gets 429 (0: no limit)")
	fs.IntVar(&c.rateBurst, "rate-burst", 100, "requests a token may send at once under --rate-limit")
	fs.Float64Var(&c.failRate, "auth-failure-rate", auth.DefaultFailureRate, "invalid tokens a second one client address may present, after --auth-failure-burst, before its requests get 429 without a look-up (0: no limit; behind a proxy every client shares its address)")
	fs.IntVar(&c.failBurst, "auth-failure-burst", auth.DefaultFailureBurst, "invalid tokens one client address may present at once")
	fs.IntVar(&c.maxConns, "max-connections", 1024, "open connections at most; past it a new one takes the place of the one idle longest, or is closed when all are busy")
	fs.DurationVar(&c.idleTimeout, "idle-timeout", 30*time.Second, "how long a keep-alive connection may wait for its next request")
	fs.IntVar(&c.maxStreams, "max-streams", live.DefaultTotal, "live streams (API and web UI) open at once in all; past it, 429")
	fs.IntVar(&c.tokenStreams, "max-streams-per-token", live.DefaultPerToken, "live streams one token may hold open at once; past it, 429")
	fs.DurationVar(&c.streamLife, "stream-lifetime", live.DefaultLifetime, "how long one live stream lasts before its client reconnects (browsers do at once, missing nothing)")
	fs.StringVar(&c.redactConfig, "redact-config", "", "`FILE` of redaction rules (JSON) that extend or switch off the defaults; {\"off\": true} records secrets as given (see docs/security.md)")
	fs.BoolVar(&c.secureCookies, "secure-cookies", false, "mark the web UI's cookies Secure without --tls-cert: behind a proxy that terminates TLS")
	fs.StringVar(&c.otlp.UserAttribute, "otlp-user-attribute", otlp.AttrEndUserID, "span `ATTRIBUTE` whose value is the user_id of the tool spans POST /v1/traces records")
	fs.StringVar(&c.otlp.TaskAttribute, "otlp-task-attribute", "", "span `ATTRIBUTE` whose value is their task_id (default none)")
	fs.StringVar(&c.otlp.ConfirmedAttribute, "otlp-confirmed-attribute", "", "span `ATTRIBUTE` (true or false) that says a tool call was confirmed (default none: not confirmed)")
	fs.Var(&c.retention, "retention", "delete entries older than `AGE`, such as 90d or 12h; empty or 0 keeps everything")
}

// defaultDataDir returns $HOME/.local/share/tooltrail.
func defaultDataDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "share", "tooltrail"), nil
}

func (c *serveCommand) run(ctx context.Context, s *streams) error {
	loopback, err := isLoopback(c.addr)
	if err != nil {
		return err
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return usagef("--tls-cert and --tls-key go together")
	}
	if c.rateLimit < 0 || c.rateBurst < 1 {
		return usagef("--rate-limit must be 0 or more and --rate-burst at least 1, got %v and %d", c.rateLimit, c.rateBurst)
	}
	if c.failRate < 0 || c.failBurst < 1 {
		return usagef("--auth-failure-rate must be 0 or more and --auth-failure-burst at least 1, got %v and %d", c.failRate, c.failBurst)
	}
	if c.maxConns < 1 || c.idleTimeout <= 0 || c.maxStreams < 1 || c.tokenStreams < 1 || c.streamLife <= 0 {
		return usagef("--max-connections, --max-streams and --max-streams-per-token must be at least 1, --idle-timeout and --stream-lifetime positive; got %d, %d, %d, %v and %v",
			c.maxConns, c.maxStreams, c.tokenStreams, c.idleTimeout, c.streamLife)
	}
	if c.data == "" {
		if c.homeErr != nil {
			return usagef("--data is required: there is no home directory for the default (%w)", c.homeErr)
		}
		return usagef("--data must not be empty")
	}
	data, err := filepath.Abs(c.data)
	if err != nil {
		return fmt.Errorf("data directory %s: %w", c.data, err)
	}
	storeURL := c.store
	if storeURL == "" {
		storeURL = defaultStore(data)
	}
	open, err := parseStore(storeURL)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	// The directory holds the keys, the tokens' table and every entry:
	// only its owner may enter it, whoever made it.
	if fi, err := os.Stat(data); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(data, 0o700); err != nil {
			return fmt.Errorf("data directory %s can be read by others (mode %04o) and cannot be made 0700: %w", data, fi.Mode().Perm(), err)
		}
		fmt.Fprintf(s.stderr, "the data directory %s could be read by others (mode %04o); it is 0700 now\n", data, fi.Mode().Perm())
	}
	logger := slog.New(slog.NewJSONHandler(s.stderr, nil))

	store, err := open(ctx, logger)
	if err != nil {
		return fmt.Errorf("open store %s: %w", redactURL(storeURL), err)
	}
	metrics := httpapi.NewMetrics()
	if err := watchStore(metrics, store); err != nil {
		return errors.Join(err, closeStore(store))
	}
	if c.commitTimeout <= 0 {
		return errors.Join(usagef("--commit-timeout must be positive, got %v", c.commitTimeout), closeStore(store))
	}
	key, created, err := loadOrCreateKey(data, c.origin, defaultOrigin(c.addr, c.tlsCert != ""))
	if err != nil {
		return errors.Join(err, closeStore(store))
	}
	notary, err := newNotary(ctx, store, data, c.mirror, c.trustStore, key, logger)
	if err != nil {
		return errors.Join(err, closeStore(store))
	}
	tokens, ok := store.(auth.Store)
	if !ok {
		return errors.Join(errors.New("the store keeps no tokens"), closeStore(store))
	}
	if err := bootstrapAdmin(ctx, s, store, tokens, data); err != nil {
		return errors.Join(err, closeStore(store))
	}
	redactor, err := newRedactor(data, c.redactConfig)
	if err != nil {
		return errors.Join(err, closeStore(store))
	}
	log, err := tooltrail.New(ctx, store, tooltrail.Config{
		Observer: metrics, Logger: logger, CommitTimeout: c.commitTimeout, Redactor: redactor,
		Committed: func(tooltrail.Head) { notary.Notify() },
	})
	if err != nil {
		return errors.Join(err, closeStore(store))
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return errors.Join(fmt.Errorf("listen: %w", err), log.Close(), closeStore(store))
	}
	limiter := auth.NewLimiter(c.rateLimit, c.rateBurst, nil)
	failures := auth.NewFailureLimiter(c.failRate, c.failBurst, nil)
	streams := live.NewStreams(c.tokenStreams, c.maxStreams, c.streamLife)
	api := httpapi.New(log, httpapi.Config{Logger: logger, Metrics: metrics, Notary: notary, Tokens: tokens,
		Limiter: limiter, Failures: failures, Streams: streams, LookupTimeout: c.commitTimeout, OTLP: c.otlp})
	markers, _ := redactor.(*redact.Redactor) // nil when redaction is off
	ui, err := webui.New(webui.Config{Log: log, Store: store, Tokens: tokens, Notary: notary, Limiter: limiter, Failures: failures, Streams: streams, Redactor: markers,
		Secure: c.tlsCert != "" || c.secureCookies, Retention: c.retention.String(), Logger: logger})
	if err != nil {
		return errors.Join(fmt.Errorf("web UI: %w", err), ln.Close(), log.Close(), closeStore(store))
	}
	handler := routeUI(api, ui)
	conns := connlimit.New(c.maxConns, nil)
	ln = conns.Listener(ln)
	srv := &http.Server{
		Handler:           handler,
		ConnState:         conns.ConnState,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       c.idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	scheme := "http"
	if c.tlsCert != "" {
		scheme = "https"
		go func() { served <- srv.ServeTLS(ln, c.tlsCert, c.tlsKey) }()
	} else {
		go func() { served <- srv.Serve(ln) }()
	}
	if !loopback && c.tlsCert == "" {
		fmt.Fprintf(s.stderr, "warning: serving plain HTTP on %s, beyond this machine: tokens and entries cross the network unencrypted; give --tls-cert and --tls-key\n", ln.Addr())
		logger.Warn("serving plain HTTP beyond loopback", "addr", ln.Addr().String())
	}

	// The key comes first: "tooltrail serving on" is the last line a
	// caller waits for.
	if created {
		fmt.Fprintf(s.stdout, "a new signing key was made in %s: keep it secret, back it up, and give the verifier key to whoever checks this log\n",
			filepath.Join(data, keyFileName))
	}
	fmt.Fprintf(s.stdout, "origin: %s\nverifier key: %s\ndata directory: %s\nstore: %s\ntooltrail serving on %s://%s\n",
		key.origin, key.verifier, data, redactURL(storeURL), scheme, ln.Addr())
	logger.Info("serving", "addr", ln.Addr().String(), "data", data, "store", redactURL(storeURL), "retention", c.retention.String(),
		"origin", key.origin, "tree_size", notary.Latest().Size)

	notaryCtx, stopNotary := context.WithCancel(context.WithoutCancel(ctx))
	var signing sync.WaitGroup
	signing.Go(func() { notary.Run(notaryCtx) })

	retCtx, stopRetention := context.WithCancel(ctx)
	var retention sync.WaitGroup
	if c.retention.d > 0 {
		retention.Go(func() { runRetention(retCtx, log, c.retention.d, logger) })
	}

	var errs []error
	select {
	case <-ctx.Done():
		logger.Info("shutting down: finishing the requests in flight", "timeout", shutdownTimeout.String())
	case err := <-served:
		errs = append(errs, fmt.Errorf("serve: %w", err))
	}
	// Live streams never end by themselves: end them first, or the
	// shutdown waits its whole timeout for them.
	streams.Close()
	errs = append(errs, shutdown(ctx, srv), ui.Close())
	stopRetention()
	retention.Wait()
	errs = append(errs, log.Close())
	stopNotary()
	signing.Wait()
	errs = append(errs, signLast(ctx, store, notary), closeStore(store))
	if err := errors.Join(errs...); err != nil {
		logger.Error("stopped with errors", "err", err)
		return err
	}
	logger.Info("stopped")
	return nil
}

// newRedactor returns the redactor of the calls: the default rules, or
// those of the rules file config, with the key of the data directory; nil
// when the rules switch redaction off.
func newRedactor(data, config string) (tooltrail.Redactor, error) {
	rules := redact.DefaultRules()
	if config != "" {
		var err error
		if rules, err = redact.LoadRules(config); err != nil {
			return nil, fmt.Errorf("--redact-config: %w", err)
		}
	}
	if len(rules.Keys) == 0 && len(rules.Patterns) == 0 {
		return nil, nil
	}
	key, err := loadOrCreateRedactKey(data)
	if err != nil {
		return nil, err
	}
	r, err := redact.New(key, rules)
	if err != nil {
		return nil, fmt.Errorf("redaction: %w", err)
	}
	return r, nil
}

// routeUI sends the API's paths to api and every other path to the web
// UI.
func routeUI(api, ui http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.HasPrefix(p, "/v1/") || p == "/v1" || p == "/checkpoint" || p == "/tile" || strings.HasPrefix(p, "/tile/") || p == "/healthz" || p == "/readyz" || p == "/metrics" {
			api.ServeHTTP(w, r)
			return
		}
		ui.ServeHTTP(w, r)
	})
}

// adminTokenFileName is where serve writes the first admin token.
const adminTokenFileName = "admin.token"

// bootstrapAdmin makes an admin token when the store has no token at all
// (a new log), writes its secret to DIR/admin.token (mode 0600) and says
// where, so that the server is never open and never locked.
func bootstrapAdmin(ctx context.Context, s *streams, store tooltrail.Store, tokens auth.Store, data string) error {
	list, err := tokens.Tokens(ctx)
	if err != nil || len(list) > 0 {
		return err
	}
	name := "admin-" + time.Now().UTC().Format("20060102T150405")
	t, secret, err := createToken(ctx, store, tokens, auth.Token{Name: name, Role: auth.Admin}, "serve")
	if secret == "" {
		return fmt.Errorf("make the first admin token: %w", err)
	}
	path := filepath.Join(data, adminTokenFileName)
	if werr := writeSecretFile(path, secret); werr != nil {
		return errors.Join(fmt.Errorf("write the first admin token: %w", werr), err)
	}
	fmt.Fprintf(s.stdout, "no access token existed: the admin token %q was written to %s (mode 0600); use it as TOOLTRAIL_TOKEN, make others with 'tooltrail token create', then delete the file\n", t.Name, path)
	return err
}

// writeSecretFile writes secret to path, readable by its owner only,
// replacing what was there.
func writeSecretFile(path, secret string) error {
	os.Remove(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(f, secret)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// newNotary returns the signer of the log's checkpoints: it trusts the
// checkpoint of the data directory and of the mirror (when not empty), and
// publishes every new one to both. Errors: a store that does not extend
// them (the server must not serve it), unreadable files.
func newNotary(ctx context.Context, store tooltrail.Store, data, mirror string, trustStore bool, key logKey, logger *slog.Logger) (*tooltrail.Notary, error) {
	files := []string{filepath.Join(data, checkpointFileName)}
	if mirror != "" {
		if err := os.MkdirAll(mirror, 0o700); err != nil {
			return nil, fmt.Errorf("create checkpoint mirror: %w", err)
		}
		files = append(files, filepath.Join(mirror, checkpointFileName))
	}
	var trusted [][]byte
	for _, f := range files {
		b, err := readCheckpointFile(f)
		if err != nil {
			return nil, err
		}
		trusted = append(trusted, b)
	}
	n, err := tooltrail.NewNotary(ctx, store, tooltrail.NotaryConfig{
		SignerKey: key.signer, VerifierKey: key.verifier, Trusted: trusted, TrustStore: trustStore, Logger: logger,
		Publish: func(ctx context.Context, sc tooltrail.SignedCheckpoint) error {
			var errs []error
			for _, f := range files {
				errs = append(errs, writeCheckpointFile(f, sc.Note))
			}
			return errors.Join(errs...)
		},
	})
	if errors.Is(err, tooltrail.ErrNoAnchor) {
		return nil, fmt.Errorf("refusing to serve: %w; a database restored from an older copy would look the same, and signing on it would fork the log. "+
			"Copy the checkpoint file of a server of this log into %s, or give --checkpoint-mirror, or --trust-store if the database is known good", err, data)
	}
	if errors.Is(err, tooltrail.ErrCorrupt) {
		return nil, fmt.Errorf("refusing to serve: the store is not the log its last signed checkpoint vouches for (%s); find out with 'tooltrail verify': %w", strings.Join(files, ", "), err)
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoints: %w", err)
	}
	return n, nil
}

// signLast signs a checkpoint of the head the server leaves behind.
func signLast(ctx context.Context, store tooltrail.Store, n *tooltrail.Notary) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	head, err := store.Head(ctx)
	if err == nil {
		_, err = n.Sign(ctx, head)
	}
	if err != nil {
		return fmt.Errorf("sign the last checkpoint: %w", err)
	}
	return nil
}

// shutdown stops srv from taking requests and waits, up to
// shutdownTimeout, for those in flight; then it closes what is left.
func shutdown(ctx context.Context, srv *http.Server) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return errors.Join(fmt.Errorf("shutdown: %w", err), srv.Close())
	}
	return nil
}

func closeStore(s tooltrail.Store) error {
	if err := s.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}
