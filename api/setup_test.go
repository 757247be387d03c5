package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

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
	storetest.EachEngine(t, func(t *testing.T, engine string) { f(t, setup(t, engine)) })
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
	r := &response{Status: res.StatusCode, Header: res.Header, Body: b}
	checkOpenAPI(e.t, e.api, req, r)
	return r
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

// The OpenAPI document, loaded once per test binary from /api/schema/ of
// the first API that answers a request, with its router.
var openAPI struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

// loadOpenAPI returns the document h serves, validated as OpenAPI 3.1.
func loadOpenAPI(h http.Handler) (*openapi3.T, routers.Router, error) {
	openAPI.once.Do(func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/schema/", nil))
		if rec.Code != http.StatusOK {
			openAPI.err = fmt.Errorf("GET /api/schema/: %d %s", rec.Code, rec.Body)
			return
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(rec.Body.Bytes())
		if err != nil {
			openAPI.err = fmt.Errorf("load the OpenAPI document: %w", err)
			return
		}
		if err := doc.Validate(loader.Context); err != nil {
			openAPI.err = fmt.Errorf("the OpenAPI document is invalid: %w", err)
			return
		}
		// The document's server is "/", so the router matches the paths of
		// the tests' requests whatever their host.
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			openAPI.err = fmt.Errorf("route the OpenAPI document: %w", err)
			return
		}
		openAPI.doc, openAPI.router = doc, router
	})
	return openAPI.doc, openAPI.router, openAPI.err
}

// checkOpenAPI fails the test if the response to req is not one the
// OpenAPI document describes: a status the operation does not list, a
// missing required header, or a body that does not match its schema.
// Only the API's paths (/api/...) and the health checks are checked; any
// other path is the web app's or the admin's, which the document does not
// describe.
//
// No request in that range is skipped:
//   - a path without its final slash is checked as the path with it, as
//     the server serves it;
//   - a path no documented route matches (/api/nothing/, /api/projects//)
//     must be the generic 404 `{"detail": "Not found."}`;
//   - a method a documented path does not list must be its 405 (with
//     Allow), or one of the errors of the checks that run before the
//     method's, which are the OPTIONS operation's errors;
//   - HEAD is checked as GET (see validateOpenAPI).
func checkOpenAPI(t testing.TB, h http.Handler, req *http.Request, r *response) {
	t.Helper()
	p := req.URL.Path
	if !strings.HasPrefix(p, "/api/") && p != "/api" && p != "/healthz" && p != "/readyz" {
		return
	}
	doc, router, err := loadOpenAPI(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := validateOpenAPI(doc, router, req, r); err != nil {
		body := string(r.Body)
		if len(body) > 2000 {
			body = body[:2000] + "..."
		}
		t.Errorf("%s %s: the response does not match the OpenAPI document:\n%v\ngot %d %v\n%s",
			req.Method, req.URL, err, r.Status, r.Header, body)
	}
}

// validateOpenAPI checks one response against the document.
func validateOpenAPI(doc *openapi3.T, router routers.Router, req *http.Request, r *response) error {
	route, params, err := findOpenAPIRoute(router, req)
	switch {
	case errors.Is(err, routers.ErrPathNotFound):
		// No documented path matches: such a path (unknown, or with a
		// character no route takes) must answer the generic 404 body.
		route = &routers.Route{Spec: doc, Path: req.URL.Path, PathItem: &openapi3.PathItem{}, Method: req.Method,
			Operation: pseudoOperation(map[int]*openapi3.ResponseRef{404: componentResponse(doc, "NotFound")})}
	case errors.Is(err, routers.ErrMethodNotAllowed):
		// A documented path, a method it does not list. The server runs the
		// same checks before its method check as before OPTIONS (401, the
		// registration gate's 403, a dotted id's 404), so the answer is one
		// of the OPTIONS operation's errors or the generic 405.
		route, params, err = findOpenAPIRoute(router, withMethod(req, http.MethodOptions))
		if err != nil {
			return fmt.Errorf("no OPTIONS operation for %s: %w", req.URL.Path, err)
		}
		statuses := map[int]*openapi3.ResponseRef{405: componentResponse(doc, "MethodNotAllowed")}
		for code, ref := range route.Operation.Responses.Map() {
			if code != "200" {
				n, _ := strconv.Atoi(code)
				statuses[n] = ref
			}
		}
		route.Method = req.Method
		route.Operation = pseudoOperation(statuses)
	case err != nil:
		return err
	}
	def := route.Operation.Responses.Status(r.Status)
	if def == nil {
		return fmt.Errorf("status %d is not documented for %s %s", r.Status, req.Method, route.Path)
	}
	validated := req
	if req.Method == http.MethodHead {
		// kin-openapi skips HEAD responses. HEAD answers as GET, and the
		// recorder keeps the body a real server would drop, so the headers
		// and body are checked as GET's.
		validated = withMethod(req, http.MethodGet)
		if get := route.PathItem.Get; get != nil && route.Operation == route.PathItem.Head {
			if def = get.Responses.Status(r.Status); def == nil {
				return fmt.Errorf("HEAD %s: status %d is not documented for GET", route.Path, r.Status)
			}
			copied := *route
			copied.Method, copied.Operation = http.MethodGet, get
			route = &copied
		}
	}
	if len(def.Value.Content) == 0 && len(r.Body) > 0 && req.Method != http.MethodHead {
		return fmt.Errorf("status %d of %s %s has no body, got %d bytes", r.Status, req.Method, route.Path, len(r.Body))
	}
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: validated, PathParams: params, Route: route},
		Status:                 r.Status,
		Header:                 r.Header,
		Body:                   io.NopCloser(bytes.NewReader(r.Body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
}

// findOpenAPIRoute finds the operation of a request. The server answers a
// path without its final slash as the path with it, and the document lists
// only the latter.
func findOpenAPIRoute(router routers.Router, req *http.Request) (*routers.Route, map[string]string, error) {
	route, params, err := router.FindRoute(req)
	if errors.Is(err, routers.ErrPathNotFound) && strings.HasPrefix(req.URL.Path, "/api/") && !strings.HasSuffix(req.URL.Path, "/") {
		slashed := req.Clone(req.Context())
		u := *req.URL
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
		slashed.URL = &u
		route, params, err = router.FindRoute(slashed)
	}
	return route, params, err
}

// withMethod is a copy of req with another method.
func withMethod(req *http.Request, method string) *http.Request {
	c := req.Clone(req.Context())
	c.Method = method
	return c
}

// pseudoOperation is an operation that answers only the given statuses.
func pseudoOperation(statuses map[int]*openapi3.ResponseRef) *openapi3.Operation {
	responses := openapi3.NewResponses()
	for code, ref := range statuses {
		responses.Set(strconv.Itoa(code), ref)
	}
	return &openapi3.Operation{Responses: responses}
}

// componentResponse is a response of the document's components.
func componentResponse(doc *openapi3.T, name string) *openapi3.ResponseRef {
	ref := doc.Components.Responses[name]
	if ref == nil {
		panic("the OpenAPI document has no response " + name)
	}
	return ref
}
