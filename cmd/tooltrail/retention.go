package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tooltrail/tooltrail"
)

// parseRetention reads a retention age: a Go duration ("12h", "90m") or a
// whole number of days ("90d"). "" and "0" mean no retention (0).
func parseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not an age: use a whole number of days such as 90d, or a duration such as 12h", s)
		}
		if n > math.MaxInt64/int64(24*time.Hour) {
			return 0, fmt.Errorf("%q is too long: at most %dd", s, math.MaxInt64/int64(24*time.Hour))
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not an age: use a whole number of days such as 90d, or a duration such as 12h", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return d, nil
}

// retentionFlag is the value of --retention.
type retentionFlag struct {
	s string
	d time.Duration
}

// String implements flag.Value.
func (r *retentionFlag) String() string { return r.s }

// Set implements flag.Value.
func (r *retentionFlag) Set(s string) error {
	d, err := parseRetention(s)
	if err != nil {
		return err
	}
	r.s, r.d = s, d
	return nil
}

// Bounds of the interval between retention purges.
const (
	maxPurgeInterval = time.Hour
	minPurgeInterval = time.Second
)

// purgeInterval returns how often a retention policy purges: a tenth of
// the retention, at most an hour (and at least a second, so that a tiny
// retention does not fill the log with purge entries).
func purgeInterval(retention time.Duration) time.Duration {
	return min(maxPurgeInterval, max(minPurgeInterval, retention/10))
}

// runRetention purges the entries older than retention at once and then
// every purgeInterval(retention), until ctx ends.
func runRetention(ctx context.Context, log *tooltrail.Log, retention time.Duration, logger *slog.Logger) {
	interval := purgeInterval(retention)
	logger.Info("retention on", "retention", retention.String(), "interval", interval.String())
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		purgeExpired(ctx, log, retention, logger)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// purgeExpired runs one retention purge and logs what it did.
func purgeExpired(ctx context.Context, log *tooltrail.Log, retention time.Duration, logger *slog.Logger) {
	before := time.Now().Add(-retention)
	n, err := log.PurgeBefore(ctx, before)
	switch {
	case err != nil && (errors.Is(err, context.Canceled) || ctx.Err() != nil):
		logger.Info("retention purge stopped by shutdown", "deleted", n)
	case err != nil:
		logger.Error("retention purge failed", "deleted", n, "before", before.UTC().Format(time.RFC3339), "err", err)
	default:
		logger.Info("retention purge", "deleted", n, "before", before.UTC().Format(time.RFC3339))
	}
}
