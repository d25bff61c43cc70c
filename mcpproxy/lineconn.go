package mcpproxy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// DefaultMaxLine is the longest line a LineConn reads, as the SDK's stdio
// transport allows.
const DefaultMaxLine = 16 << 20

// MalformedError is what LineConn.Read returns for a line that is not a
// JSON-RPC message. The connection stays usable: the next Read returns the
// next line.
type MalformedError struct {
	Line []byte // the line as read, cut to 1 KiB
	ID   jsonrpc.ID
	Err  error
}

// Error says why the line is not a message.
func (e *MalformedError) Error() string {
	return fmt.Sprintf("malformed JSON-RPC message: %v", e.Err)
}

// Unwrap returns the decoding error.
func (e *MalformedError) Unwrap() error { return e.Err }

// Parse reports whether the line was not JSON at all (a JSON-RPC parse
// error) rather than JSON that is not a JSON-RPC message.
func (e *MalformedError) Parse() bool {
	var se *json.SyntaxError
	return errors.As(e.Err, &se) || errors.Is(e.Err, errLineTooLong) || errors.Is(e.Err, io.ErrUnexpectedEOF)
}

var errLineTooLong = errors.New("line too long")

// LineConn is an mcp.Connection over newline-delimited JSON, as MCP's
// stdio transport defines it. A JSON array on one line (a JSON-RPC batch)
// is read as its messages one by one.
type LineConn struct {
	in     <-chan lineOrErr
	out    io.Writer
	closer io.Closer
	wmu    sync.Mutex
	queue  []jsonrpc.Message

	closeOnce sync.Once
	closed    chan struct{}
	closeErr  error
}

type lineOrErr struct {
	line []byte
	err  error
}

// NewLineConn returns a connection that reads lines from r and writes them
// to w; Close calls closer, when not nil. maxLine bounds a line (0 takes
// DefaultMaxLine); a longer one is skipped and read as a MalformedError.
func NewLineConn(r io.Reader, w io.Writer, closer io.Closer, maxLine int) *LineConn {
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	in := make(chan lineOrErr)
	c := &LineConn{in: in, out: w, closer: closer, closed: make(chan struct{})}
	// Reads of a pipe or stdin cannot be interrupted, so a goroutine reads
	// and Read selects on it and on Close.
	go func() {
		br := bufio.NewReaderSize(r, 64<<10)
		for {
			line, err := readLine(br, maxLine)
			if len(bytes.TrimSpace(line)) == 0 && err == nil {
				continue
			}
			select {
			case in <- lineOrErr{line, err}:
			case <-c.closed:
				return
			}
			if err != nil && !errors.Is(err, errLineTooLong) {
				return
			}
		}
	}()
	return c
}

// readLine reads one line without its end; a line over max is read to its
// end and dropped, with errLineTooLong. A last line without a newline is
// returned whole, and io.EOF comes with the next call.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	over := false
	for {
		chunk, err := br.ReadSlice('\n')
		if !over {
			if len(line)+len(chunk) > max+1 {
				over, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && (err != io.EOF || (len(line) == 0 && !over)) {
			return nil, err
		}
		if over {
			return nil, fmt.Errorf("%w: over %d bytes", errLineTooLong, max)
		}
		return bytes.TrimRight(line, "\r\n"), nil
	}
}

// Read returns the next message. A line that is not a message gives a
// *MalformedError and the connection goes on; io.EOF means the peer closed
// its side.
func (c *LineConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	if len(c.queue) > 0 {
		m := c.queue[0]
		c.queue = c.queue[1:]
		return m, nil
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.closed:
		return nil, io.EOF
	case v := <-c.in:
		if v.err != nil {
			if errors.Is(v.err, errLineTooLong) {
				return nil, &MalformedError{Err: v.err}
			}
			return nil, v.err
		}
		msgs, err := decodeLine(v.line)
		if err != nil {
			return nil, err
		}
		c.queue = msgs[1:]
		return msgs[0], nil
	}
}

// decodeLine decodes one message, or the messages of a batch.
func decodeLine(line []byte) ([]jsonrpc.Message, error) {
	malformed := func(err error) error {
		e := &MalformedError{Line: line[:min(len(line), 1024)], Err: err}
		var probe struct {
			ID any `json:"id"`
		}
		if json.Unmarshal(line, &probe) == nil {
			e.ID, _ = jsonrpc.MakeID(probe.ID)
		}
		return e
	}
	trimmed := bytes.TrimSpace(line)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var batch []json.RawMessage
		if err := json.Unmarshal(trimmed, &batch); err != nil {
			return nil, malformed(err)
		}
		if len(batch) == 0 {
			return nil, malformed(errors.New("empty batch"))
		}
		msgs := make([]jsonrpc.Message, 0, len(batch))
		for _, raw := range batch {
			m, err := jsonrpc.DecodeMessage(raw)
			if err != nil {
				return nil, malformed(err)
			}
			msgs = append(msgs, m)
		}
		return msgs, nil
	}
	if !json.Valid(trimmed) {
		// DecodeMessage's error for bad JSON does not say where.
		var v any
		return nil, malformed(json.Unmarshal(trimmed, &v))
	}
	m, err := jsonrpc.DecodeMessage(trimmed)
	if err != nil {
		return nil, malformed(err)
	}
	return []jsonrpc.Message{m}, nil
}

// Write writes msg as one line. It is safe to call from several
// goroutines.
func (c *LineConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	b, err := jsonrpc.EncodeMessage(msg)
	if err != nil {
		return err
	}
	return c.WriteRaw(ctx, b)
}

// WriteRaw writes one line of JSON as it is, for what jsonrpc.Message
// cannot say (an error response whose id is null).
func (c *LineConn) WriteRaw(ctx context.Context, line []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case <-c.closed:
		return io.ErrClosedPipe
	default:
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	buf := make([]byte, 0, len(line)+1)
	buf = append(append(buf, line...), '\n')
	_, err := c.out.Write(buf)
	return err
}

// Close closes the connection, and its closer; later Reads return io.EOF.
func (c *LineConn) Close() error {
	c.closeOnce.Do(func() {
		close(c.closed)
		if c.closer != nil {
			c.closeErr = c.closer.Close()
		}
	})
	return c.closeErr
}

// SessionID returns "": stdio has no session ids.
func (c *LineConn) SessionID() string { return "" }
