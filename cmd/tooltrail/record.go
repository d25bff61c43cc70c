package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/tooltrail/tooltrail"
)

// maxArgsFile bounds what --args-file reads, to keep memory bounded; the
// server's own, smaller limit says what it takes.
const maxArgsFile = 64 << 20

// recordCommand records one tool call: tooltrail record.
type recordCommand struct {
	remote    remoteFlags
	tool      string
	args      string
	argsFile  string
	result    string
	confirmed bool
	session   string
	task      string
	user      string
	callID    string
	json      bool
}

func (c *recordCommand) define(fs *flag.FlagSet) {
	fs.StringVar(&c.tool, "tool", "", "`NAME` of the tool that was called (required)")
	fs.StringVar(&c.args, "args", "", "arguments of the call, as `JSON`")
	fs.StringVar(&c.argsFile, "args-file", "", "read the arguments as JSON from `FILE` (- for standard input)")
	fs.StringVar(&c.result, "result", "", "summary of the result, as `TEXT`")
	fs.BoolVar(&c.confirmed, "confirmed", false, "the user confirmed the call")
	fs.StringVar(&c.session, "session", "", "session `ID`")
	fs.StringVar(&c.task, "task", "", "task `ID`")
	fs.StringVar(&c.user, "user", "", "user `ID` on whose behalf the call ran")
	fs.StringVar(&c.callID, "call-id", "", "`ID` that makes retries idempotent: a repeat with the same content gets the first receipt")
	fs.BoolVar(&c.json, "json", false, "print the receipt as JSON")
	c.remote.define(fs)
}

func (c *recordCommand) run(ctx context.Context, s *streams) error {
	if c.tool == "" {
		return usagef("--tool is required")
	}
	args, err := c.arguments(s.stdin)
	if err != nil {
		return err
	}
	cl, err := c.remote.client()
	if err != nil {
		return err
	}
	r, err := cl.Record(ctx, tooltrail.Call{
		ToolName: c.tool, Arguments: args, ResultSummary: c.result, Confirmed: c.confirmed,
		SessionID: c.session, TaskID: c.task, UserID: c.user, CallID: c.callID,
	})
	if err != nil {
		return c.remote.explain(err)
	}
	return printReceipt(s.stdout, r, c.json)
}

// arguments returns the arguments of --args or --args-file as
// json.RawMessage, nil when neither is given, or a usage error naming the
// flag when they are not valid JSON.
func (c *recordCommand) arguments(stdin io.Reader) (any, error) {
	var raw []byte
	var from string
	switch {
	case c.args != "" && c.argsFile != "":
		return nil, usagef("give --args or --args-file, not both")
	case c.args != "":
		raw, from = []byte(c.args), "--args"
	case c.argsFile != "":
		var err error
		if raw, err = readArgsFile(c.argsFile, stdin); err != nil {
			return nil, err
		}
		from = "--args-file " + c.argsFile
	default:
		return nil, nil
	}
	var check json.RawMessage
	if err := json.Unmarshal(raw, &check); err != nil {
		return nil, usagef("%s is not valid JSON: %w", from, err)
	}
	return json.RawMessage(raw), nil
}

// readArgsFile reads the file name, or stdin for "-", up to maxArgsFile.
func readArgsFile(name string, stdin io.Reader) ([]byte, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("--args-file: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxArgsFile+1))
	if err != nil {
		return nil, fmt.Errorf("--args-file %s: %w", name, err)
	}
	if len(b) > maxArgsFile {
		return nil, usagef("--args-file %s is larger than %d MiB", name, maxArgsFile>>20)
	}
	return b, nil
}

// receiptJSON is the receipt as record --json prints it.
type receiptJSON struct {
	ID        int64  `json:"id"`
	Timestamp string `json:"timestamp"`
	LeafHash  string `json:"leaf_hash"`
	Replayed  bool   `json:"replayed"`
}

// printReceipt prints a receipt as one line of text, or of JSON.
func printReceipt(w io.Writer, r tooltrail.Receipt, asJSON bool) error {
	ts := r.Timestamp.UTC().Format(tooltrail.TimeLayout)
	hash := base64.StdEncoding.EncodeToString(r.LeafHash[:])
	if asJSON {
		b, err := json.Marshal(receiptJSON{ID: r.ID, Timestamp: ts, LeafHash: hash, Replayed: r.Replayed})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	note := ""
	if r.Replayed {
		note = " (replayed: this call id was recorded before with the same content)"
	}
	_, err := fmt.Fprintf(w, "entry %d at %s leaf_hash %s%s\n", r.ID, ts, hash, note)
	return err
}
