// Package client is the Go client of tooltrail's HTTP API v1. Its calls
// mirror those of [tooltrail.Log], and its errors wrap the same sentinels,
// so that errors.Is(err, tooltrail.ErrConflict) and the like work across
// the wire.
package client
