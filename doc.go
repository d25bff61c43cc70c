// Package tooltrail is an append-only, tamper-evident audit log for the tool
// calls of AI agents.
//
// A platform records each tool call with [Log.Record] after the tool ran and
// before its result goes back to the model; Record returns only once the
// entry is durable. Operators read the log with [Log.Query] and [Log.Count]
// and remove old entries with [Log.Purge]. Every entry has canonical leaf
// bytes whose RFC 6962 hash is a leaf of a Merkle tree kept by the store, so
// that no entry can be changed, dropped or reordered unnoticed.
//
// The package holds the domain only: it imports no SQL driver and no
// net/http. A [Store] (sqlite.Store, postgres.Store) keeps the entries.
package tooltrail
