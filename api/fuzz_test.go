package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/flowtrack/flowtrack/api"
	"github.com/flowtrack/flowtrack/password"
	"github.com/flowtrack/flowtrack/storetest"
	"github.com/flowtrack/flowtrack/token"
)

// fuzzEnv is one SQLite-backed API with a logged-in user owning a task,
// set up once per fuzzing process.
type fuzzEnv struct {
	api      http.Handler
	access   string
	workflow int64
	task     int64
}

func newFuzzEnv(f *testing.F) *fuzzEnv {
	f.Helper()
	store := storetest.Open(f, "sqlite")
	// Tokens that outlive a long fuzzing run.
	tokens := token.NewIssuer(testKey, 24*time.Hour, 24*time.Hour)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fz := &fuzzEnv{api: api.NewServer(store, tokens, password.NewHasher(fastHash, 4), log, api.DefaultConfig)}

	call := func(method, path, body string, want int) map[string]any {
		r := fz.send(method, path, "application/json", []byte(body))
		if r.Status != want {
			f.Fatalf("setup %s %s: %d %s", method, path, r.Status, r.Body)
		}
		var m map[string]any
		json.Unmarshal(r.Body, &m)
		return m
	}
	call("POST", "/api/auth/register/", `{"username":"fuzzer","email":"fuzzer@example.com","password":"fuzz-Secret-99"}`, 201)
	fz.access, _ = call("POST", "/api/auth/login/", `{"username":"fuzzer","password":"fuzz-Secret-99"}`, 200)["access"].(string)
	p := call("POST", "/api/projects/", `{"name":"P"}`, 201)["id"].(float64)
	fz.workflow = int64(call("POST", "/api/workflows/", fmt.Sprintf(`{"project":%d,"name":"W"}`, int64(p)), 201)["id"].(float64))
	fz.task = int64(call("POST", "/api/tasks/", fmt.Sprintf(`{"workflow":%d,"title":"T"}`, fz.workflow), 201)["id"].(float64))
	return fz
}

// send serves one request with the user's token; an empty content type
// sends none.
func (fz *fuzzEnv) send(method, path, contentType string, body []byte) *response {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if fz.access != "" {
		req.Header.Set("Authorization", "Bearer "+fz.access)
	}
	rec := httptest.NewRecorder()
	fz.api.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return &response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// forbiddenWords must never appear in a response unless the request put
// them there: they would betray SQL text, a stack trace or a panic.
var forbiddenWords = []string{"sql", "SQL", "goroutine", "panic"}

// echoed tells whether a word could come from the request itself: from
// its content type, its raw bytes or the strings its JSON decodes to
// (escapes undone), since messages may quote the input.
func echoed(word, contentType string, body []byte) bool {
	w := strings.ToLower(word)
	if strings.Contains(strings.ToLower(contentType), w) || bytes.Contains(bytes.ToLower(body), []byte(w)) {
		return true
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return false
	}
	var text strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			text.WriteString(v + "\x00")
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for k, x := range v {
				text.WriteString(k + "\x00")
				walk(x)
			}
		}
	}
	walk(v)
	return strings.Contains(strings.ToLower(text.String()), w)
}

// isJSONObject tells whether a body is one JSON object (and nothing else).
func isJSONObject(body []byte) bool {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	return json.Valid(body) && len(trimmed) > 0 && trimmed[0] == '{'
}

func FuzzRequestDecoding(f *testing.F) {
	fz := newFuzzEnv(f)
	w, k := fz.workflow, fz.task
	const js = "application/json"
	seeds := []struct {
		contentType, body string
	}{
		{js, ""}, {js, "{}"}, {js, "null"}, {js, "[]"}, {js, `"x"`}, {js, "5"}, {js, "5.5"}, {js, "true"}, {js, " "},
		{js, fmt.Sprintf(`{"workflow":%d,"title":"fuzz"}`, w)},
		{js, fmt.Sprintf(`{"workflow":"%d","title":"fuzz","status":"done","priority":"urgent","due_date":"2026-1-5"}`, w)},
		{js, fmt.Sprintf(`{"workflow":%d,"title":"x","description":"d","status":"in_progress","due_date":null}`, w)},
		{js, fmt.Sprintf(`{"workflow":%d,"title":"x","project":1,"id":7,"completed_at":"2000-01-01T00:00:00Z"}`, w)},
		{js, fmt.Sprintf(`{"workflow":%d,"title":"%s"}`, w, strings.Repeat("𝄞", 256))},
		{js, fmt.Sprintf(`{"workflow":%d,"title":"a\u0000b"}`, w)},
		{js, fmt.Sprintf(`{"workflow":%d,"title":"\ud800"}`, w)},
		{js, fmt.Sprintf(`{"workflow":%d,"title":"   "}`, w)},
		{js, fmt.Sprintf(`{"workflow":%d,"title":5,"status":true,"priority":[],"due_date":{}}`, w)},
		{js, `{"workflow":99999999999999999999999,"title":"x"}`},
		{js, `{"workflow":-1,"title":"x"}`}, {js, `{"workflow":1e400,"title":"x"}`}, {js, `{"workflow":1.5,"title":"x"}`},
		{js, `{"workflow":"abc","title":"x"}`}, {js, `{"workflow":"","title":"x"}`}, {js, `{"workflow":null}`},
		{js, `{"workflow":true}`}, {js, `{"workflow":{}}`}, {js, `{"workflow":[1]}`},
		{js, `{"status":"done"}`}, {js, `{"status":"sql"}`}, {js, `{"status":"panic: goroutine"}`},
		{js, `{"due_date":"2026-13-01"}`}, {js, `{"due_date":"2026-02-29"}`}, {js, `{"due_date":"9999-12-31"}`},
		{js, `{"due_date":"0000-01-01"}`}, {js, `{"due_date":5}`},
		{js, `{"username":"u1","email":"u1@example.com","password":"pass-u1-Secret9"}`},
		{js, `{"username":"fuzzer","email":"x@example.com","password":"pass-Secret9"}`},
		{js, `{"username":"FUZZER","email":"x@example.com","password":"pass-Secret9"}`},
		{js, `{"username":"a b","email":"not-an-email","password":"1234567890"}`},
		{js, `{"username":"` + strings.Repeat("u", 151) + `","email":"a@b.co","password":"x"}`},
		{js, `{"username":"é","email":"é@exämple.com","password":"pässwörd-long"}`},
		{js, `{"username":"u\u0000","email":"u@example.com\u0000","password":"p\u0000assword-long"}`},
		{js, `{"username":5,"email":true,"password":[]}`},
		{js, `{"title":"x"} garbage`}, {js, `{"title":"x"}{"title":"y"}`}, {js, `{"title":`}, {js, `{'title':'x'}`},
		{js, `{"n":NaN}`}, {js, "\xef\xbb\xbf{}"}, {js, "{\"title\":\"\xff\"}"}, {js, "{\"title\":\"\xed\xa0\x80\"}"},
		{js, strings.Repeat("[", 20000)}, {js, strings.Repeat(`{"a":`, 20000)},
		{js, strings.Repeat("[", 5000) + strings.Repeat("]", 5000)},
		{js, `{"title":"x","extra":` + strings.Repeat("[", 9000) + strings.Repeat("]", 9000) + `}`},
		{"application/json; charset=utf-8", `{"title":"charset"}`},
		{"application/json;charset=latin-1", `{"title":"latin"}`},
		{"text/plain", `{"title":"x"}`}, {"", `{"title":"x"}`}, {"", ""},
		{"application/x-www-form-urlencoded", "title=x&workflow=1"},
		{"multipart/form-data; boundary=x", "--x\r\n\r\n--x--"},
		{`multipart/form-data; boundary="x"`, "a"}, {"application/json; sql=1", "{}"}, {"text/sql", "{}"},
		{"\x00", "{}"}, {"application/json; charset", "{}"}, {";;;", "{}"}, {"application/json\r\nX: y", "{}"},
	}
	for _, s := range seeds {
		f.Add(s.contentType, []byte(s.body))
	}

	targets := []struct{ method, path string }{
		{"POST", "/api/tasks/"},
		{"PATCH", fmt.Sprintf("/api/tasks/%d/", k)},
		{"POST", "/api/auth/register/"},
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		for _, tg := range targets {
			r := fz.send(tg.method, tg.path, contentType, body)
			label := fmt.Sprintf("%s %s (Content-Type %q, body %.200q)", tg.method, tg.path, contentType, body)
			if r.Status >= 500 {
				t.Fatalf("%s: %d %s", label, r.Status, r.Body)
			}
			if len(r.Body) > 0 && !json.Valid(r.Body) {
				t.Fatalf("%s: %d, body is not JSON: %.300q", label, r.Status, r.Body)
			}
			for _, word := range forbiddenWords {
				if bytes.Contains(r.Body, []byte(word)) && !echoed(word, contentType, body) {
					t.Fatalf("%s: %d, body contains %q: %.500s", label, r.Status, word, r.Body)
				}
			}
			if r.Status == http.StatusCreated && !isJSONObject(body) {
				t.Fatalf("%s: 201 for a body that is not a JSON object: %.300s", label, r.Body)
			}
			switch {
			case tg.method == "PATCH" && r.Status == http.StatusNotFound:
				t.Fatalf("%s: the task disappeared: %s", label, r.Body)
			case tg.method == "PATCH" && r.Status == http.StatusCreated:
				t.Fatalf("%s: PATCH created something: %s", label, r.Body)
			}
		}
	})
}
