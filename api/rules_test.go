package api_test

// Tests of api.md's general rules through the real router on every
// engine: trailing slashes, unknown paths, methods and Allow, DRF's check
// order, HEAD and OPTIONS, service endpoints, Location, JSON error
// bodies, and concurrent writes.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

const (
	rlListAllow   = "GET, POST, HEAD, OPTIONS"
	rlObjectAllow = "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"
	rlTokenAllow  = "POST, OPTIONS"
	rlMeAllow     = "GET, PATCH, HEAD, OPTIONS"
	rlNotFound    = `{"detail":"Not found."}`
	rlNoCreds     = `{"detail":"Authentication credentials were not provided."}`
)

// rlJSONError checks that an error response has a JSON object body with
// Content-Type application/json.
func rlJSONError(t *testing.T, what string, r *response) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: %d with Content-Type %q, want application/json", what, r.Status, ct)
	}
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil || len(m) == 0 {
		t.Errorf("%s: %d body is not a JSON object: %q", what, r.Status, r.Body)
	}
}

// rlNoRedirect fails on a 3xx.
func rlNoRedirect(t *testing.T, what string, r *response) {
	t.Helper()
	if r.Status >= 300 && r.Status < 400 {
		t.Errorf("%s: redirect %d to %q", what, r.Status, r.Header.Get("Location"))
	}
}

func TestRulesTrailingSlash(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		p, w, task := alice.tree()

		// Reads are identical with and without the final slash.
		for _, path := range []string{"/api/projects/", "/api/workflows/", "/api/tasks/",
			fmt.Sprintf("/api/projects/%d/", p), fmt.Sprintf("/api/workflows/%d/", w), fmt.Sprintf("/api/tasks/%d/", task),
			"/api/auth/me/", fmt.Sprintf("/api/tasks/%d/", task+1000), "/api/tasks/abc/"} {
			with := alice.do("GET", path, nil)
			without := alice.do("GET", strings.TrimSuffix(path, "/"), nil)
			rlNoRedirect(t, path, without)
			if with.Status != without.Status || string(with.Body) != string(without.Body) {
				t.Errorf("GET %s: %d %s\nwithout the slash: %d %s", path, with.Status, with.Body, without.Status, without.Body)
			}
			for _, h := range []string{"Content-Type", "Allow", "ETag"} {
				if with.Header.Get(h) != without.Header.Get(h) {
					t.Errorf("GET %s: %s %q, without the slash %q", path, h, with.Header.Get(h), without.Header.Get(h))
				}
			}
		}

		// Writes without the slash keep their body.
		for _, tc := range []struct {
			path string
			body rtM
		}{
			{"/api/projects", rtM{"name": "no slash"}},
			{"/api/workflows", rtM{"project": p, "name": "no slash"}},
			{"/api/tasks", rtM{"workflow": w, "title": "no slash"}},
		} {
			r := alice.do("POST", tc.path, tc.body)
			rlNoRedirect(t, tc.path, r)
			if r.Status != http.StatusCreated {
				t.Fatalf("POST %s: %d %s", tc.path, r.Status, r.Body)
			}
			id := rtInt(t, r.field("id"))
			if loc, want := r.Header.Get("Location"), fmt.Sprintf("%s/%d/", tc.path, id); loc != want {
				t.Errorf("POST %s: Location %q, want %q", tc.path, loc, want)
			}
			obj := strings.TrimSuffix(r.Header.Get("Location"), "/")
			for k, v := range tc.body {
				if got := rtGetField(t, alice, obj, k); fmt.Sprint(got) != fmt.Sprint(v) {
					t.Errorf("POST %s: %s = %v, want %v", tc.path, k, got, v)
				}
			}
			if r := alice.do("PATCH", obj, rtM{"name": "patched", "title": "patched"}); r.Status != 200 {
				t.Errorf("PATCH %s: %d %s", obj, r.Status, r.Body)
			} else if r.field("name") != "patched" && r.field("title") != "patched" {
				t.Errorf("PATCH %s lost its body: %s", obj, r.Body)
			}
			put := rtMerge(tc.body, rtM{"name": "put", "title": "put"})
			if r := alice.do("PUT", obj, put); r.Status != 200 {
				t.Errorf("PUT %s: %d %s", obj, r.Status, r.Body)
			}
			rtNoContent(t, alice.do("DELETE", obj, nil))
		}

		// The auth endpoints too.
		r := e.do("POST", "/api/auth/register", rtM{"username": "carol", "email": "carol@example.com", "password": "pass-carol-Secret9"})
		if r.Status != http.StatusCreated {
			t.Errorf("register without slash: %d %s", r.Status, r.Body)
		}
		r = e.do("POST", "/api/auth/login", rtM{"username": "carol", "password": "pass-carol-Secret9"})
		r.want(t, 200, `{"refresh":"<jwt>","access":"<jwt>"}`)
		refresh, _ := r.field("refresh").(string)
		access, _ := r.field("access").(string)
		e.do("POST", "/api/auth/verify", rtM{"token": access}).want(t, 200, `{}`)
		r = e.do("POST", "/api/auth/refresh", rtM{"refresh": refresh})
		r.want(t, 200, `{"access":"<jwt>","refresh":"<jwt>"}`)
		refresh, _ = r.field("refresh").(string)
		e.do("POST", "/api/auth/logout", rtM{"refresh": refresh}).want(t, 200, `{}`)

		// Page links are the same whether or not the request had the slash.
		for i := 0; i < 3; i++ {
			alice.create("/api/tasks/", rtM{"workflow": w, "title": fmt.Sprint("x", i)})
		}
		with := alice.do("GET", "/api/tasks/?page=2&page_size=1", nil)
		without := alice.do("GET", "/api/tasks?page=2&page_size=1", nil)
		if string(with.Body) != string(without.Body) {
			t.Errorf("paginated list not served identically without the slash:\n  %s\n  %s", with.Body, without.Body)
		}
	})
}

func TestRulesUnknownPaths(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		p, _, _ := alice.tree()
		paths := []string{"/", "/nope", "/nope/", "/api/nope/", "/api/nope", "/api/projectsx/", "/api/auth/", "/api/auth/nope/",
			fmt.Sprintf("/api/projects/%d/extra/", p), fmt.Sprintf("/api/projects/%d/extra", p), "/api/tasks/1/2/",
			"/API/projects/", "/favicon.ico", "/healthz/extra", "/static/app.js"}
		for _, path := range paths {
			for _, method := range []string{"GET", "POST", "DELETE", "PATCH"} {
				for _, r := range []*response{e.do(method, path, nil), alice.do(method, path, nil)} {
					r.want(t, http.StatusNotFound, rlNotFound)
					rlNoRedirect(t, path, r)
				}
			}
		}
		// An object id that is not a number is DRF's bare 404; a number
		// that names no object is the model's 404.
		for _, path := range []string{"/api/projects/abc/", "/api/workflows/1x/", "/api/tasks/%20/", "/api/tasks/abc"} {
			alice.do("GET", path, nil).want(t, http.StatusNotFound, rlNotFound)
			alice.do("DELETE", path, nil).want(t, http.StatusNotFound, rlNotFound)
		}
		for _, path := range []string{"/api/projects/0/", "/api/projects/-1/", "/api/projects/99999999999999999999/"} {
			alice.do("GET", path, nil).want(t, http.StatusNotFound, `{"detail":"No Project matches the given query."}`)
		}
	})
}

func TestRulesMethodNotAllowed(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		p, w, task := alice.tree()
		type call struct {
			path, allow string
			methods     []string
			anonymous   bool
		}
		calls := []call{
			{"/api/projects/", rlListAllow, []string{"PUT", "PATCH", "DELETE"}, false},
			{"/api/workflows/", rlListAllow, []string{"PUT", "PATCH", "DELETE"}, false},
			{"/api/tasks/", rlListAllow, []string{"PUT", "PATCH", "DELETE"}, false},
			{"/api/tasks", rlListAllow, []string{"PATCH"}, false},
			{fmt.Sprintf("/api/projects/%d/", p), rlObjectAllow, []string{"POST"}, false},
			{fmt.Sprintf("/api/workflows/%d/", w), rlObjectAllow, []string{"POST"}, false},
			{fmt.Sprintf("/api/tasks/%d/", task), rlObjectAllow, []string{"POST"}, false},
			{fmt.Sprintf("/api/tasks/%d", task), rlObjectAllow, []string{"POST"}, false},
			// The method is checked before the object is looked up.
			{fmt.Sprintf("/api/tasks/%d/", task+1000), rlObjectAllow, []string{"POST"}, false},
			{"/api/auth/me/", rlMeAllow, []string{"POST", "PUT", "DELETE"}, false},
			{"/api/auth/password/", rlTokenAllow, []string{"GET", "PUT", "PATCH", "DELETE"}, false},
		}
		for _, path := range []string{"/api/auth/register/", "/api/auth/login/", "/api/auth/refresh/", "/api/auth/verify/", "/api/auth/logout/", "/api/auth/login"} {
			calls = append(calls, call{path, rlTokenAllow, []string{"GET", "PUT", "PATCH", "DELETE"}, true})
		}
		for _, c := range calls {
			for _, method := range c.methods {
				var r *response
				if c.anonymous {
					r = e.do(method, c.path, nil)
				} else {
					r = alice.do(method, c.path, nil)
				}
				r.want(t, http.StatusMethodNotAllowed, jsonf(`{"detail":"Method \"%s\" not allowed."}`, method))
				if got := r.Header.Get("Allow"); got != c.allow {
					t.Errorf("%s %s: Allow %q, want %q", method, c.path, got, c.allow)
				}
			}
		}
		// A method HTTP does not know is named as sent.
		r := alice.do("FOO", "/api/projects/", nil)
		r.want(t, http.StatusMethodNotAllowed, `{"detail":"Method \"FOO\" not allowed."}`)
		if got := r.Header.Get("Allow"); got != rlListAllow {
			t.Errorf("FOO: Allow %q", got)
		}
		// DRF sends Allow on every answer of a view, not only on 405.
		for _, r := range []*response{
			alice.do("GET", "/api/projects/", nil),
			alice.do("POST", "/api/projects/", rtM{"name": "x"}),
			alice.do("POST", "/api/projects/", rtM{}),
			e.do("GET", "/api/projects/", nil),
		} {
			if got := r.Header.Get("Allow"); got != rlListAllow {
				t.Errorf("%d answer of /api/projects/: Allow %q, want %q", r.Status, got, rlListAllow)
			}
		}
		if got := alice.do("GET", fmt.Sprintf("/api/tasks/%d/", task), nil).Header.Get("Allow"); got != rlObjectAllow {
			t.Errorf("GET task: Allow %q", got)
		}
	})
}

func TestRulesCheckOrder(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		p, _, task := alice.tree()
		bobP, _, _ := bob.tree()
		missing := fmt.Sprintf("/api/projects/%d/", bobP+1000)
		bobs := fmt.Sprintf("/api/projects/%d/", bobP)
		mine := fmt.Sprintf("/api/projects/%d/", p)

		// Authentication before the method check.
		for _, method := range []string{"DELETE", "PUT", "PATCH"} {
			r := e.do(method, "/api/projects/", nil)
			r.want(t, http.StatusUnauthorized, rlNoCreds)
			if got := r.Header.Get("WWW-Authenticate"); got != `Bearer realm="api"` {
				t.Errorf("anonymous %s: WWW-Authenticate %q", method, got)
			}
			alice.do(method, "/api/projects/", nil).want(t, http.StatusMethodNotAllowed, jsonf(`{"detail":"Method \"%s\" not allowed."}`, method))
		}
		e.do("POST", mine, nil).want(t, http.StatusUnauthorized, rlNoCreds)
		e.do("PUT", "/api/auth/me/", nil).want(t, http.StatusUnauthorized, rlNoCreds)
		r := e.do("DELETE", "/api/projects/", nil, "Authorization", "Bearer not-a-token")
		if r.Status != http.StatusUnauthorized || r.field("code") != "token_not_valid" {
			t.Errorf("bad token with a wrong method: %d %s", r.Status, r.Body)
		}

		// Method before lookup: POST on a missing object is 405.
		alice.do("POST", missing, rtM{"name": "x"}).want(t, http.StatusMethodNotAllowed, `{"detail":"Method \"POST\" not allowed."}`)

		// Lookup before body parsing and validation.
		gone := `{"detail":"No Project matches the given query."}`
		for _, path := range []string{missing, bobs} {
			for _, method := range []string{"PUT", "PATCH"} {
				alice.do(method, path, `{"name":`).want(t, http.StatusNotFound, gone)
				alice.do(method, path, "name=x", "Content-Type", "text/plain").want(t, http.StatusNotFound, gone)
				alice.do(method, path, "[1]").want(t, http.StatusNotFound, gone)
				alice.do(method, path, rtM{"name": ""}).want(t, http.StatusNotFound, gone)
				alice.do(method, path, strings.Repeat("x", 2<<20)).want(t, http.StatusNotFound, gone)
			}
			alice.do("DELETE", path, "junk", "Content-Type", "text/plain").want(t, http.StatusNotFound, gone)
		}
		alice.do("PUT", fmt.Sprintf("/api/tasks/%d/", task+1000), "x", "Content-Type", "text/plain").
			want(t, http.StatusNotFound, `{"detail":"No Task matches the given query."}`)

		// On an existing object: body parsing, then validation.
		before := alice.do("GET", mine, nil)
		for _, method := range []string{"PUT", "PATCH"} {
			alice.do(method, mine, "name=x", "Content-Type", "text/plain").
				want(t, http.StatusUnsupportedMediaType, `{"detail":"Unsupported media type \"text/plain\" in request."}`)
			alice.do(method, mine, `{"name":"x"}`, "Content-Type", "text/plain; charset=utf-8").
				want(t, http.StatusUnsupportedMediaType, `{"detail":"Unsupported media type \"text/plain; charset=utf-8\" in request."}`)
			alice.do(method, mine, `{"name":"x"}`, "Content-Type", "").
				want(t, http.StatusUnsupportedMediaType, `{"detail":"Unsupported media type \"\" in request."}`)
			r := alice.do(method, mine, `{"name":`)
			r.want(t, http.StatusBadRequest, `{"detail":"<any>"}`)
			if d, _ := r.field("detail").(string); !strings.HasPrefix(d, "JSON parse error - ") {
				t.Errorf("%s bad JSON: detail %q", method, d)
			}
			alice.do(method, mine, "[1]").want(t, http.StatusBadRequest, `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`)
			alice.do(method, mine, "null").want(t, http.StatusBadRequest, `{"non_field_errors":["No data provided"]}`)
			alice.do(method, mine, rtM{"name": " "}).want(t, http.StatusBadRequest, `{"name":["This field may not be blank."]}`)
			alice.do(method, mine, `{"name":"`+strings.Repeat("x", 1<<20)+`"}`).
				want(t, http.StatusRequestEntityTooLarge, `{"detail":"Request body too large."}`)
		}
		if after := alice.do("GET", mine, nil); string(after.Body) != string(before.Body) {
			t.Errorf("rejected writes changed the project:\n  %s\n  %s", before.Body, after.Body)
		}
		// POST: parsing, then validation; an empty body of any type is {}.
		alice.do("POST", "/api/projects/", "x", "Content-Type", "text/plain").
			want(t, http.StatusUnsupportedMediaType, `{"detail":"Unsupported media type \"text/plain\" in request."}`)
		alice.do("POST", "/api/projects/", "", "Content-Type", "text/plain").
			want(t, http.StatusBadRequest, `{"name":["This field is required."]}`)
		alice.do("POST", "/api/projects/", nil).want(t, http.StatusBadRequest, `{"name":["This field is required."]}`)
	})
}

// rlServe starts the API on a real HTTP server, where HEAD bodies are
// handled as on the wire.
func rlServe(t *testing.T, e *env) (*httptest.Server, *http.Client) {
	srv := httptest.NewServer(e.api)
	t.Cleanup(srv.Close)
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return srv, client
}

// rlSend sends a request to a real server.
func rlSend(t *testing.T, srv *httptest.Server, client *http.Client, method, path, access string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if access != "" {
		req.Header.Set("Authorization", "Bearer "+access)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func TestRulesHead(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		p, _, task := alice.tree()
		srv, client := rlServe(t, e)
		for _, tc := range []struct {
			path, access string
		}{
			{"/api/projects/", alice.Access},
			{"/api/tasks/?page=1&page_size=1", alice.Access},
			{fmt.Sprintf("/api/projects/%d/", p), alice.Access},
			{fmt.Sprintf("/api/tasks/%d", task), alice.Access},
			{fmt.Sprintf("/api/tasks/%d/", task+1000), alice.Access},
			{"/api/tasks/?page=9", alice.Access},
			{"/api/auth/me/", alice.Access},
			{"/api/projects/", ""},
			{"/api/nope/", ""},
			{"/healthz", ""},
			{"/readyz", ""},
		} {
			get, getBody := rlSend(t, srv, client, "GET", tc.path, tc.access)
			head, headBody := rlSend(t, srv, client, "HEAD", tc.path, tc.access)
			if head.StatusCode != get.StatusCode {
				t.Errorf("HEAD %s: %d, GET %d", tc.path, head.StatusCode, get.StatusCode)
			}
			if len(headBody) != 0 {
				t.Errorf("HEAD %s has a body: %q", tc.path, headBody)
			}
			if len(getBody) == 0 {
				t.Errorf("GET %s has no body", tc.path)
			}
			for k := range rlHeaderKeys(get.Header, head.Header) {
				if k == "Date" || k == "X-Request-Id" {
					continue
				}
				if g, h := strings.Join(get.Header[k], ", "), strings.Join(head.Header[k], ", "); g != h {
					t.Errorf("HEAD %s: header %s %q, GET %q", tc.path, k, h, g)
				}
			}
		}
		// Through the router directly, HEAD has GET's status and headers.
		path := fmt.Sprintf("/api/tasks/%d/", task)
		get, head := alice.do("GET", path, nil), alice.do("HEAD", path, nil)
		if get.Status != head.Status || get.Header.Get("ETag") != head.Header.Get("ETag") ||
			get.Header.Get("Content-Type") != head.Header.Get("Content-Type") || get.Header.Get("Allow") != head.Header.Get("Allow") {
			t.Errorf("HEAD %s: %d %v; GET %d %v", path, head.Status, head.Header, get.Status, get.Header)
		}
	})
}

// rlHeaderKeys returns the header names of a and b.
func rlHeaderKeys(a, b http.Header) map[string]bool {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return keys
}

func TestRulesOptions(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		p, _, task := alice.tree()
		for _, tc := range []struct {
			path, allow, name string
			anonymous         bool
		}{
			{"/api/projects/", rlListAllow, "Project List", false},
			{"/api/workflows/", rlListAllow, "Workflow List", false},
			{"/api/tasks", rlListAllow, "Task List", false},
			{fmt.Sprintf("/api/projects/%d/", p), rlObjectAllow, "Project Instance", false},
			{fmt.Sprintf("/api/tasks/%d/", task), rlObjectAllow, "Task Instance", false},
			{fmt.Sprintf("/api/tasks/%d/", task+1000), rlObjectAllow, "Task Instance", false},
			{"/api/auth/me/", rlMeAllow, "", false},
			{"/api/auth/password/", rlTokenAllow, "", false},
			{"/api/auth/login/", rlTokenAllow, "", true},
			{"/api/auth/register/", rlTokenAllow, "", true},
			{"/api/auth/refresh/", rlTokenAllow, "", true},
			{"/api/auth/verify/", rlTokenAllow, "", true},
			{"/api/auth/logout", rlTokenAllow, "", true},
		} {
			var r *response
			if tc.anonymous {
				r = e.do("OPTIONS", tc.path, nil)
			} else {
				r = alice.do("OPTIONS", tc.path, nil)
			}
			if r.Status != http.StatusOK {
				t.Errorf("OPTIONS %s: %d %s", tc.path, r.Status, r.Body)
				continue
			}
			if got := r.Header.Get("Allow"); got != tc.allow {
				t.Errorf("OPTIONS %s: Allow %q, want %q", tc.path, got, tc.allow)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("OPTIONS %s: Content-Type %q", tc.path, ct)
			}
			o := rtObject(t, r)
			if tc.name != "" && o["name"] != tc.name {
				t.Errorf("OPTIONS %s: name %v, want %q", tc.path, o["name"], tc.name)
			}
		}
		// Authentication applies to OPTIONS.
		for _, path := range []string{"/api/projects/", fmt.Sprintf("/api/tasks/%d/", task), "/api/auth/me/"} {
			r := e.do("OPTIONS", path, nil)
			r.want(t, http.StatusUnauthorized, rlNoCreds)
			if got := r.Header.Get("WWW-Authenticate"); got != `Bearer realm="api"` {
				t.Errorf("anonymous OPTIONS %s: WWW-Authenticate %q", path, got)
			}
		}
	})
}

func TestRulesServiceEndpoints(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		for _, path := range []string{"/healthz", "/readyz"} {
			for _, auth := range []string{"", "Bearer not-a-token"} {
				r := e.do("GET", path, nil, "Authorization", auth)
				if r.Status != http.StatusOK {
					t.Errorf("GET %s (Authorization %q): %d %s", path, auth, r.Status, r.Body)
				}
				if ct := r.Header.Get("Content-Type"); ct != "application/json" || !json.Valid(r.Body) {
					t.Errorf("GET %s: Content-Type %q body %q", path, ct, r.Body)
				}
			}
		}
	})
}

func TestRulesLocationOnCreated(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		r := e.do("POST", "/api/auth/register/", rtM{"username": "dave", "email": "dave@example.com", "password": "pass-dave-Secret9"})
		if r.Status != http.StatusCreated || r.Header.Get("Location") == "" {
			t.Errorf("register: %d Location %q", r.Status, r.Header.Get("Location"))
		}
		alice := e.user("alice")
		p := alice.create("/api/projects/", rtM{"name": "P"})
		w := alice.create("/api/workflows/", rtM{"project": p, "name": "W"})
		for _, tc := range []struct {
			path string
			body rtM
		}{
			{"/api/projects/", rtM{"name": "P2"}},
			{"/api/workflows/", rtM{"project": p, "name": "W2"}},
			{"/api/tasks/", rtM{"workflow": w, "title": "T2"}},
			{"/api/tasks", rtM{"workflow": w, "title": "T3"}},
		} {
			r := alice.do("POST", tc.path, tc.body)
			if r.Status != http.StatusCreated {
				t.Fatalf("POST %s: %d %s", tc.path, r.Status, r.Body)
			}
			base := strings.TrimSuffix(tc.path, "/") + "/"
			want := fmt.Sprintf("%s%d/", base, rtInt(t, r.field("id")))
			if loc := r.Header.Get("Location"); loc != want {
				t.Errorf("POST %s: Location %q, want %q", tc.path, loc, want)
			}
			g := alice.do("GET", r.Header.Get("Location"), nil)
			if g.Status != 200 || string(g.Body) != string(r.Body) {
				t.Errorf("GET Location %s: %d %s, created %s", r.Header.Get("Location"), g.Status, g.Body, r.Body)
			}
		}
	})
}

func TestRulesErrorBodiesAreJSON(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		p, _, _ := alice.tree()
		obj := fmt.Sprintf("/api/projects/%d/", p)
		for _, tc := range []struct {
			what   string
			r      *response
			status int
			want   string
		}{
			{"bad JSON", alice.do("POST", "/api/projects/", "{"), 400, `{"detail":"<any>"}`},
			{"validation", alice.do("POST", "/api/projects/", rtM{}), 400, `{"name":["This field is required."]}`},
			{"no credentials", e.do("GET", "/api/projects/", nil), 401, rlNoCreds},
			{"bad token", e.do("GET", "/api/projects/", nil, "Authorization", "Bearer x.y.z"), 401,
				`{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid"}]}`},
			{"three-word header", e.do("GET", "/api/projects/", nil, "Authorization", "Bearer a b"), 401,
				`{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`},
			{"unknown path", e.do("GET", "/nowhere", nil), 404, rlNotFound},
			{"unknown API path", alice.do("POST", "/api/nowhere/", rtM{}), 404, rlNotFound},
			{"missing object", alice.do("GET", "/api/tasks/999999/", nil), 404, `{"detail":"No Task matches the given query."}`},
			{"non-numeric id", alice.do("GET", "/api/tasks/x/", nil), 404, rlNotFound},
			{"invalid page", alice.do("GET", "/api/tasks/?page=5", nil), 404, `{"detail":"Invalid page."}`},
			{"method", alice.do("PATCH", "/api/tasks/", nil), 405, `{"detail":"Method \"PATCH\" not allowed."}`},
			{"precondition", alice.do("PATCH", obj, rtM{}, "If-Match", `"x"`), 412, `{"detail":"Precondition failed."}`},
			{"too large", alice.do("POST", "/api/projects/", `{"name":"`+strings.Repeat("x", 1<<20)+`"}`), 413, `{"detail":"Request body too large."}`},
			{"media type", alice.do("POST", "/api/projects/", "name=x", "Content-Type", "application/x-www-form-urlencoded"), 415,
				`{"detail":"Unsupported media type \"application/x-www-form-urlencoded\" in request."}`},
			{"no media type", alice.do("POST", "/api/projects/", `{"name":"x"}`, "Content-Type", ""), 415,
				`{"detail":"Unsupported media type \"\" in request."}`},
		} {
			t.Run(tc.what, func(t *testing.T) {
				tc.r.want(t, tc.status, tc.want)
				rlJSONError(t, tc.what, tc.r)
			})
		}
	})
}

func TestRulesServerError(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		e.store.Close() // every query fails from now on
		for _, r := range []*response{
			alice.do("GET", "/api/projects/", nil),
			e.do("POST", "/api/auth/login/", rtM{"username": "alice", "password": alice.Password}),
		} {
			r.want(t, http.StatusInternalServerError, `{"detail":"A server error occurred."}`)
			if s := strings.ToLower(string(r.Body)); strings.Contains(s, "sql") || strings.Contains(s, "closed") {
				t.Errorf("500 body leaks internals: %s", r.Body)
			}
		}
		r := e.do("GET", "/readyz", nil)
		if r.Status != http.StatusServiceUnavailable {
			t.Errorf("/readyz with the database gone: %d %s", r.Status, r.Body)
		}
		rlJSONError(t, "/readyz", r)
		if r := e.do("GET", "/healthz", nil); r.Status != http.StatusOK {
			t.Errorf("/healthz: %d", r.Status)
		}
	})
}

// ---------------------------------------------------------------------
// Concurrency

func TestConcurrentCreates(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		p, w, _ := alice.tree()
		const clients, rounds = 32, 4
		// Every goroutine is its own client: its own login and tokens.
		cs := make([]*client, clients)
		for i := range cs {
			cs[i] = &client{e: e, ID: alice.ID, Username: alice.Username, Password: alice.Password}
			cs[i].login()
		}
		results := make([]*response, clients*rounds)
		for round := 0; round < rounds; round++ {
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, c := range cs {
				wg.Add(1)
				go func(k int, c *client) {
					defer wg.Done()
					<-start
					results[k] = c.do("POST", "/api/tasks/", rtM{"workflow": w, "title": fmt.Sprintf("task %d", k)})
				}(round*clients+i, c)
			}
			close(start)
			wg.Wait()
		}
		created, statuses := 0, map[int]int{}
		ids := map[int64]bool{}
		for k, r := range results {
			statuses[r.Status]++
			if r.Status != http.StatusCreated {
				if k < 5 || r.Status == 500 {
					t.Errorf("create %d: %d %s", k, r.Status, r.Body)
				}
				continue
			}
			created++
			var o rtM
			json.Unmarshal(r.Body, &o)
			id := rtInt(t, o["id"])
			if ids[id] {
				t.Errorf("id %d given twice", id)
			}
			ids[id] = true
			if o["title"] != fmt.Sprintf("task %d", k) {
				t.Errorf("create %d answered %s", k, r.Body)
			}
		}
		if created != clients*rounds {
			t.Errorf("%d of %d creates answered 201; statuses %v", created, clients*rounds, statuses)
		}
		// None lost: the list and the counts hold every 201.
		pg := rtList(t, alice, "/api/tasks/?page_size=100")
		if pg.Count != created+1 {
			t.Errorf("list count %d, want %d (the tree's task and %d created)", pg.Count, created+1, created)
		}
		seen := map[int64]bool{}
		for page := 1; page <= (pg.Count+99)/100; page++ {
			for _, id := range rtIDs(t, rtList(t, alice, fmt.Sprintf("/api/tasks/?page_size=100&page=%d", page))) {
				seen[id] = true
			}
		}
		for id := range ids {
			if !seen[id] {
				t.Errorf("created task %d is not in the list", id)
			}
		}
		if n := rtInt(t, rtGetField(t, alice, fmt.Sprintf("/api/workflows/%d/", w), "task_count")); n != int64(created+1) {
			t.Errorf("workflow task_count %d, want %d", n, created+1)
		}
		if c := rtCounts(t, alice, p); c != [2]int64{1, int64(created + 1)} {
			t.Errorf("project counts %v, want [1 %d]", c, created+1)
		}
	})
}

func TestConcurrentIfMatch(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		_, _, task := alice.tree()
		path := fmt.Sprintf("/api/tasks/%d/", task)
		etag := rtETag(t, alice.do("GET", path, nil))
		const clients = 32
		results := make([]*response, clients)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := 0; i < clients; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				results[i] = alice.do("PATCH", path, rtM{"title": fmt.Sprint("writer ", i)}, "If-Match", etag)
			}(i)
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, r := range results {
			switch r.Status {
			case http.StatusOK:
				if winner >= 0 {
					t.Errorf("writers %d and %d both succeeded with If-Match %s", winner, i, etag)
				}
				winner = i
			case http.StatusPreconditionFailed:
				r.want(t, http.StatusPreconditionFailed, `{"detail":"Precondition failed."}`)
			default:
				t.Errorf("writer %d: %d %s", i, r.Status, r.Body)
			}
		}
		if winner < 0 {
			t.Fatalf("no writer succeeded")
		}
		if got := rtGetField(t, alice, path, "title"); got != fmt.Sprint("writer ", winner) {
			t.Errorf("title %v, want the winner's %q", got, fmt.Sprint("writer ", winner))
		}
	})
}
