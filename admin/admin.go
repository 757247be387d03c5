// Package admin serves the staff panel under /admin/: server-rendered
// pages that work without JavaScript, over the unscoped store, for active
// staff users only. It has its own cookie session and a CSRF token on
// every form; a JWT does not open it and its session does not open the API.
package admin

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/flowtrack/flowtrack"
	"github.com/flowtrack/flowtrack/password"
	"github.com/flowtrack/flowtrack/throttle"
)

// Store is what the panel reads and writes.
type Store interface {
	flowtrack.Accounts
	flowtrack.Admin
}

// Config holds the panel's settings.
type Config struct {
	// Login limits failed logins; the counters are the API's.
	Login throttle.Policy
	// SessionTTL is how long a session lasts after login.
	SessionTTL time.Duration
	// SecureCookies marks cookies Secure on plain HTTP too, for a TLS
	// proxy in front; over TLS they always are.
	SecureCookies bool
}

// DefaultConfig matches the API's login throttling.
var DefaultConfig = Config{
	Login:      throttle.Policy{PerUser: 5, PerAddr: 20, Window: time.Minute},
	SessionTTL: 12 * time.Hour,
}

// maxFormBytes bounds a form body; the largest field is a 10,000
// character description.
const maxFormBytes = 256 << 10

//go:embed static
var static embed.FS

// Panel is the admin panel's handler.
type Panel struct {
	store   Store
	hasher  *password.Hasher
	log     *slog.Logger
	cfg     Config
	pages   pages
	handler http.Handler
}

// New returns the panel, with every route of routes().
func New(store Store, hasher *password.Hasher, log *slog.Logger, cfg Config) *Panel {
	if cfg.Login.Attempts == nil {
		cfg.Login.Attempts = throttle.NewAttempts()
	}
	p := &Panel{store: store, hasher: hasher, log: log, cfg: cfg, pages: parsePages()}
	p.handler = p.secure(p.recoverPanics(p.routes()))
	return p
}

// ServeHTTP serves a request under /admin/.
func (p *Panel) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.handler.ServeHTTP(w, r) }

// routes lists every page of the panel.
func (p *Panel) routes() http.Handler {
	mux := http.NewServeMux()
	assets, _ := fs.Sub(static, "static")
	mux.Handle("GET /admin/static/{file}", http.StripPrefix("/admin/static/", cacheFor(time.Hour, http.FileServerFS(assets))))
	mux.Handle("GET /admin/login/{$}", p.public(p.handleLoginPage))
	mux.Handle("POST /admin/login/{$}", p.public(p.handleLogin))
	mux.Handle("POST /admin/logout/{$}", p.staff(p.handleLogout))
	mux.Handle("GET /admin/{$}", p.staff(p.handleDashboard))
	mux.Handle("GET /admin/log/{$}", p.staff(p.handleLog))

	mux.Handle("GET /admin/users/{$}", p.staff(p.handleUserList))
	mux.Handle("GET /admin/users/new/{$}", p.staff(p.handleUserNew))
	mux.Handle("POST /admin/users/new/{$}", p.staff(p.handleUserNew))
	mux.Handle("GET /admin/users/{id}/{$}", p.staff(p.handleUserEdit))
	mux.Handle("POST /admin/users/{id}/{$}", p.staff(p.handleUserEdit))
	mux.Handle("GET /admin/users/{id}/password/{$}", p.staff(p.handleUserPassword))
	mux.Handle("POST /admin/users/{id}/password/{$}", p.staff(p.handleUserPassword))

	for _, k := range []*kind{projects, workflows, tasks} {
		base := "/admin/" + k.path + "/"
		mux.Handle("GET "+base+"{$}", p.staff(p.listHandler(k)))
		mux.Handle("GET "+base+"new/{$}", p.staff(p.formHandler(k)))
		mux.Handle("POST "+base+"new/{$}", p.staff(p.formHandler(k)))
		mux.Handle("GET "+base+"{id}/{$}", p.staff(p.formHandler(k)))
		mux.Handle("POST "+base+"{id}/{$}", p.staff(p.formHandler(k)))
	}
	for _, k := range []*kind{users, projects, workflows, tasks} {
		mux.Handle("GET /admin/"+k.path+"/{id}/delete/{$}", p.staff(p.deleteHandler(k)))
		mux.Handle("POST /admin/"+k.path+"/{id}/delete/{$}", p.staff(p.deleteHandler(k)))
	}
	mux.Handle("/admin/", p.staff(func(w http.ResponseWriter, r *http.Request, s *session) error {
		return flowtrack.NotFound("Page")
	}))
	return mux
}

// secure sets the headers of every answer: no inline script, no framing,
// no caching of pages that show other users' data.
func (p *Panel) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; "+
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		next.ServeHTTP(w, r)
	})
}

// cacheFor lets browsers keep the panel's static files for d.
func cacheFor(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", fmt.Sprintf("private, max-age=%d", int(d.Seconds())))
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic into a logged error page with no internals.
func (p *Panel) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			p.log.ErrorContext(r.Context(), "admin panic", slog.String("path", r.URL.Path),
				slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
			p.renderError(w, r, nil, http.StatusInternalServerError, "Something went wrong on our side. It has been logged.")
		}()
		next.ServeHTTP(w, r)
	})
}

// errForbidden is a refused request, such as a missing CSRF token.
type errForbidden string

func (e errForbidden) Error() string { return string(e) }

// errBadForm is a form body that cannot be decoded.
var errBadForm = errors.New("the form could not be read")

// fail writes the page for an error a handler returned.
func (p *Panel) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	var forbidden errForbidden
	var tooLarge *http.MaxBytesError
	switch {
	case errors.Is(err, flowtrack.ErrNotFound):
		p.renderError(w, r, s, http.StatusNotFound, "There is nothing here: it may have been deleted.")
	case errors.As(err, &forbidden):
		p.renderError(w, r, s, http.StatusForbidden, string(forbidden))
	case errors.Is(err, flowtrack.ErrManageStaff):
		p.renderError(w, r, s, http.StatusForbidden, err.Error())
	case errors.As(err, &tooLarge):
		p.renderError(w, r, s, http.StatusRequestEntityTooLarge, "The form is too large.")
	case errors.Is(err, errBadForm):
		p.renderError(w, r, s, http.StatusBadRequest, "The form could not be read. Reload the page and try again.")
	default:
		p.log.ErrorContext(r.Context(), "admin request failed", slog.String("path", r.URL.Path), slog.Any("error", err))
		p.renderError(w, r, s, http.StatusInternalServerError, "Something went wrong on our side. It has been logged.")
	}
}

// parseForm reads a posted form. Invalid UTF-8 becomes U+FFFD, as the
// API's JSON decoding makes it, so no value is refused by the database.
// Line breaks become LF.
func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return errBadForm
	}
	for _, vs := range r.PostForm {
		for i, v := range vs {
			// Browsers send a textarea's line breaks as CRLF; API clients
			// send LF, and an unchanged text must not look changed.
			vs[i] = strings.ReplaceAll(strings.ToValidUTF8(v, "\uFFFD"), "\r\n", "\n")
		}
	}
	return nil
}
