package postgres

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tooltrail/tooltrail/auth"
)

// tokenChannel is the channel on which every change of a tokens table is
// announced, with the schema as the payload (0006_token_notify.sql).
const tokenChannel = "tooltrail_tokens"

// Bounds of the token cache: how long an entry is trusted even without a
// change announced (a safety net, should a notification go missing), and
// how many entries it holds before it starts over.
const (
	tokenCacheAge  = time.Minute
	tokenCacheSize = 4096
)

// tokenCache keeps the tokens TokenByHash found, while a connection of its
// own listens for changes of the tokens table: a request then costs no
// round trip for its token, and a revocation by any process reaches it as
// soon as the revoking transaction commits. While the listener is not
// listening the cache is bypassed.
type tokenCache struct {
	mu        sync.Mutex
	listening bool
	gen       uint64 // moves at every change, so a look-up that raced one is not kept
	byHash    map[auth.Hash]cachedToken

	lookups, hits atomic.Int64
}

type cachedToken struct {
	tok     auth.Token
	fetched time.Time
}

// get returns the cached token of h, and the generation a look-up that
// misses must hand to put.
func (c *tokenCache) get(h auth.Hash, now time.Time) (auth.Token, uint64, bool) {
	c.lookups.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byHash[h]
	if !c.listening || !ok || now.Sub(e.fetched) > tokenCacheAge {
		return auth.Token{}, c.gen, false
	}
	c.hits.Add(1)
	return e.tok, c.gen, true
}

// put keeps t, unless the tokens changed since gen or nothing listens.
func (c *tokenCache) put(t auth.Token, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.listening || gen != c.gen {
		return
	}
	if c.byHash == nil || len(c.byHash) >= tokenCacheSize {
		c.byHash = make(map[auth.Hash]cachedToken)
	}
	c.byHash[t.Hash] = cachedToken{tok: t, fetched: now}
}

// reset forgets every token and says whether the listener listens.
func (c *tokenCache) reset(listening bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.listening = listening
	c.gen++
	c.byHash = nil
}

// forget drops every cached token after a change this store made itself,
// keeping the listener's state.
func (c *tokenCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.byHash = nil
}

// listenTokens keeps a connection of its own that listens on tokenChannel
// and resets the cache at every change of the schema's tokens, until ctx
// ends; after a failure it connects again, the cache bypassed meanwhile.
func (s *Store) listenTokens(ctx context.Context, cfg *pgx.ConnConfig, schema string) {
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, cfg, schema)
		s.tokens.reset(false)
		if ctx.Err() != nil {
			return
		}
		_ = err // the look-ups go to the database meanwhile, which reports its own failures
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func (s *Store) listenOnce(ctx context.Context, cfg *pgx.ConnConfig, schema string) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+tokenChannel); err != nil {
		return err
	}
	// Listening from here on: whatever changed before is read afresh.
	s.tokens.reset(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Payload == schema {
			s.tokens.reset(true)
		}
	}
}
