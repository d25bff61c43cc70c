package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tooltrail/tooltrail"
)

// Export copies every entry matching f (its Limit, Offset and Cursor are
// ignored), newest first, as format "ndjson" or "csv", from the server to
// w as it arrives, and returns how many bytes it copied. It uses the
// client's HTTP client without its timeout when that is the default, since
// a large export takes long; ctx bounds it. Errors: as Query; a copy cut
// short wraps ErrUnavailable.
func (c *Client) Export(ctx context.Context, w io.Writer, f tooltrail.Filter, format string) (int64, error) {
	f.Limit, f.Offset, f.Cursor = 0, 0, ""
	q := f.Values()
	q.Set("format", format)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.BaseURL, "/")+"/v1/export?"+q.Encode(), nil)
	if err != nil {
		return 0, fmt.Errorf("tooltrail client: export: %w: %w", tooltrail.ErrInvalidArgument, err)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("tooltrail client: export: %w", ctx.Err())
		}
		return 0, fmt.Errorf("tooltrail client: export: %w: %w", tooltrail.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, errorOf(resp)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("tooltrail client: export cut short after %d bytes: %w: %w", n, tooltrail.ErrUnavailable, err)
	}
	return n, nil
}
