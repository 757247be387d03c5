package api_test

// Hostile values in every list query parameter, through the real router
// on every engine: SQL-shaped strings, LIKE wildcards, NUL, huge numbers,
// very long values, invalid percent-encoding and UTF-8, repeated
// parameters and unicode. Every answer must be 200 or 400 (404 only for
// page and cursor), JSON, with none of the other user's rows, and the
// tables must be intact afterwards.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// lpParams are the query parameters of each collection.
var lpParams = map[string][]string{
	"/api/projects/":  {"search", "ordering", "page", "page_size", "cursor", "created_at__gte", "created_at__lte"},
	"/api/workflows/": {"search", "ordering", "page", "page_size", "cursor", "project", "status", "status__in"},
	"/api/tasks/": {"search", "ordering", "page", "page_size", "cursor", "workflow", "project", "status", "status__in",
		"priority", "priority__in", "due_date__gte", "due_date__lte", "overdue"},
}

// lpPaths are the collections in a fixed order.
var lpPaths = []string{"/api/projects/", "/api/tasks/", "/api/workflows/"}

// lpHostile are hostile values, sent query-encoded and (when the query
// syntax allows) as they are.
var lpHostile = []string{
	`' OR 1=1 --`, `' OR '1'='1`, `"; DROP TABLE tasks; --`, `'; DELETE FROM tasks WHERE '1'='1`, `1; DROP TABLE tasks`,
	`1 OR 1=1`, `1) OR (1=1`, `1 UNION SELECT * FROM users --`, `(SELECT 1)`, `1; SELECT pg_sleep(5)`,
	`title; DROP TABLE tasks`, `title DESC`, `title) --`, `t.owner_id`, `owner_id`, `-owner_id`, `id`, `-id`,
	`created_at DESC, (SELECT 1)`, `2026-01-01' OR '1'='1`, `2026-01-01T00:00:00Z' --`, `true' --`, `todo' OR '1'='1`,
	`todo,done' --`, `1' OR '1'='1`, `$1`, `?`, `:name`, `@x`, `NULL`, `null`, `undefined`,
	`%`, `%%`, `_`, `__`, `\`, `\\`, `\%`, `\_`, `'`, `''`, `"`, "`", `--`, `/*`, `*/`, `;`, `,`, `,,,`, `-`, `+`,
	"\x00", "a\x00b", "1\x00", "todo\x00", "\x00' OR 1=1 --", "\t\n\r", " ", "\u00a0", "\u3000",
	`0`, `-1`, `-0`, `+1`, `1.5`, `1e3`, `1e309`, `NaN`, `Infinity`, `-Infinity`, `0x7fffffff`, `0b1`, `007`,
	`9223372036854775807`, `9223372036854775808`, `-9223372036854775808`, `4611686018427387904`,
	`461168601842738791`, `99999999999999999999999999999999`, `18446744073709551616`,
	`last`, `LAST`, `first`, `true`, `false`, `True`, `1`, `2`,
	`über`, `ÜBER`, `ΩMEGA`, `Straße`, `İ`, `ﬃ`, `𝔘𝔫𝔦𝔠𝔬𝔡𝔢`, `😀`, "\u202e", "\u2028", "\ufeff", "e\u0301", "\uffff",
	`<script>alert(1)</script>`, `{"a":1}`, `[1,2]`, `a=b&c=d`, `../../etc/passwd`,
	strings.Repeat("a", 10000), strings.Repeat("%", 10000), strings.Repeat("_", 10000), strings.Repeat(`\`, 10000),
	strings.Repeat("' OR 1=1 -- ", 800), strings.Repeat("ü", 5000), strings.Repeat("9", 10000), strings.Repeat("a,", 5000),
	strings.Repeat(`"a" `, 2500),
}

// lpRaw are raw query values: invalid percent-encoding and invalid UTF-8.
var lpRaw = []string{
	"%00", "%zz", "%", "%%", "%2", "a%2", "%E2%82", "%FF", "%FF%FE", "%ED%A0%80", "%C0%AF", "%C3%28", "%F4%90%80%80",
	"%u0027", "%%27", "%2527", "%27%20OR%201%3D1%20--", "x%00y", "%0A%0D", "%2C%2C", "%22%5C%22",
}

// lpWorld says whose rows an answer may hold.
type lpWorld struct {
	owner   int64
	own     map[string]map[int64]bool // the caller's ids, by collection path
	foreign map[string]map[int64]bool // the other user's
}

func (fx *ltFixture) world() *lpWorld {
	w := &lpWorld{owner: fx.alice.ID, own: map[string]map[int64]bool{}, foreign: fx.foreign}
	for _, s := range []*ltSet{fx.projects, fx.workflows, fx.tasks} {
		w.own[s.path] = map[int64]bool{}
		for _, id := range s.ids {
			w.own[s.path][id] = true
		}
	}
	return w
}

// lpGet sends GET path?rawQuery, the query exactly as given, with a token.
func lpGet(h http.Handler, access, path, rawQuery string) *response {
	req := httptest.NewRequest("GET", path, nil)
	req.URL.RawQuery = rawQuery
	req.Header.Set("Authorization", "Bearer "+access)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return &response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// lpLeakWords would betray SQL text, a driver error or a stack trace.
var lpLeakWords = []string{"sqlite", "sqlstate", "pq:", "pgx", "syntax error", "goroutine", "panic", "runtime error", "near \""}

// problem returns what is wrong with the answer to GET path?rawQuery, or "".
func (w *lpWorld) problem(path, rawQuery string, r *response) string {
	q, _ := url.ParseQuery(rawQuery) // as the server reads it
	_, hasPage := q["page"]
	_, hasCursor := q["cursor"]
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		return fmt.Sprintf("status %d, Content-Type %q, want application/json", r.Status, ct)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &body); err != nil {
		return fmt.Sprintf("status %d, body is not a JSON object: %q", r.Status, r.Body)
	}
	if word := lpLeak(rawQuery, q, r.Body); word != "" {
		return fmt.Sprintf("status %d, body betrays internals (%q): %s", r.Status, word, r.Body)
	}
	switch r.Status {
	case http.StatusOK:
		return w.checkRows(path, hasCursor, body)
	case http.StatusBadRequest:
		allowed := map[string]bool{"search": true}
		for _, p := range lpParams[path] {
			if p != "search" && p != "ordering" && p != "page" && p != "page_size" && p != "cursor" {
				allowed[p] = true
			}
		}
		if len(body) == 0 {
			return "400 with an empty body"
		}
		for k, v := range body {
			if _, sent := q[k]; !allowed[k] || !sent {
				return fmt.Sprintf("400 names %q, which is no filter of the request: %s", k, r.Body)
			}
			var msgs []string
			if json.Unmarshal(v, &msgs) != nil || len(msgs) == 0 || msgs[0] == "" {
				return fmt.Sprintf("400 %q is not a list of messages: %s", k, r.Body)
			}
		}
		return ""
	case http.StatusNotFound:
		s := string(r.Body)
		switch {
		case s == `{"detail":"Invalid page."}` && hasPage && !hasCursor:
		case s == `{"detail":"Invalid cursor"}` && hasCursor:
		default:
			return fmt.Sprintf("404 %s, but only page (without cursor) or cursor may give a 404", r.Body)
		}
		return ""
	}
	return fmt.Sprintf("status %d, want 200, 400 or 404: %s", r.Status, r.Body)
}

// checkRows checks a 200 list: its envelope, and that every row is the
// caller's.
func (w *lpWorld) checkRows(path string, cursor bool, body map[string]json.RawMessage) string {
	keys := []string{"count", "next", "previous", "results"}
	if cursor {
		keys = []string{"next", "previous", "results"}
	}
	if len(body) != len(keys) {
		return fmt.Sprintf("200 envelope with keys %v, want %v", lpKeys(body), keys)
	}
	for _, k := range keys {
		if body[k] == nil {
			return fmt.Sprintf("200 envelope with keys %v, want %v", lpKeys(body), keys)
		}
	}
	for _, k := range []string{"next", "previous"} {
		var link *string
		if json.Unmarshal(body[k], &link) != nil {
			return fmt.Sprintf("%s is not a link: %s", k, body[k])
		}
		if link != nil && !strings.HasPrefix(*link, ltHost+path+"?") {
			return fmt.Sprintf("%s %q is not a link to %s", k, *link, path)
		}
	}
	var rows []map[string]any
	if err := json.Unmarshal(body["results"], &rows); err != nil || rows == nil {
		return fmt.Sprintf("results is not a list: %s", body["results"])
	}
	if !cursor {
		var count int
		if json.Unmarshal(body["count"], &count) != nil || count < len(rows) || count > len(w.own[path]) {
			return fmt.Sprintf("count %s with %d rows of %d the caller has", body["count"], len(rows), len(w.own[path]))
		}
	}
	for _, row := range rows {
		id := lpID(row["id"])
		if w.foreign[path][id] || !w.own[path][id] {
			return fmt.Sprintf("row %d is not the caller's: %v", id, row)
		}
		if path == "/api/projects/" && lpID(row["owner"]) != w.owner {
			return fmt.Sprintf("project %d has owner %v", id, row["owner"])
		}
		if path != "/api/projects/" && !w.own["/api/projects/"][lpID(row["project"])] {
			return fmt.Sprintf("row %d is in project %v, not the caller's", id, row["project"])
		}
		if path == "/api/tasks/" && !w.own["/api/workflows/"][lpID(row["workflow"])] {
			return fmt.Sprintf("task %d is in workflow %v, not the caller's", id, row["workflow"])
		}
	}
	return ""
}

// lpLeak returns a word of lpLeakWords that the strings of a JSON body
// hold and the request did not bring, or "".
// lpCursorValue is a cursor in a link.
var lpCursorValue = regexp.MustCompile(`cursor=[A-Za-z0-9_.%-]*`)

func lpLeak(rawQuery string, q url.Values, body []byte) string {
	var echo strings.Builder
	echo.WriteString(rawQuery + "\x00")
	if unq, err := url.QueryUnescape(rawQuery); err == nil {
		echo.WriteString(unq + "\x00")
	}
	for k, vs := range q {
		echo.WriteString(k + "\x00" + strings.Join(vs, "\x00") + "\x00")
	}
	var v any
	json.Unmarshal(body, &v)
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
	// A cursor the server made is random-looking base64, which may spell
	// any word by chance ("PGxy..."); it says nothing.
	said := lpCursorValue.ReplaceAllString(text.String(), "cursor=")
	said, heard := strings.ToLower(said), strings.ToLower(echo.String())
	for _, word := range lpLeakWords {
		if strings.Contains(said, word) && !strings.Contains(heard, word) {
			return word
		}
	}
	return ""
}

func lpID(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func lpKeys(m map[string]json.RawMessage) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// lpRowCounts counts the rows of the tables the lists read.
func lpRowCounts(t *testing.T, e *env) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, table := range []string{"users", "projects", "workflows", "tasks"} {
		var n int
		if err := e.store.SQL().QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		counts[table] = n
	}
	return counts
}

// lpValid is a valid value of each parameter.
func (fx *ltFixture) lpValid(path, param string) string {
	switch param {
	case "search":
		return "a"
	case "ordering":
		if path == "/api/tasks/" {
			return "-priority"
		}
		return "name"
	case "page":
		return "1"
	case "page_size":
		return "2"
	case "cursor":
		return ""
	case "created_at__gte":
		return "2026-03-01"
	case "created_at__lte":
		return "2026-03-03T00:00:00Z"
	case "project":
		return fmt.Sprint(fx.projects.id("PA"))
	case "workflow":
		return fmt.Sprint(fx.workflows.id("W1"))
	case "status":
		if path == "/api/workflows/" {
			return "active"
		}
		return "todo"
	case "status__in":
		if path == "/api/workflows/" {
			return "active,paused"
		}
		return "todo,done"
	case "priority":
		return "high"
	case "priority__in":
		return "low,high"
	case "due_date__gte", "due_date__lte":
		return fx.day(0)
	case "overdue":
		return "false"
	}
	panic(param)
}

// lpEncodings are the ways a hostile value is put in a query.
func lpEncodings(v string) []string {
	out := []string{url.QueryEscape(v)}
	if !strings.ContainsAny(v, "&#") && len(v) < 100 && v != url.QueryEscape(v) {
		out = append(out, v) // as it is, spaces and all
	}
	return out
}

func TestListParamsHostile(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		fx := ltSetup(t, e)
		w := fx.world()
		before := lpRowCounts(t, e)
		values := map[string]bool{}
		var encoded []string
		for _, v := range lpHostile {
			for _, enc := range lpEncodings(v) {
				if !values[enc] {
					values[enc] = true
					encoded = append(encoded, enc)
				}
			}
		}
		encoded = append(encoded, lpRaw...)
		t.Run("requests", func(t *testing.T) {
			for _, path := range lpPaths {
				t.Run(path, func(t *testing.T) {
					t.Parallel()
					var failures []string
					send := func(rawQuery string) {
						r := lpGet(e.api, fx.alice.Access, path, rawQuery)
						if p := w.problem(path, rawQuery, r); p != "" {
							label := rawQuery
							if len(label) > 200 {
								label = label[:200] + "..."
							}
							failures = append(failures, fmt.Sprintf("GET %s?%s: %s", path, label, lpShort(p)))
						}
					}
					params := lpParams[path]
					for _, v := range encoded {
						all := make([]string, len(params))
						for i, p := range params {
							valid := url.QueryEscape(fx.lpValid(path, p))
							send(p + "=" + v)
							// Repeated: the last value counts, whichever it is.
							send(p + "=" + valid + "&" + p + "=" + v)
							send(p + "=" + v + "&" + p + "=" + valid)
							all[i] = p + "=" + v
						}
						// Every parameter at once, with and without a cursor.
						send(strings.Join(all, "&"))
						send(strings.Join(all[:4], "&") + "&" + strings.Join(all[5:], "&"))
					}
					// Hostile parameter names.
					for _, name := range []string{"%27%20OR%201%3D1%20--", "status%00", "ordering[]", "search[]", "page[]",
						"%00", "", "=", "&&&", ";", "status;DROP", "STATUS", "cursor%00", "%FF", strings.Repeat("x", 10000)} {
						send(name + "=1")
						send(name + "=1&" + name + "=%27")
					}
					// Many parameters.
					var many []string
					for i := 0; i < 2000; i++ {
						many = append(many, fmt.Sprintf("p%d=%d", i, i), "status=todo")
					}
					send(strings.Join(many, "&"))
					if len(failures) > 0 {
						sort.Strings(failures)
						if len(failures) > 80 {
							failures = append(failures[:80], fmt.Sprintf("... and %d more", len(failures)-80))
						}
						t.Errorf("%d bad answers:\n%s", len(failures), strings.Join(failures, "\n"))
					}
				})
			}
		})

		// The tables are intact and every user still sees their own rows.
		if after := lpRowCounts(t, e); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("row counts changed: before %v, after %v", before, after)
		}
		for _, c := range []struct {
			client *client
			path   string
			count  int
		}{
			{fx.alice, "/api/tasks/", 10}, {fx.alice, "/api/workflows/", 5}, {fx.alice, "/api/projects/", 4},
			{fx.bob, "/api/tasks/", 5}, {fx.bob, "/api/workflows/", 1}, {fx.bob, "/api/projects/", 1},
		} {
			r := c.client.do("GET", c.path, nil)
			var pg struct{ Count int }
			if r.Status != 200 || json.Unmarshal(r.Body, &pg) != nil || pg.Count != c.count {
				t.Errorf("%s GET %s after the hostile requests: %d %s, want count %d", c.client.Username, c.path, r.Status, r.Body, c.count)
			}
		}
		fx.tasks.refresh(t, fx.alice) // every task still reads back
	})
}

// lpShort keeps a failure message readable.
func lpShort(s string) string {
	if len(s) > 400 {
		return s[:400] + "..."
	}
	return s
}

// TestListParamsExact checks the exact answers to some SQL-shaped values.
func TestListParamsExact(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		fx := ltSetup(t, e)
		T := fx.tasks
		all := T.sorted(ltDefault, T.names)
		page := func(names ...string) string { return ltPage(len(names), "", "", T.objects(names)) }
		invalidPage := `{"detail":"Invalid page."}`
		invalidCursor := `{"detail":"Invalid cursor"}`
		for _, c := range []struct {
			query  string
			status int
			body   string
		}{
			{"search=%27%20OR%201%3D1%20--", 200, page()},
			{"search=%22%3B%20DROP%20TABLE%20tasks%3B%20--", 200, page()},
			{"search=%27", 200, page()},
			{"search=%00", 200, page(all...)},
			{"search=a%00lpha", 200, page("g", "a")},
			{"search=%25%25", 200, page()},
			{"search=" + strings.Repeat("%25", 1000), 200, page()},
			{"search=" + strings.Repeat("%25", 1001), 400, `{"search":["<any>"]}`},
			{"search=%FF", 200, page()},
			{"search=%ED%A0%80", 200, page()},
			{"search=%C3%28", 200, page()},
			{"status=%27%20OR%201%3D1%20--", 400, ltErrors("status", ltMsgChoice("' OR 1=1 --"))},
			{"status__in=todo,%27%20OR%201%3D1%20--", 400, ltErrors("status__in", ltMsgChoice("' OR 1=1 --"))},
			{"priority=high%27%20--", 400, ltErrors("priority", ltMsgChoice("high' --"))},
			{"project=1%20OR%201%3D1", 400, ltErrors("project", ltMsgRef)},
			{"workflow=1%3B%20DROP%20TABLE%20tasks", 400, ltErrors("workflow", ltMsgRef)},
			{"project=%00", 400, ltErrors("project", ltMsgRef)},
			{"project=9223372036854775807", 400, ltErrors("project", ltMsgRef)},
			{"project=-9223372036854775808", 400, ltErrors("project", ltMsgRef)},
			{"due_date__gte=2026-01-01%27%20OR%20%271%27%3D%271", 400, ltErrors("due_date__gte", ltMsgDate)},
			{"due_date__lte=%00", 400, ltErrors("due_date__lte", ltMsgDate)},
			{"overdue=true%27%20--", 400, ltErrors("overdue", ltMsgBool)},
			{"overdue=%00", 400, ltErrors("overdue", ltMsgBool)},
			{"ordering=title%3BDROP%20TABLE%20tasks", 200, page(all...)},
			{"ordering=title%20DESC", 200, page(all...)},
			{"ordering=(SELECT%201)", 200, page(all...)},
			{"ordering=%00title", 200, page(all...)},
			{"page=1%20OR%201%3D1", 404, invalidPage},
			{"page=%00", 404, invalidPage},
			{"page=9223372036854775807", 404, invalidPage},
			{"page=4611686018427387904", 404, invalidPage},
			{"page=461168601842738791", 404, invalidPage},
			{"page=99999999999999999999", 404, invalidPage},
			{"page=-9223372036854775808", 404, invalidPage},
			{"page_size=100&page=92233720368547759", 404, invalidPage},
			{"page_size=1%20OR%201%3D1", 200, page(all...)},
			{"page_size=9223372036854775807", 200, page(all...)},
			{"page_size=-9223372036854775808", 200, page(all...)},
			{"page_size=%00", 200, page(all...)},
			{"cursor=%27%20OR%201%3D1%20--", 404, invalidCursor},
			{"cursor=%00", 404, invalidCursor},
			{"cursor=%FF.%FF", 404, invalidCursor},
			{"cursor=" + strings.Repeat("A", 10000), 404, invalidCursor},
		} {
			t.Run(c.query, func(t *testing.T) {
				r := lpGet(e.api, fx.alice.Access, "/api/tasks/", c.query)
				r.want(t, c.status, c.body)
			})
		}
		// The projects' created_at filters.
		for _, v := range []string{"%27%20OR%20%271%27%3D%271", "2026-03-01%27--", "%00", "9999999999999999999"} {
			for _, p := range []string{"created_at__gte", "created_at__lte"} {
				t.Run(p+"="+v, func(t *testing.T) {
					lpGet(e.api, fx.alice.Access, "/api/projects/", p+"="+v).want(t, 400, ltErrors(p, ltMsgDateTime))
				})
			}
		}
	})
}
