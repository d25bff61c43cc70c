package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/tooltrail/tooltrail"
)

// localLog is a Log on a store of this machine, opened as serve opens it:
// redaction with the data directory's key, and checkpoints signed with
// its log key, so that what it records verifies like what a server does.
type localLog struct {
	*tooltrail.Log
	store      tooltrail.Store
	notary     *tooltrail.Notary
	stopNotary context.CancelFunc
	signing    sync.WaitGroup
}

// openLocalLog opens the store of storeURL (default: the SQLite store of
// data) with the keys of data, which it creates (mode 0700) when missing.
// Errors: a bad store URL (usage), a store that cannot be opened, or one
// its last signed checkpoint does not vouch for.
func openLocalLog(ctx context.Context, data, storeURL, redactConfig string, logger *slog.Logger) (*localLog, error) {
	data, err := filepath.Abs(data)
	if err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if storeURL == "" {
		storeURL = defaultStore(data)
	}
	open, err := parseStore(storeURL)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	store, err := open(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", redactURL(storeURL), err)
	}
	key, _, err := loadOrCreateKey(data, "", defaultOrigin("", false))
	if err != nil {
		return nil, errors.Join(err, closeStore(store))
	}
	notary, err := newNotary(ctx, store, data, "", false, key, logger)
	if err != nil {
		return nil, errors.Join(err, closeStore(store))
	}
	redactor, err := newRedactor(data, redactConfig)
	if err != nil {
		return nil, errors.Join(err, closeStore(store))
	}
	l := &localLog{store: store, notary: notary}
	l.Log, err = tooltrail.New(ctx, store, tooltrail.Config{
		Logger: logger, Redactor: redactor, Committed: func(tooltrail.Head) { notary.Notify() },
	})
	if err != nil {
		return nil, errors.Join(err, closeStore(store))
	}
	nctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	l.stopNotary = stop
	l.signing.Go(func() { notary.Run(nctx) })
	return l, nil
}

// Close waits for the calls in flight, signs a checkpoint of the last head
// and closes the store.
func (l *localLog) Close(ctx context.Context) error {
	err := l.Log.Close()
	l.stopNotary()
	l.signing.Wait()
	return errors.Join(err, signLast(ctx, l.store, l.notary), closeStore(l.store))
}
