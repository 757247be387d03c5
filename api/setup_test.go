package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flowtrack/flowtrack/api"
	"github.com/flowtrack/flowtrack/password"
	"github.com/flowtrack/flowtrack/sqlstore"
	"github.com/flowtrack/flowtrack/storetest"
	"github.com/flowtrack/flowtrack/token"
)

// testKey signs the tokens of the test servers.
var testKey = []byte("test-secret-key-of-at-least-32-bytes!")

// fastHash keeps the tests quick; production uses password.OWASP.
var fastHash = password.Params{Memory: 64, Time: 1, Threads: 1}

// env is a FlowTrack API on a fresh database of one engine.
type env struct {
	t      *testing.T
	engine string
	store  *sqlstore.DB
	tokens *token.Issuer
	api    http.Handler
}

// engines runs f as a parallel subtest on every engine under test.
func engines(t *testing.T, f func(t *testing.T, e *env)) {
	t.Helper()
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			f(t, setup(t, engine))
		})
	}
}

// setup starts the real API router on a fresh store; change adjusts the
// configuration.
func setup(t *testing.T, engine string, change ...func(*api.Config)) *env {
	t.Helper()
	cfg := api.DefaultConfig
	for _, c := range change {
		c(&cfg)
	}
	store := storetest.Open(t, engine)
	tokens := token.NewIssuer(testKey, 5*time.Minute, 24*time.Hour)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := api.NewServer(store, tokens, password.NewHasher(fastHash, 4), log, cfg)
	return &env{t: t, engine: engine, store: store, tokens: tokens, api: h}
}

// response is a recorded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// do sends a request through the router. body is nil (no body), a string
// (sent as is) or a value sent as JSON; headers are name, value pairs.
// Content-Type defaults to application/json when there is a body.
func (e *env) do(method, path string, body any, headers ...string) *response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "RemoteAddr" {
			req.RemoteAddr = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		}
	}
	rec := httptest.NewRecorder()
	e.api.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return &response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// client is a registered, logged-in user.
type client struct {
	e        *env
	ID       int64
	Username string
	Password string
	Access   string
	Refresh  string
}

// user registers and logs in a user with a password derived from name.
func (e *env) user(name string) *client {
	e.t.Helper()
	c := &client{e: e, Username: name, Password: "pass-" + name + "-Secret9"}
	r := e.do("POST", "/api/auth/register/", map[string]string{
		"username": name, "email": name + "@example.com", "password": c.Password})
	if r.Status != http.StatusCreated {
		e.t.Fatalf("register %s: %d %s", name, r.Status, r.Body)
	}
	var reg struct{ ID int64 }
	json.Unmarshal(r.Body, &reg)
	c.ID = reg.ID
	c.login()
	return c
}

// login obtains a new token pair for the client.
func (c *client) login() {
	c.e.t.Helper()
	r := c.e.do("POST", "/api/auth/login/", map[string]string{"username": c.Username, "password": c.Password})
	if r.Status != http.StatusOK {
		c.e.t.Fatalf("login %s: %d %s", c.Username, r.Status, r.Body)
	}
	var pair struct{ Access, Refresh string }
	json.Unmarshal(r.Body, &pair)
	c.Access, c.Refresh = pair.Access, pair.Refresh
}

// do sends a request with the client's access token.
func (c *client) do(method, path string, body any, headers ...string) *response {
	c.e.t.Helper()
	return c.e.do(method, path, body, append([]string{"Authorization", "Bearer " + c.Access}, headers...)...)
}

// create posts an object and returns its id, failing the test unless 201.
func (c *client) create(path string, body any) int64 {
	c.e.t.Helper()
	r := c.do("POST", path, body)
	if r.Status != http.StatusCreated {
		c.e.t.Fatalf("POST %s: %d %s", path, r.Status, r.Body)
	}
	var obj struct{ ID int64 }
	json.Unmarshal(r.Body, &obj)
	return obj.ID
}

// tree creates a project with one workflow holding one task.
func (c *client) tree() (project, workflow, task int64) {
	project = c.create("/api/projects/", map[string]any{"name": "P of " + c.Username})
	workflow = c.create("/api/workflows/", map[string]any{"project": project, "name": "W"})
	task = c.create("/api/tasks/", map[string]any{"workflow": workflow, "title": "T"})
	return
}

// Placeholders a wanted body may use for values a test cannot know.
const (
	anyStamp = "<timestamp>" // a DRF timestamp
	anyToken = "<jwt>"       // a JWT
	anyValue = "<any>"       // anything
)

var (
	stampPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$`)
	jwtPattern   = regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`)
)

// want checks the status and that the body is exactly the JSON of want,
// but for placeholders.
func (r *response) want(t *testing.T, status int, want string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	if want == "" {
		if len(r.Body) != 0 {
			t.Fatalf("body %q, want none", r.Body)
		}
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var got, exp any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatalf("body is not JSON: %q", r.Body)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("bad wanted JSON %q: %v", want, err)
	}
	if !matchJSON(got, exp) {
		t.Fatalf("body\n  %s\nwant\n  %s", r.Body, want)
	}
}

func matchJSON(got, want any) bool {
	switch w := want.(type) {
	case string:
		s, ok := got.(string)
		switch w {
		case anyValue:
			return true
		case anyStamp:
			return ok && stampPattern.MatchString(s)
		case anyToken:
			return ok && jwtPattern.MatchString(s)
		}
		return ok && s == w
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !matchJSON(gv, wv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !matchJSON(g[i], w[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(got, want)
}

// field returns one top-level field of a JSON object body.
func (r *response) field(name string) any {
	var m map[string]any
	json.Unmarshal(r.Body, &m)
	return m[name]
}

// jsonf formats a wanted body.
func jsonf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
