package httpapi

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
	"golang.org/x/mod/sumdb/tlog"
)

// logInfo is the answer of GET /v1/log.
type logInfo struct {
	Origin      string `json:"origin"`
	VerifierKey string `json:"verifier_key"`
	TreeSize    int64  `json:"tree_size"`
}

// inclusionProof is the answer of GET /v1/entries/{id}/proof.
type inclusionProof struct {
	ID        int64    `json:"id"`
	LeafIndex int64    `json:"leaf_index"`
	TreeSize  int64    `json:"tree_size"`
	LeafHash  string   `json:"leaf_hash"`
	Proof     []string `json:"proof"`
}

// consistencyProof is the answer of GET /v1/consistency.
type consistencyProof struct {
	From  int64    `json:"from"`
	To    int64    `json:"to"`
	Proof []string `json:"proof"`
}

func b64(hs []tlog.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	return out
}

// errNoNotary is the answer of the endpoints of tamper evidence on a
// server that was built without a Notary.
func errNoNotary() error {
	return &apiError{status: http.StatusNotFound, code: codeNotFound, message: "this server signs no checkpoints"}
}

// checkpointRequest checks a request to an endpoint of the signed tree
// that takes no parameter: it has none, and the server signs. Otherwise it
// answers it and returns false.
func (s *Server) checkpointRequest(w http.ResponseWriter, r *http.Request) bool {
	if err := noQuery(r); err != nil {
		s.fail(w, r, err)
		return false
	}
	if s.notary == nil {
		s.fail(w, r, errNoNotary())
		return false
	}
	return true
}

// getLog is GET /v1/log: the log's origin, key and signed tree size.
func (s *Server) getLog(w http.ResponseWriter, r *http.Request) {
	if !s.checkpointRequest(w, r) {
		return
	}
	s.writeJSON(w, r, http.StatusOK, logInfo{Origin: s.notary.Origin(), VerifierKey: s.notary.VerifierKey(), TreeSize: s.notary.Latest().Size})
}

// getCheckpoint is GET /v1/checkpoint and GET /checkpoint (where C2SP
// tlog-tiles clients read it, beside /tile/): the latest signed
// checkpoint, never cached.
func (s *Server) getCheckpoint(w http.ResponseWriter, r *http.Request) {
	if !s.checkpointRequest(w, r) {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(s.notary.Latest().Note)
}

// getProof is GET /v1/entries/{id}/proof?tree_size=N: the inclusion proof
// of an entry in the tree of N entries, by default the latest checkpoint's.
func (s *Server) getProof(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sizes, _, err := s.sizeParams(r, "tree_size")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if auth.BoundUser(r.Context()) != "" {
		// Only of the user's own entries, which are kept: the owner of a
		// purged entry is not known any more.
		if _, err := s.entryFor(r, id); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	p, err := s.log.InclusionProof(r.Context(), id, sizes["tree_size"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, inclusionProof{
		ID: p.ID, LeafIndex: p.LeafIndex, TreeSize: p.TreeSize,
		LeafHash: base64.StdEncoding.EncodeToString(p.LeafHash[:]), Proof: b64(p.Proof),
	})
}

// getConsistency is GET /v1/consistency?from=M&to=N: the proof that the
// tree of N entries (default: the latest checkpoint's) extends that of M.
func (s *Server) getConsistency(w http.ResponseWriter, r *http.Request) {
	sizes, given, err := s.sizeParams(r, "from", "to")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !given["from"] {
		s.fail(w, r, &tooltrail.FieldError{Field: "from", Reason: "is required: the size of the older tree", Err: tooltrail.ErrInvalidArgument})
		return
	}
	p, err := s.log.ConsistencyProof(r.Context(), sizes["from"], sizes["to"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, consistencyProof{From: p.From, To: p.To, Proof: b64(p.Proof)})
}

// immutable is the Cache-Control of tiles: a tile's path fixes its bytes
// (a partial tile N.p/W holds the first W hashes for ever), so tlog-tiles
// asks for long-lived caching of full and partial tiles alike.
const immutable = "public, max-age=31536000, immutable"

// getTile is GET /tile/{path...}: a C2SP tlog-tiles hash tile inside the
// tree of the latest checkpoint. Any other path under /tile/ answers 404,
// which a tile client takes for "not there" and falls back from a partial
// tile to the full one.
func (s *Server) getTile(w http.ResponseWriter, r *http.Request) {
	if !s.checkpointRequest(w, r) {
		return
	}
	path := r.PathValue("path")
	data, err := s.log.Tile(r.Context(), path, s.notary.Latest().Size)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Cache-Control", immutable)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// sizeParams reads the tree sizes named from the query string, which may
// hold nothing else, and says which were given. A size absent defaults to
// the latest checkpoint's. Errors: a *tooltrail.FieldError naming the
// parameter.
func (s *Server) sizeParams(r *http.Request, names ...string) (sizes map[string]int64, given map[string]bool, err error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: malformed query string: %w", tooltrail.ErrInvalidArgument, err)
	}
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(names, k) {
			return nil, nil, &tooltrail.FieldError{Field: k, Reason: fmt.Sprintf("is not a parameter of this endpoint; it takes %v", names), Err: tooltrail.ErrInvalidArgument}
		}
	}
	out, given := make(map[string]int64), make(map[string]bool)
	for _, name := range names {
		vs, ok := q[name]
		if !ok {
			if s.notary == nil {
				return nil, nil, &tooltrail.FieldError{Field: name, Reason: "is required on a server that signs no checkpoints", Err: tooltrail.ErrInvalidArgument}
			}
			out[name] = s.notary.Latest().Size
			continue
		}
		if len(vs) != 1 {
			return nil, nil, &tooltrail.FieldError{Field: name, Reason: "is given more than once", Err: tooltrail.ErrInvalidArgument}
		}
		n, err := strconv.ParseInt(vs[0], 10, 64)
		if err != nil || n < 0 || strconv.FormatInt(n, 10) != vs[0] {
			return nil, nil, &tooltrail.FieldError{Field: name, Reason: fmt.Sprintf("%q is not a tree size: use a whole number of at least 0", vs[0]), Err: tooltrail.ErrInvalidArgument}
		}
		out[name], given[name] = n, true
	}
	return out, given, nil
}
