package admin

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/flowtrack/flowtrack"
)

const (
	sessionCookie = "flowtrack_admin_session"
	// loginCookie holds the CSRF token of the login form, which has no
	// session yet.
	loginCookie = "flowtrack_admin_login"
)

// Messages of the login page.
const (
	msgBadLogin = "Please enter the correct username and password for a staff account. " +
		"Note that both fields may be case-sensitive."
	msgNotStaff  = "This account is not a staff account, so it cannot use the admin panel."
	msgCSRF      = "CSRF verification failed: the form was out of date or not sent by this site. Reload the page and try again."
	msgLoggedOut = "You are logged out."
)

// session is a signed-in staff member's request context.
type session struct {
	*flowtrack.AdminSession
	user *flowtrack.User
}

// public handles pages open to anyone: the login page.
type publicHandler func(w http.ResponseWriter, r *http.Request) error

func (p *Panel) public(h publicHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			p.fail(w, r, nil, err)
		}
	})
}

// staffHandler handles a page for a signed-in staff member.
type staffHandler func(w http.ResponseWriter, r *http.Request, s *session) error

// staff lets a request through with a live session of an active staff
// user, and a POST only with the session's CSRF token. Anyone else is
// sent to the login page. The Authorization header is never read.
func (p *Panel) staff(h staffHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := p.session(r)
		if err != nil {
			p.fail(w, r, nil, err)
			return
		}
		if s == nil {
			next := ""
			if r.Method == http.MethodGet {
				next = "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, "/admin/login/"+next, http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			if err := parseForm(r); err != nil {
				p.fail(w, r, s, err)
				return
			}
			if !sameToken(r.PostForm.Get("csrf_token"), s.CSRF) {
				p.fail(w, r, s, errForbidden(msgCSRF))
				return
			}
		}
		if err := h(w, r, s); err != nil {
			p.fail(w, r, s, err)
		}
	})
}

// session returns the request's live staff session, or nil.
func (p *Panel) session(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	as, u, err := p.store.AdminSessionGet(r.Context(), hashKey(c.Value), time.Now())
	if errors.Is(err, flowtrack.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !u.IsActive || !u.IsStaff {
		return nil, p.store.AdminSessionDelete(r.Context(), as.KeyHash)
	}
	return &session{AdminSession: as, user: u}, nil
}

// hashKey is what the database keeps of a session key.
func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// newToken returns 32 random bytes, URL-safe.
// tokenLen is the length of a token newToken returns.
var tokenLen = base64.RawURLEncoding.EncodedLen(32)

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sameToken compares tokens in constant time; empty never matches.
func sameToken(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// loginView is the login page's content.
type loginView struct {
	Username string
	Next     string
	CSRF     string
	Error    string
	Notice   string
}

// handleLoginPage shows the login form, or sends a signed-in staff member on.
func (p *Panel) handleLoginPage(w http.ResponseWriter, r *http.Request) error {
	s, err := p.session(r)
	if err != nil {
		return err
	}
	if s != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	v := &loginView{Next: r.URL.Query().Get("next")}
	if r.URL.Query().Has("logged_out") {
		v.Notice = msgLoggedOut
	}
	return p.renderLogin(w, r, http.StatusOK, v)
}

// renderLogin shows the login form with a fresh CSRF token in its cookie.
func (p *Panel) renderLogin(w http.ResponseWriter, r *http.Request, status int, v *loginView) error {
	// The token of an earlier login page is kept, so that two open login
	// pages both work.
	if c, err := r.Cookie(loginCookie); err == nil && len(c.Value) == tokenLen {
		v.CSRF = c.Value
	} else {
		v.CSRF = newToken()
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: v.CSRF, Path: "/admin/login/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: p.tlsOnly(r), MaxAge: 3600})
	return p.render(w, r, nil, status, "login", "Log in", v)
}

// handleLogin checks a staff member's credentials, throttled as the API's
// login is, and starts a new session.
func (p *Panel) handleLogin(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostForm.Get("csrf_token"), c.Value) {
		return errForbidden(msgCSRF)
	}
	ctx := r.Context()
	v := &loginView{Username: r.PostForm.Get("username"), Next: r.PostForm.Get("next")}
	// Trimmed as the API's login trims them.
	v.Username = trimmed(v.Username)
	pw := trimmed(r.PostForm.Get("password"))
	if v.Username == "" || pw == "" || strings.ContainsRune(v.Username+pw, 0) {
		v.Error = msgBadLogin
		return p.renderLogin(w, r, http.StatusOK, v)
	}
	user, wait, err := p.cfg.Login.Login(ctx, p.store, p.hasher, r, v.Username, pw)
	switch {
	case err != nil:
		return err
	case wait > 0:
		v.Error = fmt.Sprintf("Too many failed logins. Try again in %d seconds.", wait)
		return p.renderLogin(w, r, http.StatusTooManyRequests, v)
	case user == nil:
		v.Error = msgBadLogin
		return p.renderLogin(w, r, http.StatusOK, v)
	}
	if !user.IsStaff {
		v.Error = msgNotStaff
		return p.renderLogin(w, r, http.StatusForbidden, v)
	}
	key, now := newToken(), flowtrack.Now()
	as := &flowtrack.AdminSession{KeyHash: hashKey(key), UserID: user.ID, CSRF: newToken(),
		CreatedAt: now, ExpiresAt: now.Add(p.cfg.SessionTTL)}
	if err := p.store.AdminSessionCreate(ctx, as); err != nil {
		return err
	}
	if err := p.store.UserSetLastLogin(ctx, user.ID, now); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: key, Path: "/admin/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: p.tlsOnly(r), Expires: as.ExpiresAt})
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/admin/login/", MaxAge: -1})
	http.Redirect(w, r, safeNext(v.Next), http.StatusSeeOther)
	return nil
}

// tlsOnly tells whether cookies must travel over TLS only.
func (p *Panel) tlsOnly(r *http.Request) bool { return p.cfg.SecureCookies || r.TLS != nil }

// safeNext keeps a redirect after login inside the panel: the path is
// checked as the redirect will clean it, so "/admin/../api/" is refused.
func safeNext(next string) string {
	p, _, _ := strings.Cut(next, "?")
	if !strings.HasPrefix(next, "/admin/") || strings.HasPrefix(next, "/admin/login/") ||
		strings.ContainsAny(next, "\\\r\n") || !strings.HasPrefix(path.Clean(p)+"/", "/admin/") {
		return "/admin/"
	}
	return next
}

// handleLogout ends the session.
func (p *Panel) handleLogout(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := p.store.AdminSessionDelete(r.Context(), s.KeyHash); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/admin/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: p.tlsOnly(r)})
	http.Redirect(w, r, "/admin/login/?logged_out=1", http.StatusSeeOther)
	return nil
}

// done records a flash message for the next page and redirects there.
func (p *Panel) done(w http.ResponseWriter, r *http.Request, s *session, to, message string) error {
	if err := p.store.AdminSessionFlash(r.Context(), s.KeyHash, message); err != nil {
		return err
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
