package webui

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

// staticFS holds the style sheet, the script and the icon, served under
// /static/.
//
//go:embed static
var staticFS embed.FS

// staticHandler serves the files of staticFS under /static/: files only,
// no directory listings.
func staticHandler() http.Handler {
	files, _ := fs.Sub(staticFS, "static") // "static" is a valid path
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		st, err := fs.Stat(files, name)
		if name == "" || !fs.ValidPath(name) || err != nil || st.IsDir() {
			http.NotFound(w, r)
			return
		}
		// The files change only with a new build; let the browser
		// revalidate rather than keep them for ever.
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, files, name)
	})
}
