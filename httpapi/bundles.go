package httpapi

import (
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
)

// bundleCache is the Cache-Control of entry bundles: their path fixes
// their bytes, as for tiles, but they hold entries, which only some tokens
// may read, so no shared cache may keep them.
const bundleCache = "private, max-age=31536000, immutable"

// getEntryBundle is GET /tile/entries/{path...}: a C2SP tlog-tiles entry
// bundle inside the tree of the latest checkpoint, gzipped when the client
// takes gzip, as tlog-tiles suggests. A bundle that holds a purged entry
// answers 404, as tlog-tiles lets a pruned log answer.
func (s *Server) getEntryBundle(w http.ResponseWriter, r *http.Request) {
	if !s.checkpointRequest(w, r) {
		return
	}
	data, err := s.log.EntryBundle(r.Context(), r.PathValue("path"), s.notary.Latest().Size)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Cache-Control", bundleCache)
	h.Set("Vary", "Accept-Encoding")
	if !acceptsGzip(r.Header.Values("Accept-Encoding")) {
		h.Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(data)
		return
	}
	h.Set("Content-Encoding", "gzip")
	w.WriteHeader(http.StatusOK)
	// gzip.BestSpeed: leaves are JSON that repeats its keys, so the fastest
	// level already takes most of what there is to take.
	zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
	_, _ = zw.Write(data)
	_ = zw.Close() // an error here means the client went away
}

// acceptsGzip says whether Accept-Encoding header values name gzip (or *)
// with a quality above 0.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "x-gzip" && coding != "*" {
				continue
			}
			q := 1.0
			for p := range strings.SplitSeq(params, ";") {
				if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
						q = f
					} else {
						q = 0
					}
				}
			}
			if q > 0 {
				return true
			}
		}
	}
	return false
}
