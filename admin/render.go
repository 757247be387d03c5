package admin

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/flowtrack/flowtrack"
)

//go:embed templates
var templates embed.FS

// pages are the parsed templates, each page with the layout.
type pages map[string]*template.Template

func parsePages() pages {
	ps := pages{}
	for _, name := range []string{"login", "dashboard", "list", "form", "delete", "error"} {
		ps[name] = template.Must(template.New("layout.html").ParseFS(templates,
			"templates/layout.html", "templates/"+name+".html"))
	}
	return ps
}

// view is what the layout needs around a page's content.
type view struct {
	Title   string
	User    *flowtrack.User // nil when signed out
	CSRF    string
	Flash   string
	Section string // the navigation entry to highlight
	Content any
}

// render writes a page. A session's flash message is shown once.
func (p *Panel) render(w http.ResponseWriter, r *http.Request, s *session, status int, page, title string, content any) error {
	v := view{Title: title, Content: content, Section: section(r.URL.Path)}
	if s != nil {
		v.User, v.CSRF, v.Flash = s.user, s.CSRF, s.Flash
		if s.Flash != "" {
			if err := p.store.AdminSessionFlash(r.Context(), s.KeyHash, ""); err != nil {
				return err
			}
		}
	}
	var buf bytes.Buffer
	if err := p.pages[page].Execute(&buf, v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// renderError writes an error page; it must not fail itself.
func (p *Panel) renderError(w http.ResponseWriter, r *http.Request, s *session, status int, message string) {
	if err := p.render(w, r, s, status, "error", http.StatusText(status), message); err != nil {
		p.log.ErrorContext(r.Context(), "admin error page", slog.Any("error", err))
		http.Error(w, message, status)
	}
}

// section is the first path segment after /admin/.
func section(path string) string {
	for _, k := range []*kind{users, projects, workflows, tasks, actions} {
		prefix := "/admin/" + k.path + "/"
		if len(path) >= len(prefix) && path[:len(prefix)] == prefix {
			return k.path
		}
	}
	return ""
}
