package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowtrack/flowtrack"
	"github.com/flowtrack/flowtrack/admin"
	"github.com/flowtrack/flowtrack/api"
	"github.com/flowtrack/flowtrack/password"
	"github.com/flowtrack/flowtrack/sqlstore"
	"github.com/flowtrack/flowtrack/storetest"
	"github.com/flowtrack/flowtrack/token"
)

// fastHash keeps the tests quick; production uses password.OWASP.
var fastHash = password.Params{Memory: 64, Time: 1, Threads: 1}

// env is the panel and the API, mounted as `flowtrack serve` mounts them,
// on a real listener over a fresh database of one engine.
type env struct {
	t      *testing.T
	engine string
	store  *sqlstore.DB
	url    string
}

// engines runs f as a parallel subtest on every engine under test;
// change adjusts the panel's configuration.
func engines(t *testing.T, f func(t *testing.T, e *env), change ...func(*admin.Config)) {
	t.Helper()
	storetest.EachEngine(t, func(t *testing.T, engine string) { f(t, setup(t, engine, change...)) })
}

// setup starts the server on a fresh store; change adjusts the panel's
// configuration.
func setup(t *testing.T, engine string, change ...func(*admin.Config)) *env {
	t.Helper()
	cfg := admin.DefaultConfig
	for _, c := range change {
		c(&cfg)
	}
	store := storetest.Open(t, engine)
	hasher := password.NewHasher(fastHash, 4)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tokens := token.NewIssuer([]byte("test-secret-key-of-at-least-32-bytes!"), 5*time.Minute, 24*time.Hour)
	mux := http.NewServeMux()
	mux.Handle("/admin/", admin.New(store, hasher, log, cfg))
	mux.Handle("/", api.NewServer(store, tokens, hasher, log, api.DefaultConfig))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{t: t, engine: engine, store: store, url: srv.URL}
}

// passwordOf is the password the tests give a user.
func passwordOf(username string) string { return "pass-" + username + "-Secret9" }

// user creates an active user with the given flags: "staff", "superuser",
// "inactive".
func (e *env) user(username string, flags ...string) *flowtrack.User {
	e.t.Helper()
	hash, err := password.NewHasher(fastHash, 1).Hash(context.Background(), passwordOf(username))
	if err != nil {
		e.t.Fatal(err)
	}
	u := &flowtrack.User{Username: username, Email: username + "@example.com", PasswordHash: hash,
		IsActive: true, DateJoined: flowtrack.Now()}
	for _, f := range flags {
		switch f {
		case "staff":
			u.IsStaff = true
		case "superuser":
			u.IsStaff, u.IsSuperuser = true, true
		case "inactive":
			u.IsActive = false
		default:
			e.t.Fatalf("unknown flag %q", f)
		}
	}
	if err := e.store.UserCreate(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// page is an answer as a browser gets it, redirects not followed.
type page struct {
	Status int
	Header http.Header
	Body   string
}

// browser is one cookie jar talking to the server.
type browser struct {
	e      *env
	client *http.Client
	csrf   string // the session's token, read from its last page
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request; headers are name, value pairs.
func (b *browser) do(method, path string, body io.Reader, headers ...string) *page {
	b.e.t.Helper()
	req, err := http.NewRequest(method, b.e.url+path, body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	p := &page{Status: res.StatusCode, Header: res.Header, Body: string(raw)}
	if m := csrfField.FindStringSubmatch(p.Body); m != nil && !strings.Contains(p.Body, `action="/admin/login/"`) {
		b.csrf = m[1]
	}
	return p
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (b *browser) get(path string) *page {
	b.e.t.Helper()
	return b.do("GET", path, nil)
}

// post sends a form with the session's CSRF token, unless form sets one.
func (b *browser) post(path string, form url.Values) *page {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf_token"]; !ok {
		form.Set("csrf_token", b.csrf)
	}
	return b.do("POST", path, strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
}

// login signs in through the login form and returns the answer to it.
func (b *browser) login(username, password string) *page {
	b.e.t.Helper()
	form := b.get("/admin/login/")
	m := csrfField.FindStringSubmatch(form.Body)
	if m == nil {
		b.e.t.Fatalf("no CSRF token on the login page: %d %s", form.Status, form.Body)
	}
	res := b.post("/admin/login/", url.Values{"csrf_token": {m[1]}, "username": {username}, "password": {password}})
	if res.Status == http.StatusSeeOther {
		b.get("/admin/") // reads the session's CSRF token
	}
	return res
}

// staff returns a browser signed in as a new staff member (superuser
// unless flags say "staff").
func (e *env) staff(username string, flags ...string) (*browser, *flowtrack.User) {
	e.t.Helper()
	if len(flags) == 0 {
		flags = []string{"superuser"}
	}
	u := e.user(username, flags...)
	b := e.browser()
	if res := b.login(username, passwordOf(username)); res.Status != http.StatusSeeOther {
		e.t.Fatalf("login %s: %d %s", username, res.Status, res.Body)
	}
	return b, u
}

// expect fails unless the page has the status, and, when to is set, a
// redirect there.
func (p *page) expect(t *testing.T, status int, to string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("status %d, want %d; Location %q; body:\n%s", p.Status, status, p.Header.Get("Location"), p.Body)
	}
	if to != "" && p.Header.Get("Location") != to {
		t.Fatalf("Location %q, want %q", p.Header.Get("Location"), to)
	}
}

var flashPattern = regexp.MustCompile(`<p class="flash" role="status">([^<]*)</p>`)

// flash is the page's flash message, unescaped.
func (p *page) flash() string {
	m := flashPattern.FindStringSubmatch(p.Body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

var errorPattern = regexp.MustCompile(`<p class="error"(?: role="alert")?>([^<]*)</p>`)

// fieldErrors are the messages shown beside a form field.
func (p *page) fieldErrors(name string) []string {
	for _, chunk := range strings.Split(p.Body, `<div class="field`)[1:] {
		chunk, _, _ = strings.Cut(chunk, "</div>")
		if strings.Contains(chunk, `name="`+name+`"`) {
			return errorsIn(chunk)
		}
	}
	return nil
}

// formErrors are the messages above a form, not tied to a field.
func (p *page) formErrors() []string {
	_, main, _ := strings.Cut(p.Body, "<main>")
	head, _, _ := strings.Cut(main, "<form")
	return errorsIn(head)
}

func errorsIn(s string) []string {
	var out []string
	for _, m := range errorPattern.FindAllStringSubmatch(s, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// value is the value of a form input, unescaped.
func (p *page) value(name string) string {
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" type="[a-z]+" value="([^"]*)"`).FindStringSubmatch(p.Body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// apiClient is a user of the JSON API.
type apiClient struct {
	e               *env
	access, refresh string
}

// api logs a user in on the API.
func (e *env) api(u *flowtrack.User) *apiClient {
	e.t.Helper()
	c := &apiClient{e: e}
	status, body := c.call("POST", "/api/auth/login/", map[string]string{"username": u.Username, "password": passwordOf(u.Username)})
	if status != http.StatusOK {
		e.t.Fatalf("API login %s: %d %s", u.Username, status, body)
	}
	var pair struct{ Access, Refresh string }
	json.Unmarshal(body, &pair)
	c.access, c.refresh = pair.Access, pair.Refresh
	return c
}

// call sends JSON to the API and returns the status and body.
func (c *apiClient) call(method, path string, body any) (int, []byte) {
	c.e.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, c.e.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if c.access != "" {
		req.Header.Set("Authorization", "Bearer "+c.access)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

// create posts an object on the API and returns its id.
func (c *apiClient) create(path string, body any) int64 {
	c.e.t.Helper()
	status, raw := c.call("POST", path, body)
	if status != http.StatusCreated {
		c.e.t.Fatalf("POST %s: %d %s", path, status, raw)
	}
	var obj struct{ ID int64 }
	json.Unmarshal(raw, &obj)
	return obj.ID
}

// object reads an object on the API: its status and fields.
func (c *apiClient) object(path string) (int, map[string]any) {
	c.e.t.Helper()
	status, raw := c.call("GET", path, nil)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return status, m
}

// logEntries are the action log, newest first.
func (e *env) logEntries() []flowtrack.LogEntry {
	e.t.Helper()
	list, _, err := e.store.AdminLogList(context.Background(), flowtrack.AdminQuery{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

func id(v int64) string { return strconv.FormatInt(v, 10) }
