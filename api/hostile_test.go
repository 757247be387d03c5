package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// Hostile bodies and paths: none may produce a 500, and each gets the
// answer api.md (or, where it is silent, DRF) gives.

const parsePrefix = "JSON parse error - "

// expect checks a response without stopping the test: the status, a JSON
// content type, and a body that matches want (with setup_test.go's
// placeholders). want "" means no body.
func expect(t *testing.T, label string, r *response, status int, want string) {
	t.Helper()
	if r.Status >= 500 {
		t.Errorf("%s: server error %d %s", label, r.Status, r.Body)
		return
	}
	if r.Status != status {
		t.Errorf("%s: status %d, want %d; body %.300s", label, r.Status, status, r.Body)
		return
	}
	if want == "" {
		if len(r.Body) != 0 {
			t.Errorf("%s: body %.300q, want none", label, r.Body)
		}
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q", label, ct)
	}
	var got, exp any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Errorf("%s: body is not JSON: %.300q", label, r.Body)
		return
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("%s: bad wanted JSON %q: %v", label, want, err)
	}
	if !matchJSON(got, exp) {
		t.Errorf("%s: body\n  %.500s\nwant\n  %.500s", label, r.Body, want)
	}
}

// expectParseError checks DRF's answer to a body that is not valid JSON:
// 400 {"detail": "JSON parse error - <reason>"}, only the prefix checked.
func expectParseError(t *testing.T, label string, r *response) {
	t.Helper()
	if r.Status != http.StatusBadRequest {
		t.Errorf("%s: status %d, want 400 JSON parse error; body %.300s", label, r.Status, r.Body)
		return
	}
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil || len(body) != 1 {
		t.Errorf("%s: body %.300q, want only a detail", label, r.Body)
		return
	}
	if d, _ := body["detail"].(string); !strings.HasPrefix(d, parsePrefix) || len(d) == len(parsePrefix) {
		t.Errorf("%s: detail %q, want %q and a reason", label, body["detail"], parsePrefix)
	}
}

// mustJSON encodes a wanted body.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// target is an endpoint that parses a JSON body.
type target struct {
	method, path string
	c            *client // nil: anonymous
}

func (tg target) String() string { return tg.method + " " + tg.path }

func (tg target) do(e *env, body any, headers ...string) *response {
	if tg.c == nil {
		return e.do(tg.method, tg.path, body, headers...)
	}
	return tg.c.do(tg.method, tg.path, body, headers...)
}

// hostileEnv is a user with one project, workflow and task, and every
// endpoint that reads a JSON body.
type hostileEnv struct {
	*env
	alice   *client
	p, w, k int64
	targets []target
}

func newHostile(t *testing.T, e *env) *hostileEnv {
	h := &hostileEnv{env: e, alice: e.user("alice")}
	h.p, h.w, h.k = h.alice.tree()
	a := h.alice
	h.targets = []target{
		{"POST", "/api/projects/", a},
		{"POST", "/api/projects", a},
		{"PUT", objectPath("/api/projects/", h.p, true), a},
		{"PATCH", objectPath("/api/projects/", h.p, false), a},
		{"POST", "/api/workflows/", a},
		{"PUT", objectPath("/api/workflows/", h.w, true), a},
		{"PATCH", objectPath("/api/workflows/", h.w, true), a},
		{"POST", "/api/tasks/", a},
		{"PUT", objectPath("/api/tasks/", h.k, true), a},
		{"PATCH", objectPath("/api/tasks/", h.k, true), a},
		{"PATCH", "/api/auth/me/", a},
		{"POST", "/api/auth/password/", a},
		{"POST", "/api/auth/register/", nil},
		{"POST", "/api/auth/login/", nil},
		{"POST", "/api/auth/refresh/", nil},
		{"POST", "/api/auth/verify/", nil},
		{"POST", "/api/auth/logout/", nil},
	}
	return h
}

func TestHostileMalformedJSON(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		h := newHostile(t, e)
		bodies := []string{
			`{`, `}`, `{"name":}`, `{"name":"x",}`, `{'name':'x'}`, `{name:"x"}`, `{"name":"x"`,
			`{"name":"unterminated}`, `{"name":"x"]`, `[1,]`, `NaN`, `{"name":"x","n":NaN}`, `{"n":Infinity}`,
			`{"n":-Infinity}`, `{"n":01}`, `{"n":1.}`, `{"n":.5}`, `{"n":+1}`, `{"n":0x10}`, `undefined`, `nul`, `tru`,
			`{"name":"a` + "\x00" + `b"}`, `{"name":"a` + "\n" + `b"}`, `{"name":"\x"}`, `{"name":"\u12"}`,
			"\x00", "\xef\xbb\xbf{\"name\":\"x\"}", `// comment` + "\n" + `{"name":"x"}`, `{"name":"x"} // c`,
			`{"a":1}` + strings.Repeat(" ", 1000) + `x`,
		}
		for _, tg := range h.targets {
			for _, b := range bodies {
				expectParseError(t, fmt.Sprintf("%s %q", tg, b), tg.do(e, b))
			}
		}
	})
}

func TestHostileTrailingData(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		h := newHostile(t, e)
		for _, tg := range h.targets {
			for _, b := range []string{`{"name":"x"} garbage`, `{"name":"x"}{"name":"y"}`, `{"name":"x"} {}`,
				`{"name":"x"}]`, `{"name":"x"} 1`, `{"name":"x"}}`, `{"name":"x"} null`, `{"name":"x"}` + "\x00",
				`{"name":"x"}` + "\n" + `{"name":"y"}`, `{} []`, `null null`, `[] {}`, `1 2`, `"a" "b"`} {
				expectParseError(t, fmt.Sprintf("%s %q", tg, b), tg.do(e, b))
			}
		}
		// White space after the object is not data.
		r := h.alice.do("POST", "/api/projects/", "  \r\n\t{\"name\":\"x\"} \n\t\r ")
		expect(t, "trailing white space", r, 201, `{"id":"<any>","name":"x","description":"","owner":"<any>",
			"workflow_count":0,"task_count":0,"created_at":"<timestamp>","updated_at":"<timestamp>"}`)
	})
}

func TestHostileContentType(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		h := newHostile(t, e)
		unsupported := func(ct string) string {
			return mustJSON(map[string]string{"detail": `Unsupported media type "` + ct + `" in request.`})
		}
		for _, tg := range h.targets {
			for _, c := range []struct{ ct, body string }{
				{"text/plain", `{"name":"x"}`},
				{"text/plain; charset=utf-8", `{"name":"x"}`},
				{"application/x-www-form-urlencoded", "name=x&description=y"},
				{"multipart/form-data; boundary=XyZ", "--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx\r\n--XyZ--\r\n"},
				{"text/json", `{"name":"x"}`},
				{"application/xml", `<name>x</name>`},
				{"application/jsonp", `{"name":"x"}`},
				{"application/vnd.api+json", `{"name":"x"}`},
				{"application/json-patch+json", `[]`},
				{"json", `{"name":"x"}`},
				{"*/*", `{"name":"x"}`},
			} {
				expect(t, fmt.Sprintf("%s with %s", tg, c.ct), tg.do(e, c.body, "Content-Type", c.ct), 415, unsupported(c.ct))
			}
			// No Content-Type at all with a non-empty body.
			expect(t, fmt.Sprintf("%s without Content-Type", tg), tg.do(e, `{"name":"x"}`, "Content-Type", ""), 415, unsupported(""))
		}
		// JSON with parameters is JSON.
		for _, ct := range []string{"application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8",
			"application/json ; charset=utf-8"} {
			r := h.alice.do("POST", "/api/projects/", `{"name":"ct"}`, "Content-Type", ct)
			expect(t, "POST with "+ct, r, 201, `{"id":"<any>","name":"ct","description":"","owner":"<any>",
				"workflow_count":0,"task_count":0,"created_at":"<timestamp>","updated_at":"<timestamp>"}`)
			r = h.alice.do("PATCH", objectPath("/api/projects/", h.p, true), `{"description":"ct"}`, "Content-Type", ct)
			expect(t, "PATCH with "+ct, r, 200, jsonf(`{"id":%d,"name":"P of alice","description":"ct","owner":%d,
				"workflow_count":1,"task_count":1,"created_at":"<timestamp>","updated_at":"<timestamp>"}`, h.p, h.alice.ID))
		}

		// An empty body counts as {} whatever the content type.
		for _, ct := range []string{"text/plain", "", "multipart/form-data; boundary=x"} {
			r := h.alice.do("POST", "/api/projects/", "", "Content-Type", ct)
			expect(t, fmt.Sprintf("empty body with %q", ct), r, 400, `{"name":["This field is required."]}`)
		}
	})
}

// TestHostileContentTypeEcho checks that the Content-Type is echoed as
// sent, quotes included: DRF formats the raw header into its message.
func TestHostileContentTypeEcho(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		a := e.user("alice")
		for _, ct := range []string{`multipart/form-data; boundary="XyZ"`, `text/plain; note="a b"`, `text/plain; x=a\b`} {
			want := mustJSON(map[string]string{"detail": `Unsupported media type "` + ct + `" in request.`})
			expect(t, "echo of "+ct, a.do("POST", "/api/projects/", "a", "Content-Type", ct), 415, want)
		}
	})
}

// tripwire is a request body that records whether it was read.
type tripwire struct{ reads atomic.Int64 }

func (tw *tripwire) Read(p []byte) (int, error) {
	tw.reads.Add(1)
	return copy(p, `{"name":"small"}`), io.EOF
}

// endless is a chunked body that never ends before limit, counting what
// the server read of it.
type endless struct {
	prefix string
	read   atomic.Int64
	limit  int64
}

func (r *endless) Read(p []byte) (int, error) {
	n := r.read.Load()
	if n >= r.limit {
		return 0, io.EOF
	}
	k := int64(len(p))
	if k > r.limit-n {
		k = r.limit - n
	}
	for i := int64(0); i < k; i++ {
		if n+i < int64(len(r.prefix)) {
			p[i] = r.prefix[n+i]
		} else {
			p[i] = 'a'
		}
	}
	r.read.Add(k)
	return int(k), nil
}

// send serves a prepared request, with the client's token if c is not nil.
func (e *env) send(c *client, req *http.Request) *response {
	if c != nil {
		req.Header.Set("Authorization", "Bearer "+c.Access)
	}
	rec := httptest.NewRecorder()
	e.api.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return &response{Status: res.StatusCode, Header: res.Header, Body: b}
}

func TestHostileBodySize(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		h := newHostile(t, e)
		const MiB = 1 << 20
		const tooLarge = `{"detail":"Request body too large."}`
		// A JSON object of exactly n bytes with a long description.
		sized := func(n int) string {
			head, tail := `{"name":"x","description":"`, `"}`
			return head + strings.Repeat("d", n-len(head)-len(tail)) + tail
		}
		for _, tg := range h.targets {
			expect(t, tg.String()+" 1 MiB + 1", tg.do(e, sized(MiB+1)), 413, tooLarge)
			expect(t, tg.String()+" 3 MiB", tg.do(e, sized(3*MiB)), 413, tooLarge)
			expect(t, tg.String()+" 3 MiB of text/plain", tg.do(e, sized(3*MiB), "Content-Type", "text/plain"), 413, tooLarge)
		}
		// Exactly 1 MiB is read, and judged on its content.
		expect(t, "exactly 1 MiB", h.alice.do("POST", "/api/projects/", sized(MiB)), 400,
			`{"description":["Ensure this field has no more than 10000 characters."]}`)

		// A Content-Length over 1 MiB is refused before the body is read.
		for _, tg := range h.targets {
			for _, length := range []int64{MiB + 1, 1 << 40} {
				tw := &tripwire{}
				req := httptest.NewRequest(tg.method, tg.path, tw)
				req.ContentLength = length
				req.Header.Set("Content-Type", "application/json")
				r := e.send(tg.c, req)
				expect(t, fmt.Sprintf("%s Content-Length %d", tg, length), r, 413, tooLarge)
				if n := tw.reads.Load(); n != 0 {
					t.Errorf("%s Content-Length %d: the body was read %d times", tg, length, n)
				}
			}
		}

		// A chunked body without Content-Length is cut at 1 MiB.
		for _, tg := range h.targets {
			body := &endless{prefix: `{"name":"x","description":"`, limit: 64 * MiB}
			req := httptest.NewRequest(tg.method, tg.path, body)
			req.ContentLength = -1
			req.TransferEncoding = []string{"chunked"}
			req.Header.Set("Content-Type", "application/json")
			r := e.send(tg.c, req)
			expect(t, tg.String()+" chunked", r, 413, tooLarge)
			if n := body.read.Load(); n > MiB+64<<10 {
				t.Errorf("%s chunked: the server read %d bytes of the body", tg, n)
			}
		}
		// A chunked body under the limit is fine.
		req := httptest.NewRequest("POST", "/api/projects/", strings.NewReader(`{"name":"chunked"}`))
		req.ContentLength = -1
		req.TransferEncoding = []string{"chunked"}
		req.Header.Set("Content-Type", "application/json")
		expect(t, "small chunked body", e.send(h.alice, req), 201, `{"id":"<any>","name":"chunked","description":"",
			"owner":"<any>","workflow_count":0,"task_count":0,"created_at":"<timestamp>","updated_at":"<timestamp>"}`)
	})
}

func TestHostileDeepNesting(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		h := newHostile(t, e)
		const depth = 100000
		lists := strings.Repeat("[", depth)
		objects := strings.Repeat(`{"a":`, depth)
		bodies := map[string]string{
			"open lists":       lists,
			"open objects":     objects,
			"closed lists":     lists + strings.Repeat("]", depth),
			"closed objects":   objects + "1" + strings.Repeat("}", depth),
			"lists in a field": `{"name":"x","extra":` + lists + strings.Repeat("]", depth) + `}`,
			"objects in name":  `{"name":` + objects + `"x"` + strings.Repeat("}", depth) + `}`,
			"mixed":            strings.Repeat(`[{"a":`, depth/2),
		}
		for _, tg := range h.targets {
			for name, b := range bodies {
				expectParseError(t, tg.String()+" "+name, tg.do(e, b))
			}
		}
	})
}

func TestHostileStrings(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		h := newHostile(t, e)
		a := h.alice
		const nul = `["Null characters are not allowed."]`
		cases := []struct {
			label, method, path, body, want string
		}{
			{"project name", "POST", "/api/projects/", `{"name":"a\u0000b"}`, `{"name":` + nul + `}`},
			{"project name only NUL", "POST", "/api/projects/", `{"name":"\u0000"}`, `{"name":` + nul + `}`},
			{"project description", "POST", "/api/projects/", `{"name":"x","description":"\u0000"}`, `{"description":` + nul + `}`},
			{"project name on PATCH", "PATCH", objectPath("/api/projects/", h.p, true), `{"name":"x\u0000"}`, `{"name":` + nul + `}`},
			{"workflow name", "POST", "/api/workflows/", jsonf(`{"project":%d,"name":"a\u0000"}`, h.p), `{"name":` + nul + `}`},
			{"task title", "POST", "/api/tasks/", jsonf(`{"workflow":%d,"title":"\u0000x"}`, h.w), `{"title":` + nul + `}`},
			{"task description", "POST", "/api/tasks/", jsonf(`{"workflow":%d,"title":"x","description":"a\u0000"}`, h.w), `{"description":` + nul + `}`},
			{"task title on PUT", "PUT", objectPath("/api/tasks/", h.k, true), jsonf(`{"workflow":%d,"title":"\u0000"}`, h.w), `{"title":` + nul + `}`},
		}
		for _, c := range cases {
			expect(t, "NUL in "+c.label, a.do(c.method, c.path, c.body), 400, c.want)
		}

		// Invalid UTF-8 is not JSON.
		for _, b := range []string{"{\"name\":\"\xff\"}", "{\"name\":\"\xc0\xaf\"}", "{\"name\":\"\xed\xa0\x80\"}",
			"{\"name\":\"x\",\"\xfe\":1}", "{\"name\":\"\xe2\x82\"}", "{\"name\":\"x\"}\xff"} {
			for _, tg := range h.targets {
				expectParseError(t, fmt.Sprintf("%s %q", tg, b), tg.do(e, b))
			}
		}

		// A proper pair is a character.
		r := a.do("POST", "/api/projects/", `{"name":"\ud834\udd1e"}`)
		expect(t, "surrogate pair", r, 201, `{"id":"<any>","name":"𝄞","description":"","owner":"<any>",
			"workflow_count":0,"task_count":0,"created_at":"<timestamp>","updated_at":"<timestamp>"}`)
	})
}

// TestHostileRegisterPasswordNUL: a password with a NUL is refused at
// registration, as every DRF CharField refuses it (login refuses it too, so
// such an account could never log in).
func TestHostileRegisterPasswordNUL(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		r := e.do("POST", "/api/auth/register/", `{"username":"nul","email":"nul@example.com","password":"abc\u0000defgh123"}`)
		expect(t, "NUL in a password", r, 400, `{"password":["Null characters are not allowed."]}`)
	})
}

// TestHostileLoneSurrogates: DRF's CharField refuses lone surrogates
// (ProhibitSurrogateCharactersValidator) rather than storing something else.
func TestHostileLoneSurrogates(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		h := newHostile(t, e)
		a := h.alice
		// Lone surrogates: DRF's CharField refuses them with
		// ProhibitSurrogateCharactersValidator rather than storing them.
		for _, c := range []struct{ label, body, field, code string }{
			{"high", `{"name":"\ud800"}`, "name", "D800"},
			{"low", `{"name":"a\udfffb"}`, "name", "DFFF"},
			{"reversed pair", `{"name":"\udd1e\ud834"}`, "name", "DD1E"},
			{"in description", `{"name":"x","description":"\udbff"}`, "description", "DBFF"},
		} {
			r := a.do("POST", "/api/projects/", c.body)
			expect(t, "lone surrogate "+c.label, r, 400, jsonf(`{"%s":["Surrogate characters are not allowed: U+%s."]}`, c.field, c.code))
		}
		r := a.do("POST", "/api/tasks/", jsonf(`{"workflow":%d,"title":"\ud800"}`, h.w))
		expect(t, "lone surrogate in a title", r, 400, `{"title":["Surrogate characters are not allowed: U+D800."]}`)
	})
}

func TestHostileNonObjectBodies(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		h := newHostile(t, e)
		expected := func(kind string) string {
			return jsonf(`{"non_field_errors":["Invalid data. Expected a dictionary, but got %s."]}`, kind)
		}
		for _, tg := range h.targets {
			expect(t, tg.String()+" null", tg.do(e, "null"), 400, `{"non_field_errors":["No data provided"]}`)
			expect(t, tg.String()+" spaced null", tg.do(e, " null\n"), 400, `{"non_field_errors":["No data provided"]}`)
			for body, kind := range map[string]string{
				`[]`: "list", `[{"name":"x"}]`: "list", `[1,2]`: "list",
				`"x"`: "str", `""`: "str", `"{\"name\":\"x\"}"`: "str",
				`5`: "int", `0`: "int", `-1`: "int", `12345678901234567890`: "int",
				`5.5`: "float", `1e3`: "float", `-0.0`: "float",
				`true`: "bool", `false`: "bool",
			} {
				expect(t, fmt.Sprintf("%s %s", tg, body), tg.do(e, body), 400, expected(kind))
			}
		}
	})
}

func TestHostileEmptyBody(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		h := newHostile(t, e)
		a := h.alice
		req := `["This field is required."]`
		cases := []struct{ method, path, want string }{
			{"POST", "/api/projects/", `{"name":` + req + `}`},
			{"PUT", objectPath("/api/projects/", h.p, true), `{"name":` + req + `}`},
			{"POST", "/api/workflows/", `{"project":` + req + `,"name":` + req + `}`},
			{"PUT", objectPath("/api/workflows/", h.w, true), `{"project":` + req + `,"name":` + req + `}`},
			{"POST", "/api/tasks/", `{"workflow":` + req + `,"title":` + req + `}`},
			{"PUT", objectPath("/api/tasks/", h.k, false), `{"workflow":` + req + `,"title":` + req + `}`},
		}
		for _, c := range cases {
			for _, body := range []any{nil, "", "{}", " {} "} {
				label := fmt.Sprintf("%s %s %q", c.method, c.path, body)
				r := a.do(c.method, c.path, body)
				expect(t, label, r, 400, c.want)
				// Errors come in the serializer's field order.
				if r.Status == 400 && string(r.Body) != c.want {
					t.Errorf("%s: body %s, want the fields in the order %s", label, r.Body, c.want)
				}
			}
		}
		expect(t, "register with no body", e.do("POST", "/api/auth/register/", nil), 400,
			`{"username":`+req+`,"email":`+req+`,"password":`+req+`}`)
		// PATCH with nothing changes nothing it shows.
		before := a.do("GET", objectPath("/api/tasks/", h.k, true), nil)
		r := a.do("PATCH", objectPath("/api/tasks/", h.k, true), nil)
		expect(t, "PATCH with no body", r, 200, jsonf(`{"id":%d,"workflow":%d,"project":%d,"title":"T","description":"",
			"status":"todo","priority":"medium","due_date":null,"completed_at":null,"created_at":"<timestamp>","updated_at":"<timestamp>"}`,
			h.k, h.w, h.p))
		if decodeObject(t, before)["created_at"] != decodeObject(t, r)["created_at"] {
			t.Errorf("PATCH with no body changed created_at")
		}
	})
}

func TestHostileMaxLength(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		h := newHostile(t, e)
		a := h.alice
		fields := []struct {
			label, path, field string
			max                int
			base               map[string]any
		}{
			{"project name", "/api/projects/", "name", 200, map[string]any{}},
			{"project description", "/api/projects/", "description", 10000, map[string]any{"name": "x"}},
			{"workflow name", "/api/workflows/", "name", 200, map[string]any{"project": h.p}},
			{"task title", "/api/tasks/", "title", 255, map[string]any{"workflow": h.w, "title": "x"}},
			{"task description", "/api/tasks/", "description", 10000, map[string]any{"workflow": h.w, "title": "x"}},
		}
		with := func(base map[string]any, field, value string) map[string]any {
			m := map[string]any{field: value}
			for k, v := range base {
				if k != field {
					m[k] = v
				}
			}
			return m
		}
		for _, f := range fields {
			over := jsonf(`{"%s":["Ensure this field has no more than %d characters."]}`, f.field, f.max)
			for _, char := range []string{"a", "é", "𝄞", "中"} {
				label := fmt.Sprintf("%s of %q", f.label, char)
				exact := strings.Repeat(char, f.max)
				r := a.do("POST", f.path, with(f.base, f.field, exact))
				if r.Status != 201 {
					t.Errorf("%s × %d: %d %.300s", label, f.max, r.Status, r.Body)
					continue
				}
				m := decodeObject(t, r)
				if m[f.field] != exact {
					t.Errorf("%s × %d: stored %d bytes, sent %d", label, f.max, len(fmt.Sprint(m[f.field])), len(exact))
				}
				path := objectPath(f.path, num(m, "id"), true)
				if got := decodeObject(t, a.do("GET", path, nil))[f.field]; got != exact {
					t.Errorf("%s × %d: read back differs", label, f.max)
				}
				// Surrounding white space is trimmed before counting.
				r = a.do("POST", f.path, with(f.base, f.field, " \t"+exact+"\n "))
				if r.Status != 201 || decodeObject(t, r)[f.field] != exact {
					t.Errorf("%s × %d with white space: %d %.300s", label, f.max, r.Status, r.Body)
				}
				expect(t, fmt.Sprintf("%s × %d", label, f.max+1), a.do("POST", f.path, with(f.base, f.field, exact+char)), 400, over)
				expect(t, fmt.Sprintf("PATCH %s × %d", label, f.max+1), a.do("PATCH", path, map[string]any{f.field: exact + char}), 400, over)
				expect(t, fmt.Sprintf("%s × %d + NUL", label, f.max+1), a.do("POST", f.path, with(f.base, f.field, exact+"\x00")), 400,
					jsonf(`{"%s":["Ensure this field has no more than %d characters.","Null characters are not allowed."]}`, f.field, f.max))
			}
			// Mixed widths count characters too.
			mixed := strings.Repeat("é𝄞", f.max/2) + strings.Repeat("中", f.max%2)
			if r := a.do("POST", f.path, with(f.base, f.field, mixed)); r.Status != 201 {
				t.Errorf("%s mixed × %d: %d %.300s", f.label, f.max, r.Status, r.Body)
			}
			expect(t, f.label+" mixed over", a.do("POST", f.path, with(f.base, f.field, mixed+"𝄞")), 400, over)
		}
	})
}

func TestHostileBlank(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		h := newHostile(t, e)
		a := h.alice
		const blank = `["This field may not be blank."]`
		required := []struct {
			label, path, field string
			base               map[string]any
		}{
			{"project name", "/api/projects/", "name", map[string]any{}},
			{"workflow name", "/api/workflows/", "name", map[string]any{"project": h.p}},
			{"task title", "/api/tasks/", "title", map[string]any{"workflow": h.w}},
		}
		for _, f := range required {
			for _, v := range []string{"", " ", "\t\n\r\v\f ", "\u00a0", "\u2003\u3000\u2028", "\u0085"} {
				body := map[string]any{f.field: v}
				for k, x := range f.base {
					body[k] = x
				}
				expect(t, fmt.Sprintf("%s %q", f.label, v), a.do("POST", f.path, body), 400, jsonf(`{"%s":%s}`, f.field, blank))
			}
		}
		expect(t, "PATCH name to blank", a.do("PATCH", objectPath("/api/projects/", h.p, true), `{"name":"  "}`), 400,
			`{"name":`+blank+`}`)
		// An optional string may be blank and is stored trimmed.
		r := a.do("POST", "/api/projects/", `{"name":"  x  ","description":" \t\n "}`)
		expect(t, "blank description", r, 201, `{"id":"<any>","name":"x","description":"","owner":"<any>",
			"workflow_count":0,"task_count":0,"created_at":"<timestamp>","updated_at":"<timestamp>"}`)
	})
}

// TestHostileBlankPythonWhitespace: Python's str.strip() also strips the
// ASCII separators \x1c-\x1f, so DRF finds a name of only those blank.
func TestHostileBlankPythonWhitespace(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		a := e.user("alice")
		expect(t, "project name of ASCII separators", a.do("POST", "/api/projects/", `{"name":"\u001c\u001d\u001e\u001f"}`), 400,
			`{"name":["This field may not be blank."]}`)
		r := a.do("POST", "/api/projects/", `{"name":"\u001fx\u001c"}`)
		if r.Status != 201 || decodeObject(t, r)["name"] != "x" {
			t.Errorf("name with ASCII separators around it: %d %s, want it trimmed to \"x\"", r.Status, r.Body)
		}
	})
}

func TestHostileWrongTypes(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		h := newHostile(t, e)
		a := h.alice
		project := func(name string) string {
			return jsonf(`{"id":"<any>","name":%q,"description":"","owner":%d,"workflow_count":0,"task_count":0,
				"created_at":"<timestamp>","updated_at":"<timestamp>"}`, name, a.ID)
		}
		const notString = `["Not a valid string."]`
		const null = `["This field may not be null."]`
		const dateFormat = `["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]`
		cases := []struct {
			label, path, body string
			status            int
			want              string
		}{
			// A string field takes a number as its text.
			{"name 5", "/api/projects/", `{"name":5}`, 201, project("5")},
			{"name -1.5", "/api/projects/", `{"name":-1.5}`, 201, project("-1.5")},
			{"name true", "/api/projects/", `{"name":true}`, 400, `{"name":` + notString + `}`},
			{"name false", "/api/projects/", `{"name":false}`, 400, `{"name":` + notString + `}`},
			{"name []", "/api/projects/", `{"name":[]}`, 400, `{"name":` + notString + `}`},
			{"name [\"a\"]", "/api/projects/", `{"name":["a"]}`, 400, `{"name":` + notString + `}`},
			{"name {}", "/api/projects/", `{"name":{}}`, 400, `{"name":` + notString + `}`},
			{"name null", "/api/projects/", `{"name":null}`, 400, `{"name":` + null + `}`},
			{"description null", "/api/projects/", `{"name":"x","description":null}`, 400, `{"description":` + null + `}`},
			{"description {}", "/api/projects/", `{"name":"x","description":{"a":1}}`, 400, `{"description":` + notString + `}`},
			{"both wrong", "/api/projects/", `{"name":true,"description":[]}`, 400, `{"name":` + notString + `,"description":` + notString + `}`},
			{"duplicate key takes the last", "/api/projects/", `{"name":true,"name":"last"}`, 201, project("last")},

			// Choices.
			{"status extreme", "/api/workflows/", jsonf(`{"project":%d,"name":"W","status":"extreme"}`, h.p), 400, `{"status":["\"extreme\" is not a valid choice."]}`},
			{"status ACTIVE", "/api/workflows/", jsonf(`{"project":%d,"name":"W","status":"ACTIVE"}`, h.p), 400, `{"status":["\"ACTIVE\" is not a valid choice."]}`},
			{"status empty", "/api/workflows/", jsonf(`{"project":%d,"name":"W","status":""}`, h.p), 400, `{"status":["\"\" is not a valid choice."]}`},
			{"status 5", "/api/workflows/", jsonf(`{"project":%d,"name":"W","status":5}`, h.p), 400, `{"status":["\"5\" is not a valid choice."]}`},
			{"status true", "/api/workflows/", jsonf(`{"project":%d,"name":"W","status":true}`, h.p), 400, `{"status":["\"True\" is not a valid choice."]}`},
			{"status null", "/api/workflows/", jsonf(`{"project":%d,"name":"W","status":null}`, h.p), 400, `{"status":` + null + `}`},
			{"task priority extreme", "/api/tasks/", jsonf(`{"workflow":%d,"title":"T","priority":"extreme"}`, h.w), 400, `{"priority":["\"extreme\" is not a valid choice."]}`},
			{"task status finished", "/api/tasks/", jsonf(`{"workflow":%d,"title":"T","status":"finished"}`, h.w), 400, `{"status":["\"finished\" is not a valid choice."]}`},

			// Primary keys.
			{"project abc", "/api/workflows/", `{"project":"abc","name":"W"}`, 400, `{"project":["Incorrect type. Expected pk value, received str."]}`},
			{"project true", "/api/workflows/", `{"project":true,"name":"W"}`, 400, `{"project":["Incorrect type. Expected pk value, received bool."]}`},
			{"project false", "/api/workflows/", `{"project":false,"name":"W"}`, 400, `{"project":["Incorrect type. Expected pk value, received bool."]}`},
			{"project []", "/api/workflows/", `{"project":[],"name":"W"}`, 400, `{"project":["Incorrect type. Expected pk value, received list."]}`},
			{"project [1]", "/api/workflows/", jsonf(`{"project":[%d],"name":"W"}`, h.p), 400, `{"project":["Incorrect type. Expected pk value, received list."]}`},
			{"project {}", "/api/workflows/", `{"project":{},"name":"W"}`, 400, `{"project":["Incorrect type. Expected pk value, received dict."]}`},
			{"project null", "/api/workflows/", `{"project":null,"name":"W"}`, 400, `{"project":` + null + `}`},
			{"project 0", "/api/workflows/", `{"project":0,"name":"W"}`, 400, pkError("project", 0)},
			{"project -3", "/api/workflows/", `{"project":-3,"name":"W"}`, 400, pkError("project", -3)},
			{"project huge", "/api/workflows/", `{"project":99999999999999999999999,"name":"W"}`, 400, pkError("project", "99999999999999999999999")},
			{"project as string", "/api/workflows/", jsonf(`{"project":"%d","name":"W"}`, h.p), 201, `"<any>"`},
			{"workflow abc", "/api/tasks/", `{"workflow":"abc","title":"T"}`, 400, `{"workflow":["Incorrect type. Expected pk value, received str."]}`},
			{"workflow true", "/api/tasks/", `{"workflow":true,"title":"T"}`, 400, `{"workflow":["Incorrect type. Expected pk value, received bool."]}`},
			{"workflow []", "/api/tasks/", `{"workflow":[],"title":"T"}`, 400, `{"workflow":["Incorrect type. Expected pk value, received list."]}`},
			{"workflow {}", "/api/tasks/", `{"workflow":{},"title":"T"}`, 400, `{"workflow":["Incorrect type. Expected pk value, received dict."]}`},
			{"workflow null", "/api/tasks/", `{"workflow":null,"title":"T"}`, 400, `{"workflow":` + null + `}`},

			// Dates.
			{"due_date month 13", "/api/tasks/", jsonf(`{"workflow":%d,"title":"T","due_date":"2026-13-01"}`, h.w), 400, `{"due_date":` + dateFormat + `}`},
			{"due_date Feb 30", "/api/tasks/", jsonf(`{"workflow":%d,"title":"T","due_date":"2026-02-30"}`, h.w), 400, `{"due_date":` + dateFormat + `}`},
			{"due_date tomorrow", "/api/tasks/", jsonf(`{"workflow":%d,"title":"T","due_date":"tomorrow"}`, h.w), 400, `{"due_date":` + dateFormat + `}`},
			{"due_date slashes", "/api/tasks/", jsonf(`{"workflow":%d,"title":"T","due_date":"2026/01/01"}`, h.w), 400, `{"due_date":` + dateFormat + `}`},
			{"due_date 5", "/api/tasks/", jsonf(`{"workflow":%d,"title":"T","due_date":5}`, h.w), 400, `{"due_date":` + dateFormat + `}`},
			{"due_date true", "/api/tasks/", jsonf(`{"workflow":%d,"title":"T","due_date":true}`, h.w), 400, `{"due_date":` + dateFormat + `}`},
			{"due_date []", "/api/tasks/", jsonf(`{"workflow":%d,"title":"T","due_date":[]}`, h.w), 400, `{"due_date":` + dateFormat + `}`},
			{"due_date null", "/api/tasks/", jsonf(`{"workflow":%d,"title":"T","due_date":null}`, h.w), 201, `"<any>"`},
			{"due_date one digit", "/api/tasks/", jsonf(`{"workflow":%d,"title":"T","due_date":"2026-1-5"}`, h.w), 201, `"<any>"`},
		}
		for _, c := range cases {
			r := a.do("POST", c.path, c.body)
			if c.want == `"<any>"` {
				if r.Status != c.status {
					t.Errorf("%s: %d %s, want %d", c.label, r.Status, r.Body, c.status)
				}
				continue
			}
			expect(t, c.label, r, c.status, c.want)
		}
		// A one-digit date is stored in canonical form.
		r := a.do("POST", "/api/tasks/", jsonf(`{"workflow":%d,"title":"T","due_date":"2026-1-5"}`, h.w))
		if m := decodeObject(t, r); r.Status != 201 || m["due_date"] != "2026-01-05" {
			t.Errorf("due_date 2026-1-5: %d %s", r.Status, r.Body)
		}
		// Every field is checked, errors in the serializer's field order.
		r = a.do("POST", "/api/tasks/", `{"due_date":"z","priority":"y","status":"x","description":true,"title":"","workflow":"abc"}`)
		const all = `{"workflow":["Incorrect type. Expected pk value, received str."],"title":["This field may not be blank."],` +
			`"description":["Not a valid string."],"status":["\"x\" is not a valid choice."],"priority":["\"y\" is not a valid choice."],` +
			`"due_date":["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}`
		expect(t, "every task field wrong", r, 400, all)
		if r.Status == 400 && string(r.Body) != all {
			t.Errorf("every task field wrong: %s, want the fields in order %s", r.Body, all)
		}
	})
}

// TestHostileChoiceMessageEcho: DRF writes the input into its choice
// message as it is, '"{input}" is not a valid choice.', without escaping.
func TestHostileChoiceMessageEcho(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		a := e.user("alice")
		p := a.create("/api/projects/", map[string]any{"name": "P"})
		for _, v := range []string{`ex"treme`, `a\b`, "tab\there", "é😀"} {
			r := a.do("POST", "/api/workflows/", map[string]any{"project": p, "name": "W", "status": v})
			expect(t, fmt.Sprintf("status %q", v), r, 400, mustJSON(map[string][]string{"status": {`"` + v + `" is not a valid choice.`}}))
		}
	})
}

// TestHostileEmptyStringPK: DRF's related fields turn "" into None before
// validating, so "" is "This field may not be null.".
func TestHostileEmptyStringPK(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		a := e.user("alice")
		expect(t, "project \"\"", a.do("POST", "/api/workflows/", `{"project":"","name":"W"}`), 400,
			`{"project":["This field may not be null."]}`)
		expect(t, "workflow \"\"", a.do("POST", "/api/tasks/", `{"workflow":"","title":"T"}`), 400,
			`{"workflow":["This field may not be null."]}`)
	})
}

// TestHostileAllErrorsTogether checks that a reference to a missing
// object is reported with the other fields' errors, as DRF validates every
// field before answering.
func TestHostileAllErrorsTogether(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		h := newHostile(t, e)
		a := h.alice
		expect(t, "workflow with a missing project and a blank name",
			a.do("POST", "/api/workflows/", jsonf(`{"project":%d,"name":" "}`, missingID)), 400,
			jsonf(`{"project":["Invalid pk \"%d\" - object does not exist."],"name":["This field may not be blank."]}`, missingID))
		expect(t, "task with a missing workflow and a bad status",
			a.do("POST", "/api/tasks/", jsonf(`{"workflow":%d,"title":"T","status":"bogus"}`, missingID)), 400,
			jsonf(`{"workflow":["Invalid pk \"%d\" - object does not exist."],"status":["\"bogus\" is not a valid choice."]}`, missingID))
		expect(t, "PATCH task to a missing workflow with a blank title",
			a.do("PATCH", objectPath("/api/tasks/", h.k, true), jsonf(`{"workflow":%d,"title":""}`, missingID)), 400,
			jsonf(`{"workflow":["Invalid pk \"%d\" - object does not exist."],"title":["This field may not be blank."]}`, missingID))
	})
}

func TestHostilePaths(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		h := newHostile(t, e)
		a := h.alice
		const notFound = `{"detail":"Not found."}`
		long := strings.Repeat("9", 10000)
		for _, col := range []struct{ path, model string }{{"/api/tasks/", "Task"}, {"/api/projects/", "Project"}, {"/api/workflows/", "Workflow"}} {
			noMatch := jsonf(`{"detail":"No %s matches the given query."}`, col.model)
			cases := map[string]string{
				"abc": notFound, "abc/": notFound, "1.5/": notFound, "%00/": notFound, "1%2F2/": notFound, "0x10/": notFound,
				"1e3/": notFound, "%20/": notFound, "%E2%82%AC/": notFound, strings.Repeat("a", 10000) + "/": notFound,
				"1a/": notFound, "--1/": notFound, "null/": notFound,
				"0/": noMatch, "0": noMatch, "-1/": noMatch, "-0/": noMatch, "00/": noMatch,
				"99999999999999999999999/": noMatch, "9223372036854775807/": noMatch, "9223372036854775808/": noMatch,
				"-9223372036854775809/": noMatch, long + "/": noMatch, long: noMatch, "999999/": noMatch,
			}
			for suffix, want := range cases {
				for _, method := range []string{"GET", "PUT", "PATCH", "DELETE"} {
					label := fmt.Sprintf("%s %s%.40s", method, col.path, suffix)
					expect(t, label, a.do(method, col.path+suffix, `{"name":"x","title":"x"}`), 404, want)
				}
			}
		}
		// Unknown paths under /api/, for anyone, with any method.
		for _, p := range []string{"/api/", "/api", "/api/nope/", "/api/nope", "/api/tasks/1/extra/", "/api/tasks/1/2/",
			"/api/TASKS/", "/api/Projects/", "/api/projects/1/stats/x/", "/api/auth/", "/api/auth/unknown/", "/api/tasks/abc/def",
			"/api/" + strings.Repeat("x/", 2000), "/api/tasks/1/?page=2&x=%00", "/api/%ff/"} {
			for _, method := range []string{"GET", "POST", "PUT", "DELETE", "HEAD"} {
				for _, c := range []*client{a, nil} {
					var r *response
					if c == nil {
						r = e.do(method, p, "{}")
					} else {
						r = c.do(method, p, "{}")
					}
					label := fmt.Sprintf("%s %.60s (authenticated %v)", method, p, c != nil)
					if p == "/api/tasks/1/?page=2&x=%00" {
						// Not unknown: task 1 is alice's, anonymous is 401.
						if r.Status >= 500 {
							t.Errorf("%s: %d %s", label, r.Status, r.Body)
						}
						continue
					}
					if method == "HEAD" {
						if r.Status != 404 {
							t.Errorf("%s: %d, want 404", label, r.Status)
						}
						continue
					}
					expect(t, label, r, 404, notFound)
				}
			}
		}
	})
}

// TestHostileNonCanonicalPaths: paths that are not in canonical form, or
// whose id has a dot (DRF's router takes [^/.]+), match no route: a JSON
// 404, not a redirect with an HTML body, nor a 405.
func TestHostileNonCanonicalPaths(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		a := e.user("alice")
		a.tree()
		const notFound = `{"detail":"Not found."}`
		// Paths that are not in canonical form match no route: a JSON 404,
		// not a redirect (which would drop a POST body) with an HTML body.
		for _, p := range []string{"/api//projects/", "/api/projects//", "/api/./projects/", "/api/projects/1/../2/",
			"//api/projects/", "/api/tasks/./1/", "/api/tasks/%2e%2e/"} {
			for _, method := range []string{"GET", "POST"} {
				expect(t, method+" "+p, a.do(method, p, `{"name":"x"}`), 404, notFound)
			}
		}
		for _, p := range []string{"/api/tasks/1.5/", "/api/tasks/../", "/api/projects/1.0/"} {
			expect(t, "POST "+p, a.do("POST", p, `{"name":"x"}`), 404, notFound)
		}
	})
}
