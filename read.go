package tooltrail

import (
	"context"
	"fmt"
)

// Query returns one page of the entries that match f, newest first, as
// oAI-Web's audit log does: Start and End inclusive, ToolName a
// case-insensitive substring, the ids exact, Limit 50 unless set. With
// f.Cursor from a previous page's NextCursor, the page continues below that
// page, in constant time at any depth. Errors: a *FieldError
// (ErrInvalidArgument) for a malformed filter; ErrUnavailable when the
// store cannot be read; ErrCorrupt when it holds a leaf that does not
// decode.
func (l *Log) Query(ctx context.Context, f Filter) (Page, error) {
	if err := f.check(); err != nil {
		return Page{}, err
	}
	f = f.normalized()
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	before, _ := DecodeCursor(f.Cursor) // check validated it
	q := Query{Filter: f, BeforeID: before}
	q.Limit = f.Limit + 1 // one more tells whether there is a next page
	leaves, err := l.store.Query(ctx, q)
	if err != nil {
		return Page{}, fmt.Errorf("query: %w", err)
	}
	page := Page{Entries: make([]Entry, 0, min(len(leaves), f.Limit))}
	for _, leaf := range leaves[:min(len(leaves), f.Limit)] {
		e, err := DecodeLeaf(leaf)
		if err != nil {
			return Page{}, fmt.Errorf("query: %w: %w", ErrCorrupt, err)
		}
		e.Leaf = nil
		page.Entries = append(page.Entries, e)
	}
	if len(leaves) > f.Limit {
		page.NextCursor = EncodeCursor(page.Entries[len(page.Entries)-1].ID)
	}
	return page, nil
}

// Count returns how many entries match f (its Limit, Offset and Cursor do
// not count). Errors as Query.
func (l *Log) Count(ctx context.Context, f Filter) (int64, error) {
	f.Limit, f.Offset, f.Cursor = 0, 0, ""
	if err := f.check(); err != nil {
		return 0, err
	}
	n, err := l.store.Count(ctx, f.normalized())
	if err != nil {
		return 0, fmt.Errorf("count: %w", err)
	}
	return n, nil
}

// Entry returns the entry with the given id, its Leaf set. Errors: a
// *FieldError for an id below 1; ErrNotFound when no entry has that id
// (never recorded, or purged); ErrUnavailable; ErrCorrupt when the stored
// leaf does not decode or names another id.
func (l *Log) Entry(ctx context.Context, id int64) (Entry, error) {
	if id < 1 {
		return Entry{}, invalid("id", "must be at least 1, got %d", id)
	}
	leaf, err := l.store.Leaf(ctx, id)
	if err != nil {
		return Entry{}, fmt.Errorf("entry %d: %w", id, err)
	}
	e, err := DecodeLeaf(leaf)
	if err != nil {
		return Entry{}, fmt.Errorf("entry %d: %w: %w", id, ErrCorrupt, err)
	}
	if e.ID != id {
		return Entry{}, fmt.Errorf("entry %d: %w: its leaf says id %d", id, ErrCorrupt, e.ID)
	}
	return e, nil
}

// Tools returns the tool names that have entries, with their counts,
// ordered by name: of every entry, or of user's when user is not "" (what
// a reader bound to that user may see). Errors: ErrUnavailable.
func (l *Log) Tools(ctx context.Context, user string) ([]ToolCount, error) {
	tools, err := l.store.Tools(ctx, user)
	if err != nil {
		return nil, fmt.Errorf("tools: %w", err)
	}
	return tools, nil
}

// Head returns the committed head of the log: its size, root hash and the
// time of its newest entry. Errors: ErrUnavailable.
func (l *Log) Head(ctx context.Context) (Head, error) {
	h, err := l.store.Head(ctx)
	if err != nil {
		return Head{}, fmt.Errorf("head: %w", err)
	}
	return h, nil
}
