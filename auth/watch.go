package auth

import (
	"context"
	"errors"
	"time"

	"github.com/tooltrail/tooltrail"
)

// RecheckEvery is how often WhileActive looks a token up again.
const RecheckEvery = 3 * time.Second

// WhileActive returns a context that ends with ctx, or soon after the
// token t is revoked: a long request (a live stream) made with t looks it
// up in store every RecheckEvery, so that a revocation ends it within
// that time. A look-up that fails for another reason does not end it.
func WhileActive(ctx context.Context, store Store, t Token) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		tick := time.NewTicker(RecheckEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			lctx, lcancel := context.WithTimeout(ctx, RecheckEvery)
			got, err := store.TokenByHash(lctx, t.Hash)
			lcancel()
			if errors.Is(err, tooltrail.ErrNotFound) || (err == nil && !got.Active()) {
				cancel()
				return
			}
		}
	}()
	return ctx, cancel
}
