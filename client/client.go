package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tooltrail/tooltrail"
)

// DefaultTimeout bounds each request of a Client whose HTTPClient is nil.
const DefaultTimeout = 30 * time.Second

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// Client calls a tooltrail server. Its fields may be set before first use
// and not changed after; its methods are safe for concurrent use.
type Client struct {
	BaseURL    string       // e.g. http://127.0.0.1:7070
	HTTPClient *http.Client // nil: a client with a 30s timeout
	Token      string       // sent as Authorization: Bearer <token> when not empty
}

// New returns a Client of the server at baseURL, with the token of the
// environment variable TOOLTRAIL_TOKEN, if any. It validates nothing; it
// only trims trailing slashes.
func New(baseURL string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), Token: os.Getenv("TOOLTRAIL_TOKEN")}
}

func (c *Client) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return &http.Client{Timeout: DefaultTimeout}
}

// do sends one request and decodes a 2xx answer's JSON into out (unless
// out is nil). It returns the status of the answer. Errors: an *Error for
// an error answer; an error wrapping tooltrail.ErrUnavailable when the
// server cannot be reached or the answer cannot be read; ctx.Err() when ctx
// ends first.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body []byte, out any) (int, error) {
	u := strings.TrimRight(c.BaseURL, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, fmt.Errorf("tooltrail client: %s %s: %w: %w", method, path, tooltrail.ErrInvalidArgument, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("tooltrail client: %s %s: %w", method, path, ctx.Err())
		}
		return 0, fmt.Errorf("tooltrail client: %s %s: %w: %w", method, path, tooltrail.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, errorOf(resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		if ctx.Err() != nil {
			return resp.StatusCode, fmt.Errorf("tooltrail client: %s %s: %w", method, path, ctx.Err())
		}
		return resp.StatusCode, fmt.Errorf("tooltrail client: %s %s: %w: reading answer: %w", method, path, tooltrail.ErrUnavailable, err)
	}
	return resp.StatusCode, nil
}

// errorOf reads an error answer as an *Error. An answer that does not have
// the API's error shape (a proxy's, say) gets a code from its status and
// the start of its body as the message.
func errorOf(resp *http.Response) *Error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var w struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &w); err == nil && w.Error.Code != "" {
		return &Error{Status: resp.StatusCode, Code: w.Error.Code, Message: w.Error.Message}
	}
	msg := strings.TrimSpace(string(b))
	if len(msg) > 200 {
		msg = msg[:200]
		for !utf8.ValidString(msg) {
			msg = msg[:len(msg)-1]
		}
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return &Error{Status: resp.StatusCode, Code: codeOfStatus(resp.StatusCode), Message: msg}
}

// recordRequest is the body of POST /v1/entries.
type recordRequest struct {
	ToolName      string          `json:"tool_name"`
	Arguments     json.RawMessage `json:"arguments,omitempty"`
	ResultSummary string          `json:"result_summary,omitempty"`
	Confirmed     bool            `json:"confirmed,omitempty"`
	SessionID     string          `json:"session_id,omitempty"`
	TaskID        string          `json:"task_id,omitempty"`
	UserID        string          `json:"user_id,omitempty"`
	CallID        string          `json:"call_id,omitempty"`
}

// Record records one call and returns its receipt once the server says the
// entry is durable; Receipt.Replayed is true when the server answered that
// the call repeats an earlier call_id with the same content. When
// call.UserID is empty, the user of ctx (tooltrail.WithUser) is sent, as
// Log.Record does. call.Arguments is sent as JSON: a json.RawMessage as it
// is, other values as json.Marshal encodes them.
//
// Errors: a *tooltrail.FieldError wrapping ErrInvalidArgument, before
// anything is sent, when the arguments do not encode as JSON; an *Error
// for the server's answer (ErrInvalidArgument, ErrTooLarge, ErrConflict,
// ErrUnavailable); an error wrapping ErrUnavailable when the server cannot
// be reached, in which case the call may or may not be recorded: retry with
// the same CallID to be safe.
func (c *Client) Record(ctx context.Context, call tooltrail.Call) (tooltrail.Receipt, error) {
	if call.UserID == "" {
		call.UserID = tooltrail.UserFrom(ctx)
	}
	args, err := encodeArguments(call.Arguments)
	if err != nil {
		return tooltrail.Receipt{}, err
	}
	body, err := json.Marshal(recordRequest{
		ToolName: call.ToolName, Arguments: args, ResultSummary: call.ResultSummary, Confirmed: call.Confirmed,
		SessionID: call.SessionID, TaskID: call.TaskID, UserID: call.UserID, CallID: call.CallID,
	})
	if err != nil {
		return tooltrail.Receipt{}, fmt.Errorf("tooltrail client: record: %w: %w", tooltrail.ErrInvalidArgument, err)
	}
	var rc tooltrail.Receipt
	status, err := c.do(ctx, http.MethodPost, "/v1/entries", nil, body, &rc)
	if err != nil {
		return tooltrail.Receipt{}, err
	}
	rc.Replayed = status == http.StatusOK
	return rc, nil
}

// encodeArguments returns the JSON of a call's arguments, nil for none.
func encodeArguments(v any) (json.RawMessage, error) {
	var raw []byte
	switch a := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		raw = a
	default:
		var err error
		if raw, err = json.Marshal(v); err != nil {
			return nil, &tooltrail.FieldError{
				Field:  "arguments",
				Reason: fmt.Sprintf("cannot be encoded as JSON: %v", err),
				Err:    tooltrail.ErrInvalidArgument,
			}
		}
	}
	if len(raw) == 0 {
		return nil, nil
	}
	if !json.Valid(raw) {
		return nil, &tooltrail.FieldError{Field: "arguments", Reason: "is not valid JSON", Err: tooltrail.ErrInvalidArgument}
	}
	return raw, nil
}

// Query returns one page of the entries that match f, newest first; pass
// the page's NextCursor as f.Cursor for the next one. Errors: an *Error
// (ErrInvalidArgument for a malformed filter, ErrUnavailable); an error
// wrapping ErrUnavailable when the server cannot be reached.
func (c *Client) Query(ctx context.Context, f tooltrail.Filter) (tooltrail.Page, error) {
	var page tooltrail.Page // next_cursor null decodes as ""
	if _, err := c.do(ctx, http.MethodGet, "/v1/entries", f.Values(), nil, &page); err != nil {
		return tooltrail.Page{}, err
	}
	if page.Entries == nil {
		page.Entries = []tooltrail.Entry{}
	}
	return page, nil
}

// Count returns how many entries match f; its Limit, Offset and Cursor do
// not count. Errors as Query.
func (c *Client) Count(ctx context.Context, f tooltrail.Filter) (int64, error) {
	f.Limit, f.Offset, f.Cursor = 0, 0, ""
	var out struct {
		Count int64 `json:"count"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/v1/entries/count", f.Values(), nil, &out); err != nil {
		return 0, err
	}
	return out.Count, nil
}

// Entry returns the entry with the given id, with its Leaf. Errors: a
// *tooltrail.FieldError (ErrInvalidArgument) for an id below 1, before
// anything is sent; an *Error wrapping ErrNotFound when no entry has that
// id (never recorded, or purged); ErrUnavailable as Query.
func (c *Client) Entry(ctx context.Context, id int64) (tooltrail.Entry, error) {
	if id < 1 {
		return tooltrail.Entry{}, &tooltrail.FieldError{
			Field: "id", Reason: fmt.Sprintf("must be at least 1, got %d", id), Err: tooltrail.ErrInvalidArgument,
		}
	}
	var e tooltrail.Entry
	if _, err := c.do(ctx, http.MethodGet, "/v1/entries/"+strconv.FormatInt(id, 10), nil, nil, &e); err != nil {
		return tooltrail.Entry{}, err
	}
	return e, nil
}

// Tools returns the distinct tool names with their entry counts, ordered
// by name. Errors: ErrUnavailable as Query.
func (c *Client) Tools(ctx context.Context) ([]tooltrail.ToolCount, error) {
	var out struct {
		Tools []tooltrail.ToolCount `json:"tools"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/v1/tools", nil, nil, &out); err != nil {
		return nil, err
	}
	if out.Tools == nil {
		out.Tools = []tooltrail.ToolCount{}
	}
	return out.Tools, nil
}

// Purge deletes the entries older than *olderThanDays days, or every entry
// when olderThanDays is nil, and returns how many the server deleted. The
// server records the purge as an entry of its own. Errors: an *Error
// wrapping ErrInvalidArgument for a negative or absurd number of days, or
// ErrUnavailable (some entries may be deleted by then); an error wrapping
// ErrUnavailable when the server cannot be reached.
func (c *Client) Purge(ctx context.Context, olderThanDays *int) (int64, error) {
	body, err := json.Marshal(struct {
		OlderThanDays *int `json:"older_than_days"` // null, never left out: null means all
	}{olderThanDays})
	if err != nil {
		return 0, fmt.Errorf("tooltrail client: purge: %w", err)
	}
	var out struct {
		Deleted int64 `json:"deleted"`
	}
	if _, err := c.do(ctx, http.MethodPost, "/v1/purge", nil, body, &out); err != nil {
		return 0, err
	}
	return out.Deleted, nil
}
