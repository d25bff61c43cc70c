package webui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/tooltrail/tooltrail/auth"
)

// templateFS holds the page templates: layout.html, the pieces of
// _shared.html, and one file a page.
//
//go:embed templates/*.html
var templateFS embed.FS

// parsePages parses every page template with the layout, by page name
// (the file name without .html). Errors: a template that does not parse.
func parsePages() (map[string]*template.Template, error) {
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := make(map[string]*template.Template)
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.New(name).ParseFS(templateFS, "templates/layout.html", "templates/_shared.html", f)
		if err != nil {
			return nil, fmt.Errorf("webui: template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// page is one page to render.
type page struct {
	status  int    // the HTTP status; 0 is 200
	name    string // the template
	title   string
	data    any  // what the template reads as .Page
	refresh bool // reload every few seconds (a running verification)
}

// view is what the layout reads.
type view struct {
	Title   string
	User    *userView // nil when signed out
	Refresh bool
	Page    any
}

// show renders p for r, with the signed-in user of r in the header. A
// template error is a bug: it answers 500 and is logged.
func (ui *UI) show(w http.ResponseWriter, r *http.Request, p page) {
	v := view{Title: p.title, Refresh: p.refresh, Page: p.data}
	if s, ok := sessionFrom(r.Context()); ok {
		v.User = &userView{
			Name: s.token.Name, Role: s.token.Role, Bound: auth.BoundUser(r.Context()),
			Admin: s.token.Role == auth.Admin, CSRF: s.csrf,
		}
	}
	t, ok := ui.pages[p.name]
	var b bytes.Buffer
	if ok {
		if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
			ok = false
			ui.logger.ErrorContext(r.Context(), "web ui template failed", "page", p.name, "err", err)
		}
	}
	if !ok {
		http.Error(w, "internal error: the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if p.status == 0 {
		p.status = http.StatusOK
	}
	w.WriteHeader(p.status)
	_, _ = w.Write(b.Bytes()) // an error means the client went away
}

// errorView is the data of an error page.
type errorView struct {
	Status  int
	Text    string // the status text
	Message string
}

// renderError answers with an error page of status saying message.
func (ui *UI) renderError(w http.ResponseWriter, r *http.Request, status int, message string) {
	ui.show(w, r, page{status: status, name: "error", title: http.StatusText(status),
		data: errorView{Status: status, Text: http.StatusText(status), Message: message}})
}
