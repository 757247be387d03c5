package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The isolation matrix: another user's object must be indistinguishable
// from one that does not exist, and nothing a user sends may reach or
// change another user's data.

// missingID is an id no object of the tests has.
const missingID = 999999

// volatileHeaders differ between any two responses.
var volatileHeaders = map[string]bool{"X-Request-Id": true, "Date": true}

// sameResponse checks that two responses are identical in status, body,
// the set of header names and every header value but the volatile ones.
func sameResponse(t *testing.T, label string, got, want *response) {
	t.Helper()
	if got.Status != want.Status {
		t.Errorf("%s: status %d, but %d for a missing object", label, got.Status, want.Status)
	}
	if !bytes.Equal(got.Body, want.Body) {
		t.Errorf("%s: body\n  %s\nbut for a missing object\n  %s", label, got.Body, want.Body)
	}
	if g, w := headerNames(got.Header), headerNames(want.Header); g != w {
		t.Errorf("%s: headers [%s], but [%s] for a missing object", label, g, w)
	}
	for name, values := range want.Header {
		if volatileHeaders[name] {
			continue
		}
		if g := got.Header[name]; strings.Join(g, "\n") != strings.Join(values, "\n") {
			t.Errorf("%s: header %s %q, but %q for a missing object", label, name, g, values)
		}
	}
}

func headerNames(h http.Header) string {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// snapshot records what a user sees of the given object paths and of the
// user's lists, body and ETag, to prove later that nothing changed.
func (c *client) snapshot(paths ...string) map[string]string {
	c.e.t.Helper()
	shot := map[string]string{}
	for _, p := range append(paths, "/api/projects/", "/api/workflows/", "/api/tasks/") {
		r := c.do("GET", p, nil)
		if r.Status != http.StatusOK {
			c.e.t.Fatalf("snapshot GET %s: %d %s", p, r.Status, r.Body)
		}
		shot[p] = r.Header.Get("ETag") + " " + string(r.Body)
	}
	return shot
}

// unchanged compares a snapshot with the current state byte for byte.
func (c *client) unchanged(t *testing.T, before map[string]string) {
	t.Helper()
	for p, was := range before {
		r := c.do("GET", p, nil)
		if now := r.Header.Get("ETag") + " " + string(r.Body); now != was {
			t.Errorf("%s of %s changed:\n  before %s\n  after  %d %s", p, c.Username, was, r.Status, now)
		}
	}
}

// objectPath is the path of one object, with or without the final slash.
func objectPath(collection string, id int64, slash bool) string {
	p := fmt.Sprintf("%s%d", collection, id)
	if slash {
		p += "/"
	}
	return p
}

// decodeObject decodes a JSON object body, failing the test if it is not one.
func decodeObject(t *testing.T, r *response) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %d %q", r.Status, r.Body)
	}
	return m
}

// num reads an integer field of a decoded object (-1 when absent or not a number).
func num(m map[string]any, field string) int64 {
	f, ok := m[field].(float64)
	if !ok {
		return -1
	}
	return int64(f)
}

func TestIsolationObjectEndpoints(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		ap, aw, at := alice.tree()
		bp, bw, _ := bob.tree()

		kinds := []struct {
			model, collection string
			id                int64
			body              map[string]any
		}{
			{"Project", "/api/projects/", ap, map[string]any{"name": "hacked", "description": "by bob"}},
			{"Workflow", "/api/workflows/", aw, map[string]any{"project": bp, "name": "hacked", "status": "paused"}},
			{"Task", "/api/tasks/", at, map[string]any{"workflow": bw, "title": "hacked", "status": "done", "priority": "urgent"}},
		}
		var alicePaths []string
		etags := map[string]string{}
		for _, k := range kinds {
			p := objectPath(k.collection, k.id, true)
			alicePaths = append(alicePaths, p)
			etags[k.model] = alice.do("GET", p, nil).Header.Get("ETag")
			if etags[k.model] == "" {
				t.Fatalf("GET %s has no ETag", p)
			}
		}
		before := alice.snapshot(alicePaths...)
		bobBefore := bob.snapshot(objectPath("/api/projects/", bp, true), objectPath("/api/workflows/", bw, true))

		huge := `{"name":"` + strings.Repeat("x", 3<<19) + `"}` // 1.5 MiB
		for _, k := range kinds {
			for _, slash := range []bool{true, false} {
				for _, method := range []string{"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS", "POST"} {
					variants := []struct {
						name    string
						body    any
						headers []string
					}{
						{"bare", nil, nil},
						{"valid body", k.body, nil},
						{"If-Match *", k.body, []string{"If-Match", "*"}},
						{"If-Match of the object", k.body, []string{"If-Match", etags[k.model]}},
						{"stale If-Match", k.body, []string{"If-Match", `"stale"`}},
						{"If-Match without body", nil, []string{"If-Match", etags[k.model]}},
						{"If-None-Match", nil, []string{"If-None-Match", etags[k.model]}},
						{"malformed body", `{"name": `, nil},
						{"text/plain body", "name=hacked", []string{"Content-Type", "text/plain"}},
						{"oversized body", huge, nil},
						{"null body", "null", nil},
						{"list body", "[]", nil},
					}
					for _, v := range variants {
						label := fmt.Sprintf("%s %s (slash %v, %s)", method, k.collection, slash, v.name)
						other := bob.do(method, objectPath(k.collection, k.id, slash), v.body, v.headers...)
						missing := bob.do(method, objectPath(k.collection, missingID, slash), v.body, v.headers...)
						sameResponse(t, label, other, missing)
						if other.Status >= 500 {
							t.Errorf("%s: %d %s", label, other.Status, other.Body)
						}
						switch method {
						case "GET", "PUT", "PATCH", "DELETE":
							if other.Status != http.StatusNotFound || string(other.Body) != `{"detail":"No `+k.model+` matches the given query."}` {
								t.Errorf("%s: %d %s, want 404 No %s matches the given query.", label, other.Status, other.Body, k.model)
							}
						case "HEAD":
							if other.Status != http.StatusNotFound {
								t.Errorf("%s: %d, want 404", label, other.Status)
							}
						case "OPTIONS":
							if other.Status != http.StatusOK {
								t.Errorf("%s: %d, want 200", label, other.Status)
							}
						case "POST":
							if other.Status != http.StatusMethodNotAllowed {
								t.Errorf("%s: %d, want 405", label, other.Status)
							}
						}
						if other.Header.Get("ETag") != "" {
							t.Errorf("%s: the answer carries an ETag %s", label, other.Header.Get("ETag"))
						}
					}
				}
			}
		}
		alice.unchanged(t, before)
		bob.unchanged(t, bobBefore)
	})
}

func TestIsolationLists(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice, bob, carol := e.user("alice"), e.user("bob"), e.user("carol")
		owned := func(c *client, trees int) (ps, ws, ts map[int64]bool) {
			ps, ws, ts = map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
			for i := 0; i < trees; i++ {
				p, w, task := c.tree()
				ps[p], ws[w], ts[task] = true, true, true
				// A second task in the workflow, so counts differ per user.
				ts[c.create("/api/tasks/", map[string]any{"workflow": w, "title": "T2"})] = true
			}
			return
		}
		aps, aws, ats := owned(alice, 3)
		bps, bws, bts := owned(bob, 2)

		check := func(c *client, mine, theirs []map[int64]bool) {
			t.Helper()
			for i, path := range []string{"/api/projects/", "/api/workflows/", "/api/tasks/"} {
				for _, query := range []string{"", "?page_size=100", "?page=last", "?page_size=1", "?page_size=1&page=2"} {
					r := c.do("GET", path+query, nil)
					if r.Status != http.StatusOK {
						if query == "?page_size=1&page=2" && len(mine[i]) < 2 && r.Status == http.StatusNotFound {
							continue
						}
						t.Errorf("%s GET %s%s: %d %s", c.Username, path, query, r.Status, r.Body)
						continue
					}
					var page struct {
						Count   int
						Results []map[string]any
					}
					if err := json.Unmarshal(r.Body, &page); err != nil {
						t.Fatalf("%s GET %s%s: %v", c.Username, path, query, err)
					}
					if page.Count != len(mine[i]) {
						t.Errorf("%s GET %s%s: count %d, want %d (own rows only)", c.Username, path, query, page.Count, len(mine[i]))
					}
					for _, row := range page.Results {
						id := num(row, "id")
						if theirs[i][id] || !mine[i][id] {
							t.Errorf("%s GET %s%s shows a row that is not the caller's: %v", c.Username, path, query, row)
						}
						switch path {
						case "/api/projects/":
							if num(row, "owner") != c.ID {
								t.Errorf("%s sees a project owned by %d: %v", c.Username, num(row, "owner"), row)
							}
							if num(row, "workflow_count") != 1 || num(row, "task_count") != 2 {
								t.Errorf("%s: project counts %v, want 1 workflow and 2 tasks", c.Username, row)
							}
						case "/api/workflows/":
							if !mine[0][num(row, "project")] {
								t.Errorf("%s sees a workflow of a foreign project: %v", c.Username, row)
							}
							if num(row, "task_count") != 2 {
								t.Errorf("%s: workflow task_count %v, want 2", c.Username, row)
							}
						case "/api/tasks/":
							if !mine[0][num(row, "project")] || !mine[1][num(row, "workflow")] {
								t.Errorf("%s sees a task of a foreign workflow: %v", c.Username, row)
							}
						}
					}
				}
			}
		}
		check(alice, []map[int64]bool{aps, aws, ats}, []map[int64]bool{bps, bws, bts})
		check(bob, []map[int64]bool{bps, bws, bts}, []map[int64]bool{aps, aws, ats})
		for _, path := range []string{"/api/projects/", "/api/workflows/", "/api/tasks/"} {
			carol.do("GET", path, nil).want(t, 200, `{"count":0,"next":null,"previous":null,"results":[]}`)
		}
	})
}

// pkError is DRF's answer to a reference to an object that does not exist.
func pkError(field string, id any) string {
	return jsonf(`{"%s":["Invalid pk \"%v\" - object does not exist."]}`, field, id)
}

// samePKError checks that a reference to another user's object (id
// other) is answered as one to a missing object (id missing): same status,
// same headers, and the same body once the echoed id is substituted.
func samePKError(t *testing.T, label string, otherResp, missingResp *response, other, missing any) {
	t.Helper()
	// The echoed id changes the body and so its length; the length is
	// checked against the body and then compared as substituted.
	sub := func(r *response, id any) *response {
		body := bytes.ReplaceAll(r.Body, []byte(fmt.Sprintf(`\"%v\"`, id)), []byte(`\"ID\"`))
		h := r.Header.Clone()
		if h.Get("Content-Length") == strconv.Itoa(len(r.Body)) {
			h.Set("Content-Length", strconv.Itoa(len(body)))
		}
		return &response{Status: r.Status, Header: h, Body: body}
	}
	sameResponse(t, label, sub(otherResp, other), sub(missingResp, missing))
}

func TestIsolationReferences(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		ap, aw, at := alice.tree()
		bp, bw, bt := bob.tree()
		aliceBefore := alice.snapshot(objectPath("/api/projects/", ap, true), objectPath("/api/workflows/", aw, true),
			objectPath("/api/tasks/", at, true))
		bobPaths := []string{objectPath("/api/projects/", bp, true), objectPath("/api/workflows/", bw, true),
			objectPath("/api/tasks/", bt, true)}
		bobBefore := bob.snapshot(bobPaths...)

		cases := []struct {
			name, method, path, field string
			body                      func(ref any) map[string]any
			other                     int64
		}{
			{"create workflow in A's project", "POST", "/api/workflows/", "project",
				func(ref any) map[string]any { return map[string]any{"project": ref, "name": "W"} }, ap},
			{"create task in A's workflow", "POST", "/api/tasks/", "workflow",
				func(ref any) map[string]any { return map[string]any{"workflow": ref, "title": "T"} }, aw},
			{"PUT own workflow into A's project", "PUT", objectPath("/api/workflows/", bw, true), "project",
				func(ref any) map[string]any { return map[string]any{"project": ref, "name": "W"} }, ap},
			{"PATCH own workflow into A's project", "PATCH", objectPath("/api/workflows/", bw, true), "project",
				func(ref any) map[string]any { return map[string]any{"project": ref} }, ap},
			{"PATCH own workflow into A's project, no slash", "PATCH", objectPath("/api/workflows/", bw, false), "project",
				func(ref any) map[string]any { return map[string]any{"project": ref} }, ap},
			{"PUT own task into A's workflow", "PUT", objectPath("/api/tasks/", bt, true), "workflow",
				func(ref any) map[string]any { return map[string]any{"workflow": ref, "title": "T"} }, aw},
			{"PATCH own task into A's workflow", "PATCH", objectPath("/api/tasks/", bt, true), "workflow",
				func(ref any) map[string]any { return map[string]any{"workflow": ref} }, aw},
			{"PATCH own task into A's workflow, with If-Match", "PATCH", objectPath("/api/tasks/", bt, true), "workflow",
				func(ref any) map[string]any { return map[string]any{"workflow": ref, "status": "done"} }, aw},
		}
		for _, c := range cases {
			// As a JSON number and as a string of digits, as DRF accepts both.
			for _, asString := range []bool{false, true} {
				var otherRef, missingRef any = c.other, int64(missingID)
				if asString {
					otherRef, missingRef = fmt.Sprint(c.other), fmt.Sprint(missingID)
				}
				label := fmt.Sprintf("%s (string %v)", c.name, asString)
				var headers []string
				if strings.Contains(c.name, "If-Match") {
					headers = []string{"If-Match", "*"}
				}
				other := bob.do(c.method, c.path, c.body(otherRef), headers...)
				missing := bob.do(c.method, c.path, c.body(missingRef), headers...)
				other.want(t, 400, pkError(c.field, c.other))
				missing.want(t, 400, pkError(c.field, missingID))
				samePKError(t, label, other, missing, c.other, missingID)
			}
		}
		// With another field invalid too, the reference is reported with it,
		// still exactly as for a missing object.
		blankCases := []struct {
			name, method, path, field, other, body string
			id                                     int64
		}{
			{"create workflow", "POST", "/api/workflows/", "project", "name", `{"project":%d,"name":" "}`, ap},
			{"PATCH own workflow", "PATCH", objectPath("/api/workflows/", bw, true), "project", "name", `{"project":%d,"name":""}`, ap},
			{"create task", "POST", "/api/tasks/", "workflow", "title", `{"workflow":%d,"title":""}`, aw},
			{"PUT own task", "PUT", objectPath("/api/tasks/", bt, true), "workflow", "title", `{"workflow":%d,"title":"\t"}`, aw},
		}
		for _, c := range blankCases {
			other := bob.do(c.method, c.path, jsonf(c.body, c.id))
			missing := bob.do(c.method, c.path, jsonf(c.body, missingID))
			want := func(id int64) string {
				return jsonf(`{"%s":["Invalid pk \"%d\" - object does not exist."],"%s":["This field may not be blank."]}`, c.field, id, c.other)
			}
			expect(t, c.name+" with a blank field, other's reference", other, 400, want(c.id))
			expect(t, c.name+" with a blank field, missing reference", missing, 400, want(missingID))
			samePKError(t, c.name+" with a blank field", other, missing, c.id, missingID)
		}
		// The reference check also holds inside a PUT that changes nothing
		// else, and leaves the object where it was.
		bob.unchanged(t, bobBefore)
		alice.unchanged(t, aliceBefore)
		// Moving within one's own data still works.
		bp2 := bob.create("/api/projects/", map[string]any{"name": "P2"})
		bob.do("PATCH", objectPath("/api/workflows/", bw, true), map[string]any{"project": bp2}).want(t, 200, jsonf(
			`{"id":%d,"project":%d,"name":"W","status":"active","task_count":1,"created_at":"<timestamp>","updated_at":"<timestamp>"}`, bw, bp2))
		r := bob.do("GET", objectPath("/api/tasks/", bt, true), nil)
		if m := decodeObject(t, r); num(m, "project") != bp2 {
			t.Errorf("task of a moved workflow: project %v, want %d", m["project"], bp2)
		}
		alice.unchanged(t, aliceBefore)
	})
}

func TestIsolationReadOnlyFields(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		ap, aw, at := alice.tree()
		bp, bw, bt := bob.tree()
		aliceBefore := alice.snapshot(objectPath("/api/projects/", ap, true), objectPath("/api/workflows/", aw, true),
			objectPath("/api/tasks/", at, true))
		const past = "2001-02-03T04:05:06.789000Z"
		readOnly := func(extra map[string]any) map[string]any {
			m := map[string]any{"id": ap, "owner": alice.ID, "created_at": past, "updated_at": past,
				"completed_at": past, "workflow_count": 77, "task_count": 88}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}
		recent := func(label string, m map[string]any, field string) {
			t.Helper()
			s, _ := m[field].(string)
			at, err := time.Parse(time.RFC3339Nano, s)
			if err != nil || time.Since(at) > time.Hour || s == past {
				t.Errorf("%s: %s %q is not the server's time", label, field, s)
			}
		}
		checkProject := func(label string, r *response, status int, wantID int64, workflows, tasks int64) int64 {
			t.Helper()
			if r.Status != status {
				t.Fatalf("%s: %d %s", label, r.Status, r.Body)
			}
			m := decodeObject(t, r)
			id := num(m, "id")
			if (wantID != 0 && id != wantID) || id == ap {
				t.Errorf("%s: id %d", label, id)
			}
			if num(m, "owner") != bob.ID {
				t.Errorf("%s: owner %v, want the caller %d", label, m["owner"], bob.ID)
			}
			if num(m, "workflow_count") != workflows || num(m, "task_count") != tasks {
				t.Errorf("%s: counts %v/%v, want %d/%d", label, m["workflow_count"], m["task_count"], workflows, tasks)
			}
			recent(label, m, "created_at")
			recent(label, m, "updated_at")
			return id
		}

		// Projects.
		r := bob.do("POST", "/api/projects/", readOnly(map[string]any{"name": "Mine"}))
		newP := checkProject("POST project", r, 201, 0, 0, 0)
		if loc := r.Header.Get("Location"); loc != objectPath("/api/projects/", newP, true) {
			t.Errorf("POST project: Location %q", loc)
		}
		checkProject("GET created project", bob.do("GET", objectPath("/api/projects/", newP, true), nil), 200, newP, 0, 0)
		checkProject("PUT project", bob.do("PUT", objectPath("/api/projects/", bp, true), readOnly(map[string]any{"name": "Renamed"})), 200, bp, 1, 1)
		checkProject("PATCH project", bob.do("PATCH", objectPath("/api/projects/", bp, true), readOnly(nil)), 200, bp, 1, 1)
		// Read-only fields are ignored whatever their type.
		garbage := map[string]any{"id": "abc", "owner": map[string]any{"x": 1}, "created_at": []any{1}, "updated_at": true,
			"completed_at": "never", "workflow_count": "many", "task_count": nil}
		checkProject("PATCH project with garbage read-only fields", bob.do("PATCH", objectPath("/api/projects/", bp, true), garbage), 200, bp, 1, 1)
		r = bob.do("POST", "/api/projects/", map[string]any{"name": "G", "id": "abc", "owner": []any{}, "task_count": nil})
		checkProject("POST project with garbage read-only fields", r, 201, 0, 0, 0)
		if r := alice.do("GET", "/api/projects/", nil); decodeObject(t, r)["count"] != float64(1) {
			t.Errorf("alice's project list changed: %s", r.Body)
		}

		// Workflows.
		r = bob.do("POST", "/api/workflows/", readOnly(map[string]any{"project": bp, "name": "W2", "id": aw}))
		if r.Status != 201 {
			t.Fatalf("POST workflow: %d %s", r.Status, r.Body)
		}
		m := decodeObject(t, r)
		if num(m, "id") == aw || num(m, "project") != bp || num(m, "task_count") != 0 {
			t.Errorf("POST workflow with read-only fields: %s", r.Body)
		}
		recent("POST workflow", m, "created_at")
		r = bob.do("PUT", objectPath("/api/workflows/", bw, true), readOnly(map[string]any{"project": bp, "name": "W", "id": aw}))
		m = decodeObject(t, r)
		if r.Status != 200 || num(m, "id") != bw || num(m, "task_count") != 1 {
			t.Errorf("PUT workflow with read-only fields: %d %s", r.Status, r.Body)
		}
		recent("PUT workflow", m, "created_at")

		// Tasks: project is read-only on a task, completed_at follows the status.
		r = bob.do("POST", "/api/tasks/", readOnly(map[string]any{"workflow": bw, "title": "T2", "project": ap, "id": at}))
		m = decodeObject(t, r)
		if r.Status != 201 || num(m, "id") == at || num(m, "project") != bp || m["completed_at"] != nil {
			t.Errorf("POST task with read-only fields: %d %s", r.Status, r.Body)
		}
		recent("POST task", m, "created_at")
		for _, method := range []string{"PUT", "PATCH"} {
			r = bob.do(method, objectPath("/api/tasks/", bt, true), readOnly(map[string]any{"workflow": bw, "title": "T", "project": ap, "id": at}))
			m = decodeObject(t, r)
			if r.Status != 200 || num(m, "id") != bt || num(m, "project") != bp || num(m, "workflow") != bw || m["completed_at"] != nil {
				t.Errorf("%s task with read-only fields: %d %s", method, r.Status, r.Body)
			}
			recent(method+" task", m, "created_at")
		}
		r = bob.do("PATCH", objectPath("/api/tasks/", bt, true), map[string]any{"status": "done", "completed_at": past, "project": "abc"})
		m = decodeObject(t, r)
		if r.Status != 200 || num(m, "project") != bp {
			t.Errorf("PATCH task to done: %d %s", r.Status, r.Body)
		}
		recent("PATCH task to done", m, "completed_at")
		r = bob.do("PATCH", objectPath("/api/tasks/", bt, true), map[string]any{"completed_at": past})
		if m2 := decodeObject(t, r); r.Status != 200 || m2["completed_at"] != m["completed_at"] {
			t.Errorf("PATCH completed_at alone changed it: %d %s", r.Status, r.Body)
		}

		alice.unchanged(t, aliceBefore)
	})
}

func TestIsolationDelete(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		alice, bob := e.user("alice"), e.user("bob")
		ap, aw, at := alice.tree()
		alice.create("/api/tasks/", map[string]any{"workflow": aw, "title": "T2"})
		bp, bw, bt := bob.tree()
		alicePaths := []string{objectPath("/api/projects/", ap, true), objectPath("/api/workflows/", aw, true),
			objectPath("/api/tasks/", at, true)}
		bobPaths := []string{objectPath("/api/projects/", bp, true), objectPath("/api/workflows/", bw, true),
			objectPath("/api/tasks/", bt, true)}
		aliceBefore := alice.snapshot(alicePaths...)
		bobBefore := bob.snapshot(bobPaths...)

		// B deleting A's objects, leaf first and root first, removes nothing.
		for _, p := range []string{alicePaths[2], alicePaths[1], alicePaths[0], strings.TrimSuffix(alicePaths[0], "/")} {
			for _, headers := range [][]string{nil, {"If-Match", "*"}} {
				bob.do("DELETE", p, nil, headers...).want(t, 404, `{"detail":"<any>"}`)
			}
		}
		alice.unchanged(t, aliceBefore)
		bob.unchanged(t, bobBefore)

		rows := func(owner int64) (n int) {
			t.Helper()
			for _, table := range []string{"projects", "workflows", "tasks"} {
				var c int
				if err := e.store.SQL().QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE owner_id = $1`, owner).Scan(&c); err != nil {
					t.Fatal(err)
				}
				n += c
			}
			return n
		}
		if n := rows(alice.ID); n != 4 {
			t.Fatalf("alice owns %d rows before her deletion, want 4", n)
		}

		// Deleting A removes A's data and nothing of B's.
		if err := e.store.UserDelete(ctx, alice.ID); err != nil {
			t.Fatal(err)
		}
		if n := rows(alice.ID); n != 0 {
			t.Errorf("%d rows of the deleted user remain", n)
		}
		bob.unchanged(t, bobBefore)
		alice.do("GET", "/api/projects/", nil).want(t, 401, `{"detail":"User not found","code":"user_not_found"}`)

		// A new user inherits nothing of the deleted one.
		carol := e.user("carol")
		for _, path := range []string{"/api/projects/", "/api/workflows/", "/api/tasks/"} {
			carol.do("GET", path, nil).want(t, 200, `{"count":0,"next":null,"previous":null,"results":[]}`)
		}
		for _, p := range alicePaths {
			carol.do("GET", p, nil).want(t, 404, `{"detail":"<any>"}`)
			bob.do("GET", p, nil).want(t, 404, `{"detail":"<any>"}`)
		}
		bob.unchanged(t, bobBefore)
	})
}
