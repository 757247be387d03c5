package api_test

// Tests of the three resources (projects, workflows, tasks) through the
// real router on every engine: the verbs, every validation message of
// api.md, defaults and choices, completed_at, moves and counts, the
// timestamp format, ETag preconditions and page-number pagination.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rtM is a JSON object, wanted or decoded.
type rtM = map[string]any

// rtJSON encodes a wanted body.
func rtJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// rtMerge returns base with the fields of over replaced or added.
func rtMerge(base, over rtM) rtM {
	m := rtM{}
	for k, v := range base {
		m[k] = v
	}
	for k, v := range over {
		m[k] = v
	}
	return m
}

// rtObject decodes a JSON object body.
func rtObject(t *testing.T, r *response) rtM {
	t.Helper()
	var m rtM
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %q", r.Body)
	}
	return m
}

// rtInt reads a JSON number as an int64.
func rtInt(t *testing.T, v any) int64 {
	t.Helper()
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("%v (%T) is not a number", v, v)
	}
	return int64(f)
}

// rtTime parses a timestamp as DRF writes it.
func rtTime(t *testing.T, v any) time.Time {
	t.Helper()
	s, ok := v.(string)
	if !ok || !stampPattern.MatchString(s) {
		t.Fatalf("%v is not a DRF timestamp", v)
	}
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// rtETag checks that a response carries a strong ETag and returns it.
func rtETag(t *testing.T, r *response) string {
	t.Helper()
	etag := r.Header.Get("ETag")
	if len(etag) < 3 || !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) {
		t.Fatalf("ETag %q, want a strong quoted ETag (status %d)", etag, r.Status)
	}
	return etag
}

// rtNoContent checks a 204: empty body, no Content-Type.
func rtNoContent(t *testing.T, r *response) {
	t.Helper()
	r.want(t, http.StatusNoContent, "")
	if ct, ok := r.Header["Content-Type"]; ok {
		t.Fatalf("204 has Content-Type %q, want none", ct)
	}
}

// rtPage is DRF's page-number envelope.
type rtPage struct {
	Count    int     `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []rtM   `json:"results"`
}

// rtList gets one page of a list, which must answer 200.
func rtList(t *testing.T, c *client, path string) rtPage {
	t.Helper()
	r := c.do("GET", path, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("GET %s: Content-Type %q", path, ct)
	}
	var p rtPage
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, r.Body)
	}
	if !strings.Contains(string(r.Body), `"next":`) || !strings.Contains(string(r.Body), `"previous":`) {
		t.Fatalf("GET %s: envelope without next/previous: %s", path, r.Body)
	}
	return p
}

// rtIDs returns the ids of a page's results.
func rtIDs(t *testing.T, p rtPage) []int64 {
	t.Helper()
	ids := make([]int64, len(p.Results))
	for i, r := range p.Results {
		ids[i] = rtInt(t, r["id"])
	}
	return ids
}

// rtLink renders a next/previous link for messages and comparisons.
func rtLink(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

// rtGetField reads one field of an object by GET.
func rtGetField(t *testing.T, c *client, path, field string) any {
	t.Helper()
	r := c.do("GET", path, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	return rtObject(t, r)[field]
}

// rtCounts returns a project's workflow_count and task_count.
func rtCounts(t *testing.T, c *client, project int64) [2]int64 {
	t.Helper()
	o := rtObject(t, c.do("GET", fmt.Sprintf("/api/projects/%d/", project), nil))
	return [2]int64{rtInt(t, o["workflow_count"]), rtInt(t, o["task_count"])}
}

// ---------------------------------------------------------------------
// Verbs

// rtVerbs describes the life of one object of a resource.
type rtVerbs struct {
	model      string // "Project"
	path       string // "/api/projects/"
	create     rtM    // a POST body with the required fields only
	created    rtM    // the whole object it gives (id is checked apart)
	patch      rtM    // a PATCH body setting optional fields
	afterPatch rtM
	put        rtM // a PUT body with the required fields only
	afterPut   rtM
	putEmpty   string // the 400 body of PUT {}
}

// run walks one object through POST, GET, PATCH, PUT and DELETE.
func (v rtVerbs) run(t *testing.T, c *client) {
	t.Helper()
	// POST creates: 201, the whole object, Location and ETag.
	r := c.do("POST", v.path, v.create)
	r.want(t, http.StatusCreated, rtJSON(rtMerge(v.created, rtM{"id": anyValue})))
	obj := rtObject(t, r)
	id := rtInt(t, obj["id"])
	if id <= 0 {
		t.Fatalf("id %d is not positive", id)
	}
	objPath := fmt.Sprintf("%s%d/", v.path, id)
	if loc := r.Header.Get("Location"); loc != objPath {
		t.Errorf("Location %q, want %q", loc, objPath)
	}
	etag := rtETag(t, r)
	created := rtTime(t, obj["created_at"])
	updated := rtTime(t, obj["updated_at"])
	if updated.Before(created) {
		t.Errorf("updated_at %v before created_at %v", updated, created)
	}
	if d := time.Since(created); d < -time.Minute || d > time.Minute {
		t.Errorf("created_at %v is not now", created)
	}

	// GET reads the same object with the same ETag.
	g := c.do("GET", objPath, nil)
	g.want(t, http.StatusOK, rtJSON(rtMerge(v.created, rtM{"id": id, "created_at": obj["created_at"], "updated_at": obj["updated_at"]})))
	if e := rtETag(t, g); e != etag {
		t.Errorf("GET ETag %s differs from POST ETag %s of the same object", e, etag)
	}

	// PATCH changes only the given fields.
	p := c.do("PATCH", objPath, v.patch)
	p.want(t, http.StatusOK, rtJSON(rtMerge(v.afterPatch, rtM{"id": id, "created_at": obj["created_at"]})))
	pObj := rtObject(t, p)
	if u := rtTime(t, pObj["updated_at"]); !u.After(updated) {
		t.Errorf("PATCH: updated_at %v did not advance from %v", u, updated)
	} else {
		updated = u
	}
	if e := rtETag(t, p); e == etag {
		t.Errorf("PATCH: ETag %s did not change", e)
	} else {
		etag = e
	}

	// PUT {} reports the missing required fields and changes nothing.
	c.do("PUT", objPath, rtM{}).want(t, http.StatusBadRequest, v.putEmpty)
	c.do("PUT", objPath, "").want(t, http.StatusBadRequest, v.putEmpty) // an empty body counts as {}
	if e := rtETag(t, c.do("GET", objPath, nil)); e != etag {
		t.Errorf("a failed PUT changed the object")
	}

	// PUT with only the required fields keeps the optional ones.
	u := c.do("PUT", objPath, v.put)
	u.want(t, http.StatusOK, rtJSON(rtMerge(v.afterPut, rtM{"id": id, "created_at": obj["created_at"]})))
	uObj := rtObject(t, u)
	if ts := rtTime(t, uObj["updated_at"]); !ts.After(updated) {
		t.Errorf("PUT: updated_at %v did not advance from %v", ts, updated)
	} else {
		updated = ts
	}
	if e := rtETag(t, u); e == etag {
		t.Errorf("PUT: ETag %s did not change", e)
	} else {
		etag = e
	}
	g = c.do("GET", objPath, nil)
	if string(g.Body) != string(u.Body) || rtETag(t, g) != etag {
		t.Errorf("GET after PUT:\n  %s %s\nwant\n  %s %s", g.Body, g.Header.Get("ETag"), u.Body, etag)
	}

	// PATCH {} changes nothing but updated_at.
	e := c.do("PATCH", objPath, rtM{})
	e.want(t, http.StatusOK, rtJSON(rtMerge(v.afterPut, rtM{"id": id, "created_at": obj["created_at"]})))
	if ts := rtTime(t, rtObject(t, e)["updated_at"]); !ts.After(updated) {
		t.Errorf("PATCH {}: updated_at %v did not advance from %v", ts, updated)
	}

	// DELETE is 204 with an empty body; then every verb is 404.
	rtNoContent(t, c.do("DELETE", objPath, nil))
	gone := jsonf(`{"detail":"No %s matches the given query."}`, v.model)
	c.do("GET", objPath, nil).want(t, http.StatusNotFound, gone)
	c.do("PUT", objPath, v.put).want(t, http.StatusNotFound, gone)
	c.do("PATCH", objPath, v.patch).want(t, http.StatusNotFound, gone)
	c.do("DELETE", objPath, nil).want(t, http.StatusNotFound, gone)
	// A GET of an id that never existed is the same 404.
	c.do("GET", fmt.Sprintf("%s%d/", v.path, id+1000), nil).want(t, http.StatusNotFound, gone)
}

func TestProjectResourceVerbs(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		base := rtM{"name": "Alpha", "description": "", "owner": alice.ID, "workflow_count": 0, "task_count": 0,
			"created_at": anyStamp, "updated_at": anyStamp}
		rtVerbs{
			model: "Project", path: "/api/projects/",
			create:     rtM{"name": "  Alpha  "},
			created:    base,
			patch:      rtM{"description": "  kept  "},
			afterPatch: rtMerge(base, rtM{"description": "kept"}),
			put:        rtM{"name": "Beta"},
			afterPut:   rtMerge(base, rtM{"name": "Beta", "description": "kept"}),
			putEmpty:   `{"name":["This field is required."]}`,
		}.run(t, alice)
	})
}

func TestWorkflowResourceVerbs(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		p1 := alice.create("/api/projects/", rtM{"name": "P1"})
		p2 := alice.create("/api/projects/", rtM{"name": "P2"})
		base := rtM{"project": p1, "name": "Flow", "status": "active", "task_count": 0,
			"created_at": anyStamp, "updated_at": anyStamp}
		rtVerbs{
			model: "Workflow", path: "/api/workflows/",
			create:     rtM{"project": p1, "name": "\tFlow\n"},
			created:    base,
			patch:      rtM{"status": "paused"},
			afterPatch: rtMerge(base, rtM{"status": "paused"}),
			put:        rtM{"project": p2, "name": "Flow 2"},
			afterPut:   rtMerge(base, rtM{"project": p2, "name": "Flow 2", "status": "paused"}),
			putEmpty:   `{"project":["This field is required."],"name":["This field is required."]}`,
		}.run(t, alice)
	})
}

func TestTaskResourceVerbs(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		p1 := alice.create("/api/projects/", rtM{"name": "P1"})
		w1 := alice.create("/api/workflows/", rtM{"project": p1, "name": "W1"})
		p2 := alice.create("/api/projects/", rtM{"name": "P2"})
		w2 := alice.create("/api/workflows/", rtM{"project": p2, "name": "W2"})
		base := rtM{"workflow": w1, "project": p1, "title": "Title", "description": "", "status": "todo",
			"priority": "medium", "due_date": nil, "completed_at": nil, "created_at": anyStamp, "updated_at": anyStamp}
		set := rtM{"description": "details", "status": "in_progress", "priority": "high", "due_date": "2026-12-31"}
		rtVerbs{
			model: "Task", path: "/api/tasks/",
			create:     rtM{"workflow": w1, "title": " Title "},
			created:    base,
			patch:      rtMerge(set, rtM{"description": " details "}),
			afterPatch: rtMerge(base, set),
			put:        rtM{"workflow": w2, "title": "Title 2"},
			afterPut:   rtMerge(rtMerge(base, set), rtM{"workflow": w2, "project": p2, "title": "Title 2"}),
			putEmpty:   `{"workflow":["This field is required."],"title":["This field is required."]}`,
		}.run(t, alice)
	})
}

// ---------------------------------------------------------------------
// Validation

// rtCase is one request of a validation table: a 400 with want, or a 201
// whose fields include fields.
type rtCase struct {
	name   string
	body   any // a value sent as JSON, or a string sent as is
	want   string
	fields rtM
}

// rtValidate runs a table against POST on a collection.
func rtValidate(t *testing.T, c *client, path string, cases []rtCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do("POST", path, tc.body)
			if tc.fields == nil {
				r.want(t, http.StatusBadRequest, tc.want)
				return
			}
			if r.Status != http.StatusCreated {
				t.Fatalf("status %d, want 201; body %s", r.Status, r.Body)
			}
			got := rtObject(t, r)
			for k, want := range tc.fields {
				var w any
				json.Unmarshal([]byte(rtJSON(want)), &w)
				if !matchJSON(got[k], w) {
					t.Errorf("%s = %v, want %v (body %s)", k, got[k], want, r.Body)
				}
			}
		})
	}
}

// rtMaxLen is DRF's max_length message.
func rtMaxLen(field string, n int) string {
	return jsonf(`{%q:["Ensure this field has no more than %d characters."]}`, field, n)
}

func TestProjectValidation(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		rtValidate(t, alice, "/api/projects/", []rtCase{
			{name: "empty object", body: rtM{}, want: `{"name":["This field is required."]}`},
			{name: "empty body", body: "", want: `{"name":["This field is required."]}`},
			{name: "blank name", body: rtM{"name": ""}, want: `{"name":["This field may not be blank."]}`},
			{name: "white space name", body: rtM{"name": " \t\n "}, want: `{"name":["This field may not be blank."]}`},
			{name: "null name", body: rtM{"name": nil}, want: `{"name":["This field may not be null."]}`},
			{name: "bool name", body: rtM{"name": true}, want: `{"name":["Not a valid string."]}`},
			{name: "list name", body: rtM{"name": []any{"a"}}, want: `{"name":["Not a valid string."]}`},
			{name: "object name", body: rtM{"name": rtM{"a": 1}}, want: `{"name":["Not a valid string."]}`},
			{name: "long name", body: rtM{"name": strings.Repeat("n", 201)}, want: rtMaxLen("name", 200)},
			{name: "long name in characters", body: rtM{"name": strings.Repeat("é", 201)}, want: rtMaxLen("name", 200)},
			{name: "NUL in name", body: rtM{"name": "a\x00b"}, want: `{"name":["Null characters are not allowed."]}`},
			{name: "null description", body: rtM{"name": "P", "description": nil}, want: `{"description":["This field may not be null."]}`},
			{name: "long description", body: rtM{"name": "P", "description": strings.Repeat("d", 10001)}, want: rtMaxLen("description", 10000)},
			{name: "bool description", body: rtM{"name": "P", "description": false}, want: `{"description":["Not a valid string."]}`},
			{name: "all errors together", body: rtM{"name": "", "description": strings.Repeat("d", 10001)},
				want: `{"name":["This field may not be blank."],"description":["Ensure this field has no more than 10000 characters."]}`},
			{name: "list body", body: "[1]", want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`},
			{name: "string body", body: `"x"`, want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}`},
			{name: "null body", body: "null", want: `{"non_field_errors":["No data provided"]}`},

			{name: "trimmed", body: rtM{"name": "  Alpha \n", "description": "\t about  "},
				fields: rtM{"name": "Alpha", "description": "about"}},
			{name: "blank description allowed", body: rtM{"name": "P", "description": "   "}, fields: rtM{"description": ""}},
			{name: "number name is its text", body: rtM{"name": 42}, fields: rtM{"name": "42"}},
			{name: "longest name", body: rtM{"name": strings.Repeat("é", 200)}, fields: rtM{"name": strings.Repeat("é", 200)}},
			{name: "max counted after trimming", body: rtM{"name": "  " + strings.Repeat("n", 200) + "  "},
				fields: rtM{"name": strings.Repeat("n", 200)}},
			{name: "longest description", body: rtM{"name": "P", "description": strings.Repeat("d", 10000)},
				fields: rtM{"description": strings.Repeat("d", 10000)}},
			{name: "read-only and unknown fields ignored", body: rtM{"name": "P", "id": 999, "owner": 999,
				"workflow_count": 7, "task_count": 7, "created_at": "2000-01-01T00:00:00Z", "updated_at": "2000-01-01T00:00:00Z", "bogus": 1},
				fields: rtM{"owner": alice.ID, "workflow_count": 0, "task_count": 0, "created_at": anyStamp}},
		})
		t.Run("JSON parse error", func(t *testing.T) {
			r := alice.do("POST", "/api/projects/", `{"name":`)
			r.want(t, http.StatusBadRequest, `{"detail":"<any>"}`)
			if d, _ := r.field("detail").(string); !strings.HasPrefix(d, "JSON parse error - ") {
				t.Errorf("detail %q", d)
			}
		})
		t.Run("PATCH and PUT validate", func(t *testing.T) {
			id := alice.create("/api/projects/", rtM{"name": "Keep", "description": "D"})
			path := fmt.Sprintf("/api/projects/%d/", id)
			before := alice.do("GET", path, nil)
			alice.do("PATCH", path, rtM{"name": "  "}).want(t, 400, `{"name":["This field may not be blank."]}`)
			alice.do("PATCH", path, rtM{"name": nil}).want(t, 400, `{"name":["This field may not be null."]}`)
			alice.do("PATCH", path, rtM{"description": strings.Repeat("d", 10001)}).want(t, 400, rtMaxLen("description", 10000))
			alice.do("PUT", path, rtM{"description": "x"}).want(t, 400, `{"name":["This field is required."]}`)
			alice.do("PUT", path, rtM{"name": "", "description": nil}).want(t, 400,
				`{"name":["This field may not be blank."],"description":["This field may not be null."]}`)
			after := alice.do("GET", path, nil)
			if string(after.Body) != string(before.Body) {
				t.Errorf("failed writes changed the project:\n  %s\n  %s", before.Body, after.Body)
			}
			alice.do("PATCH", path, rtM{"owner": 999, "id": 5, "task_count": 3}).want(t, 200, jsonf(`{"id":%d,"name":"Keep",
				"description":"D","owner":%d,"workflow_count":0,"task_count":0,"created_at":"<timestamp>","updated_at":"<timestamp>"}`, id, alice.ID))
		})
	})
}

func TestWorkflowValidation(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		p := alice.create("/api/projects/", rtM{"name": "P"})
		bobP := bob.create("/api/projects/", rtM{"name": "B"})
		missing := bobP + 1000
		invalidPK := func(v any) string {
			return jsonf(`{"project":["Invalid pk \"%v\" - object does not exist."]}`, v)
		}
		rtValidate(t, alice, "/api/workflows/", []rtCase{
			{name: "empty", body: rtM{}, want: `{"project":["This field is required."],"name":["This field is required."]}`},
			{name: "no project", body: rtM{"name": "W"}, want: `{"project":["This field is required."]}`},
			{name: "no name", body: rtM{"project": p}, want: `{"name":["This field is required."]}`},
			{name: "blank name", body: rtM{"project": p, "name": "  "}, want: `{"name":["This field may not be blank."]}`},
			{name: "null name", body: rtM{"project": p, "name": nil}, want: `{"name":["This field may not be null."]}`},
			{name: "bool name", body: rtM{"project": p, "name": true}, want: `{"name":["Not a valid string."]}`},
			{name: "long name", body: rtM{"project": p, "name": strings.Repeat("w", 201)}, want: rtMaxLen("name", 200)},
			{name: "bad status", body: rtM{"project": p, "name": "W", "status": "bogus"}, want: `{"status":["\"bogus\" is not a valid choice."]}`},
			{name: "empty status", body: rtM{"project": p, "name": "W", "status": ""}, want: `{"status":["\"\" is not a valid choice."]}`},
			{name: "upper case status", body: rtM{"project": p, "name": "W", "status": "ACTIVE"}, want: `{"status":["\"ACTIVE\" is not a valid choice."]}`},
			{name: "number status", body: rtM{"project": p, "name": "W", "status": 1}, want: `{"status":["\"1\" is not a valid choice."]}`},
			{name: "null status", body: rtM{"project": p, "name": "W", "status": nil}, want: `{"status":["This field may not be null."]}`},
			{name: "null project", body: rtM{"project": nil, "name": "W"}, want: `{"project":["This field may not be null."]}`},
			{name: "string project", body: rtM{"project": "abc", "name": "W"}, want: `{"project":["Incorrect type. Expected pk value, received str."]}`},
			{name: "bool project", body: rtM{"project": true, "name": "W"}, want: `{"project":["Incorrect type. Expected pk value, received bool."]}`},
			{name: "list project", body: rtM{"project": []any{p}, "name": "W"}, want: `{"project":["Incorrect type. Expected pk value, received list."]}`},
			{name: "object project", body: rtM{"project": rtM{"id": p}, "name": "W"}, want: `{"project":["Incorrect type. Expected pk value, received dict."]}`},
			{name: "zero project", body: rtM{"project": 0, "name": "W"}, want: invalidPK(0)},
			{name: "missing project", body: rtM{"project": missing, "name": "W"}, want: invalidPK(missing)},
			{name: "missing project as string", body: rtM{"project": fmt.Sprint(missing), "name": "W"}, want: invalidPK(missing)},
			{name: "another user's project", body: rtM{"project": bobP, "name": "W"}, want: invalidPK(bobP)},
			{name: "field errors together", body: rtM{"project": "abc", "name": "", "status": "x"},
				want: `{"project":["Incorrect type. Expected pk value, received str."],"name":["This field may not be blank."],"status":["\"x\" is not a valid choice."]}`},
			// DRF validates the reference as a field: its error comes
			// with the other fields' errors, not after them.
			{name: "missing reference reported with other errors", body: rtM{"project": missing, "name": "", "status": "x"},
				want: jsonf(`{"project":["Invalid pk \"%d\" - object does not exist."],"name":["This field may not be blank."],"status":["\"x\" is not a valid choice."]}`, missing)},

			{name: "project as digit string", body: rtM{"project": fmt.Sprint(p), "name": "W"}, fields: rtM{"project": p}},
			{name: "trimmed name", body: rtM{"project": p, "name": "  W  "}, fields: rtM{"name": "W", "status": "active", "task_count": 0}},
			{name: "read-only ignored", body: rtM{"project": p, "name": "W", "id": 999, "task_count": 9, "created_at": "2000-01-01T00:00:00Z"},
				fields: rtM{"task_count": 0, "created_at": anyStamp}},
		})
		t.Run("every status", func(t *testing.T) {
			for _, s := range []string{"active", "paused", "completed", "archived"} {
				r := alice.do("POST", "/api/workflows/", rtM{"project": p, "name": s, "status": s})
				r.want(t, 201, jsonf(`{"id":"<any>","project":%d,"name":%q,"status":%q,"task_count":0,
					"created_at":"<timestamp>","updated_at":"<timestamp>"}`, p, s, s))
				path := fmt.Sprintf("/api/workflows/%d/", rtInt(t, r.field("id")))
				for _, s2 := range []string{"active", "paused", "completed", "archived"} {
					if got := rtObject(t, alice.do("PATCH", path, rtM{"status": s2}))["status"]; got != s2 {
						t.Errorf("PATCH status %s: got %v", s2, got)
					}
				}
			}
		})
		t.Run("PATCH validates", func(t *testing.T) {
			id := alice.create("/api/workflows/", rtM{"project": p, "name": "W"})
			path := fmt.Sprintf("/api/workflows/%d/", id)
			alice.do("PATCH", path, rtM{"project": bobP}).want(t, 400, invalidPK(bobP))
			alice.do("PATCH", path, rtM{"project": nil}).want(t, 400, `{"project":["This field may not be null."]}`)
			alice.do("PATCH", path, rtM{"status": "done"}).want(t, 400, `{"status":["\"done\" is not a valid choice."]}`)
			alice.do("PUT", path, rtM{"project": p}).want(t, 400, `{"name":["This field is required."]}`)
			alice.do("GET", path, nil).want(t, 200, jsonf(`{"id":%d,"project":%d,"name":"W","status":"active","task_count":0,
				"created_at":"<timestamp>","updated_at":"<timestamp>"}`, id, p))
		})
	})
}

func TestTaskValidation(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		p, w, _ := alice.tree()
		_, bobW, _ := bob.tree()
		missing := bobW + 1000
		invalidPK := func(v any) string {
			return jsonf(`{"workflow":["Invalid pk \"%v\" - object does not exist."]}`, v)
		}
		const dateMsg = `Date has wrong format. Use one of these formats instead: YYYY-MM-DD.`
		ok := func(extra rtM) rtM { return rtMerge(rtM{"workflow": w, "title": "T"}, extra) }
		rtValidate(t, alice, "/api/tasks/", []rtCase{
			{name: "empty", body: rtM{}, want: `{"workflow":["This field is required."],"title":["This field is required."]}`},
			{name: "empty body", body: "", want: `{"workflow":["This field is required."],"title":["This field is required."]}`},
			{name: "no workflow", body: rtM{"title": "T"}, want: `{"workflow":["This field is required."]}`},
			{name: "blank title", body: ok(rtM{"title": " \n"}), want: `{"title":["This field may not be blank."]}`},
			{name: "null title", body: ok(rtM{"title": nil}), want: `{"title":["This field may not be null."]}`},
			{name: "list title", body: ok(rtM{"title": []any{}}), want: `{"title":["Not a valid string."]}`},
			{name: "long title", body: ok(rtM{"title": strings.Repeat("t", 256)}), want: rtMaxLen("title", 255)},
			{name: "long title in characters", body: ok(rtM{"title": strings.Repeat("ß", 256)}), want: rtMaxLen("title", 255)},
			{name: "long description", body: ok(rtM{"description": strings.Repeat("d", 10001)}), want: rtMaxLen("description", 10000)},
			{name: "null description", body: ok(rtM{"description": nil}), want: `{"description":["This field may not be null."]}`},
			{name: "bad status", body: ok(rtM{"status": "finished"}), want: `{"status":["\"finished\" is not a valid choice."]}`},
			{name: "null status", body: ok(rtM{"status": nil}), want: `{"status":["This field may not be null."]}`},
			{name: "bad priority", body: ok(rtM{"priority": "extreme"}), want: `{"priority":["\"extreme\" is not a valid choice."]}`},
			{name: "number priority", body: ok(rtM{"priority": 3}), want: `{"priority":["\"3\" is not a valid choice."]}`},
			{name: "bool priority", body: ok(rtM{"priority": true}), want: `{"priority":["\"True\" is not a valid choice."]}`},
			{name: "empty priority", body: ok(rtM{"priority": ""}), want: `{"priority":["\"\" is not a valid choice."]}`},
			{name: "null priority", body: ok(rtM{"priority": nil}), want: `{"priority":["This field may not be null."]}`},
			// DRF echoes the input as is: "{input}" is not a valid choice.
			{name: "choice echoed verbatim", body: ok(rtM{"status": `a"b`}), want: `{"status":["\"a\"b\" is not a valid choice."]}`},
			{name: "bad date", body: ok(rtM{"due_date": "2026-13-01"}), want: `{"due_date":["` + dateMsg + `"]}`},
			{name: "impossible date", body: ok(rtM{"due_date": "2026-02-30"}), want: `{"due_date":["` + dateMsg + `"]}`},
			{name: "slashed date", body: ok(rtM{"due_date": "2026/01/05"}), want: `{"due_date":["` + dateMsg + `"]}`},
			{name: "word date", body: ok(rtM{"due_date": "tomorrow"}), want: `{"due_date":["` + dateMsg + `"]}`},
			{name: "number date", body: ok(rtM{"due_date": 20260105}), want: `{"due_date":["` + dateMsg + `"]}`},
			{name: "empty date", body: ok(rtM{"due_date": ""}), want: `{"due_date":["` + dateMsg + `"]}`},
			{name: "null workflow", body: ok(rtM{"workflow": nil}), want: `{"workflow":["This field may not be null."]}`},
			{name: "string workflow", body: ok(rtM{"workflow": "W"}), want: `{"workflow":["Incorrect type. Expected pk value, received str."]}`},
			{name: "bool workflow", body: ok(rtM{"workflow": false}), want: `{"workflow":["Incorrect type. Expected pk value, received bool."]}`},
			{name: "missing workflow", body: ok(rtM{"workflow": missing}), want: invalidPK(missing)},
			{name: "another user's workflow", body: ok(rtM{"workflow": bobW}), want: invalidPK(bobW)},
			{name: "every field wrong", body: rtM{"workflow": "x", "title": "", "description": nil, "status": "bogus",
				"priority": "extreme", "due_date": "nope"},
				want: `{"workflow":["Incorrect type. Expected pk value, received str."],"title":["This field may not be blank."],
					"description":["This field may not be null."],"status":["\"bogus\" is not a valid choice."],
					"priority":["\"extreme\" is not a valid choice."],"due_date":["` + dateMsg + `"]}`},
			{name: "missing reference reported with other errors", body: rtM{"workflow": missing, "title": ""},
				want: jsonf(`{"workflow":["Invalid pk \"%d\" - object does not exist."],"title":["This field may not be blank."]}`, missing)},

			{name: "defaults", body: rtM{"workflow": w, "title": "T"}, fields: rtM{"id": anyValue, "workflow": w, "project": p, "title": "T",
				"description": "", "status": "todo", "priority": "medium", "due_date": nil, "completed_at": nil,
				"created_at": anyStamp, "updated_at": anyStamp}},
			{name: "trimmed", body: ok(rtM{"title": "\t T \n", "description": "  d  "}), fields: rtM{"title": "T", "description": "d"}},
			{name: "blank description allowed", body: ok(rtM{"description": "  "}), fields: rtM{"description": ""}},
			{name: "longest title", body: ok(rtM{"title": strings.Repeat("ß", 255)}), fields: rtM{"title": strings.Repeat("ß", 255)}},
			{name: "workflow as digit string", body: ok(rtM{"workflow": fmt.Sprint(w)}), fields: rtM{"workflow": w, "project": p}},
			{name: "due date", body: ok(rtM{"due_date": "2026-02-28"}), fields: rtM{"due_date": "2026-02-28"}},
			{name: "short due date", body: ok(rtM{"due_date": "2026-1-5"}), fields: rtM{"due_date": "2026-01-05"}},
			{name: "null due date", body: ok(rtM{"due_date": nil}), fields: rtM{"due_date": nil}},
			{name: "read-only ignored", body: ok(rtM{"id": 999, "project": 999, "completed_at": "2000-01-01T00:00:00Z",
				"created_at": "2000-01-01T00:00:00Z", "updated_at": "2000-01-01T00:00:00Z", "owner": 5}),
				fields: rtM{"project": p, "completed_at": nil, "created_at": anyStamp}},
		})
		t.Run("every status and priority", func(t *testing.T) {
			for _, s := range []string{"todo", "in_progress", "blocked", "done"} {
				for _, pr := range []string{"low", "medium", "high", "urgent"} {
					r := alice.do("POST", "/api/tasks/", ok(rtM{"status": s, "priority": pr}))
					if r.Status != 201 || r.field("status") != s || r.field("priority") != pr {
						t.Errorf("POST status %s priority %s: %d %s", s, pr, r.Status, r.Body)
					}
				}
			}
			id := alice.create("/api/tasks/", ok(nil))
			path := fmt.Sprintf("/api/tasks/%d/", id)
			for _, s := range []string{"todo", "in_progress", "blocked", "done"} {
				if r := alice.do("PATCH", path, rtM{"status": s}); r.Status != 200 || r.field("status") != s {
					t.Errorf("PATCH status %s: %d %s", s, r.Status, r.Body)
				}
			}
			for _, pr := range []string{"low", "medium", "high", "urgent"} {
				if r := alice.do("PATCH", path, rtM{"priority": pr}); r.Status != 200 || r.field("priority") != pr {
					t.Errorf("PATCH priority %s: %d %s", pr, r.Status, r.Body)
				}
			}
		})
		t.Run("PATCH and PUT validate", func(t *testing.T) {
			id := alice.create("/api/tasks/", ok(rtM{"description": "D", "due_date": "2026-05-01", "priority": "low"}))
			path := fmt.Sprintf("/api/tasks/%d/", id)
			before := alice.do("GET", path, nil)
			alice.do("PATCH", path, rtM{"title": ""}).want(t, 400, `{"title":["This field may not be blank."]}`)
			alice.do("PATCH", path, rtM{"workflow": nil}).want(t, 400, `{"workflow":["This field may not be null."]}`)
			alice.do("PATCH", path, rtM{"workflow": bobW}).want(t, 400, invalidPK(bobW))
			alice.do("PATCH", path, rtM{"due_date": "31.12.2026"}).want(t, 400, `{"due_date":["`+dateMsg+`"]}`)
			alice.do("PUT", path, rtM{"title": "T"}).want(t, 400, `{"workflow":["This field is required."]}`)
			alice.do("PUT", path, rtM{"workflow": w, "title": "T", "priority": "none", "status": "open"}).want(t, 400,
				`{"status":["\"open\" is not a valid choice."],"priority":["\"none\" is not a valid choice."]}`)
			if after := alice.do("GET", path, nil); string(after.Body) != string(before.Body) {
				t.Errorf("failed writes changed the task:\n  %s\n  %s", before.Body, after.Body)
			}
			// PATCH due_date null clears it; other fields stay.
			alice.do("PATCH", path, rtM{"due_date": nil}).want(t, 200, jsonf(`{"id":%d,"workflow":%d,"project":%d,"title":"T",
				"description":"D","status":"todo","priority":"low","due_date":null,"completed_at":null,
				"created_at":"<timestamp>","updated_at":"<timestamp>"}`, id, w, p))
		})
	})
}

// ---------------------------------------------------------------------
// completed_at

func TestTaskCompletedAt(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		_, w, _ := alice.tree()

		// Created done: completed_at set at once.
		r := alice.do("POST", "/api/tasks/", rtM{"workflow": w, "title": "D", "status": "done"})
		if r.Status != 201 {
			t.Fatalf("POST done: %d %s", r.Status, r.Body)
		}
		created := rtObject(t, r)
		done := rtTime(t, created["completed_at"])
		if d := time.Since(done); d < -time.Minute || d > time.Minute {
			t.Errorf("completed_at %v is not now", done)
		}

		// Created todo: null; PATCH to done sets it.
		id := alice.create("/api/tasks/", rtM{"workflow": w, "title": "T"})
		path := fmt.Sprintf("/api/tasks/%d/", id)
		if v := rtGetField(t, alice, path, "completed_at"); v != nil {
			t.Fatalf("todo task completed_at %v", v)
		}
		for _, s := range []string{"in_progress", "blocked"} {
			if v := rtObject(t, alice.do("PATCH", path, rtM{"status": s}))["completed_at"]; v != nil {
				t.Errorf("status %s: completed_at %v", s, v)
			}
		}
		p := rtObject(t, alice.do("PATCH", path, rtM{"status": "done"}))
		c1 := p["completed_at"]
		if rtTime(t, c1).Before(rtTime(t, created["created_at"])) {
			t.Errorf("completed_at %v before the task's creation", c1)
		}

		// Kept while done: other changes, PATCH done again, PUT without status.
		for i, step := range []struct {
			method string
			body   rtM
		}{
			{"PATCH", rtM{"title": "still done"}},
			{"PATCH", rtM{"status": "done"}},
			{"PUT", rtM{"workflow": w, "title": "put"}},
			{"PUT", rtM{"workflow": w, "title": "put", "status": "done"}},
		} {
			r := alice.do(step.method, path, step.body)
			o := rtObject(t, r)
			if r.Status != 200 || o["status"] != "done" || o["completed_at"] != c1 {
				t.Errorf("step %d %s %v: %d completed_at %v, want %v kept", i, step.method, step.body, r.Status, o["completed_at"], c1)
			}
		}
		if v := rtGetField(t, alice, path, "completed_at"); v != c1 {
			t.Errorf("GET completed_at %v, want %v", v, c1)
		}

		// Leaving done clears it; becoming done again sets a new time.
		if v := rtObject(t, alice.do("PATCH", path, rtM{"status": "todo"}))["completed_at"]; v != nil {
			t.Errorf("after leaving done completed_at %v", v)
		}
		if v := rtGetField(t, alice, path, "completed_at"); v != nil {
			t.Errorf("GET after leaving done: completed_at %v", v)
		}
		c2 := rtObject(t, alice.do("PUT", path, rtM{"workflow": w, "title": "again", "status": "done"}))["completed_at"]
		if !rtTime(t, c2).After(rtTime(t, c1)) {
			t.Errorf("second completion %v not after first %v", c2, c1)
		}
		if v := rtObject(t, alice.do("PUT", path, rtM{"workflow": w, "title": "again", "status": "blocked"}))["completed_at"]; v != nil {
			t.Errorf("PUT to blocked: completed_at %v", v)
		}
		// completed_at is read-only.
		if v := rtObject(t, alice.do("PATCH", path, rtM{"completed_at": "2020-01-01T00:00:00Z"}))["completed_at"]; v != nil {
			t.Errorf("completed_at written by the client: %v", v)
		}
	})
}

// ---------------------------------------------------------------------
// Moves, counts and cascades

func TestProjectCountsAndMoves(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		bobP, _, _ := bob.tree()
		p1 := alice.create("/api/projects/", rtM{"name": "P1"})
		p2 := alice.create("/api/projects/", rtM{"name": "P2"})
		w1 := alice.create("/api/workflows/", rtM{"project": p1, "name": "W1"})
		w2 := alice.create("/api/workflows/", rtM{"project": p1, "name": "W2"})
		t1 := alice.create("/api/tasks/", rtM{"workflow": w1, "title": "t1"})
		t2 := alice.create("/api/tasks/", rtM{"workflow": w1, "title": "t2"})
		t3 := alice.create("/api/tasks/", rtM{"workflow": w2, "title": "t3"})
		tp := func(id int64) string { return fmt.Sprintf("/api/tasks/%d/", id) }
		wp := func(id int64) string { return fmt.Sprintf("/api/workflows/%d/", id) }
		pp := func(id int64) string { return fmt.Sprintf("/api/projects/%d/", id) }

		check := func(step string, want map[int64][2]int64, wfTasks map[int64]int64, taskProject map[int64]int64) {
			t.Helper()
			for p, c := range want {
				if got := rtCounts(t, alice, p); got != c {
					t.Errorf("%s: project %d counts (workflow_count, task_count) %v, want %v", step, p, got, c)
				}
			}
			for w, n := range wfTasks {
				if got := rtInt(t, rtGetField(t, alice, wp(w), "task_count")); got != n {
					t.Errorf("%s: workflow %d task_count %d, want %d", step, w, got, n)
				}
			}
			for task, p := range taskProject {
				if got := rtInt(t, rtGetField(t, alice, tp(task), "project")); got != p {
					t.Errorf("%s: task %d project %d, want %d", step, task, got, p)
				}
			}
			// The list shows the same counts as the object.
			for _, row := range rtList(t, alice, "/api/projects/").Results {
				id := rtInt(t, row["id"])
				if c, ok := want[id]; ok && [2]int64{rtInt(t, row["workflow_count"]), rtInt(t, row["task_count"])} != c {
					t.Errorf("%s: project %d list counts %v %v, want %v", step, id, row["workflow_count"], row["task_count"], c)
				}
			}
		}
		check("start", map[int64][2]int64{p1: {2, 3}, p2: {0, 0}}, map[int64]int64{w1: 2, w2: 1},
			map[int64]int64{t1: p1, t2: p1, t3: p1})

		// A workflow moved to another project takes its tasks along.
		r := alice.do("PATCH", wp(w1), rtM{"project": p2})
		r.want(t, 200, jsonf(`{"id":%d,"project":%d,"name":"W1","status":"active","task_count":2,
			"created_at":"<timestamp>","updated_at":"<timestamp>"}`, w1, p2))
		check("workflow moved", map[int64][2]int64{p1: {1, 1}, p2: {1, 2}}, map[int64]int64{w1: 2, w2: 1},
			map[int64]int64{t1: p2, t2: p2, t3: p1})

		// A move to another user's project is refused and changes nothing.
		alice.do("PATCH", wp(w1), rtM{"project": bobP}).want(t, 400,
			jsonf(`{"project":["Invalid pk \"%d\" - object does not exist."]}`, bobP))
		alice.do("PUT", wp(w1), rtM{"project": bobP, "name": "X"}).want(t, 400,
			jsonf(`{"project":["Invalid pk \"%d\" - object does not exist."]}`, bobP))
		check("refused move", map[int64][2]int64{p1: {1, 1}, p2: {1, 2}}, map[int64]int64{w1: 2, w2: 1},
			map[int64]int64{t1: p2, t2: p2, t3: p1})
		if got := rtCounts(t, bob, bobP); got != [2]int64{1, 1} {
			t.Errorf("bob's project counts %v changed", got)
		}

		// A task moved to a workflow of another project changes project.
		r = alice.do("PATCH", tp(t3), rtM{"workflow": w1})
		if o := rtObject(t, r); r.Status != 200 || rtInt(t, o["workflow"]) != w1 || rtInt(t, o["project"]) != p2 {
			t.Fatalf("PATCH task workflow: %d %s", r.Status, r.Body)
		}
		check("task moved", map[int64][2]int64{p1: {1, 0}, p2: {1, 3}}, map[int64]int64{w1: 3, w2: 0},
			map[int64]int64{t1: p2, t2: p2, t3: p2})

		// PUT moves too.
		r = alice.do("PUT", tp(t1), rtM{"workflow": w2, "title": "t1"})
		if o := rtObject(t, r); r.Status != 200 || rtInt(t, o["workflow"]) != w2 || rtInt(t, o["project"]) != p1 {
			t.Fatalf("PUT task workflow: %d %s", r.Status, r.Body)
		}
		check("task put", map[int64][2]int64{p1: {1, 1}, p2: {1, 2}}, map[int64]int64{w1: 2, w2: 1},
			map[int64]int64{t1: p1, t2: p2, t3: p2})

		// The project given on a task is read-only: it never moves a task.
		r = alice.do("PATCH", tp(t2), rtM{"project": p1})
		if o := rtObject(t, r); r.Status != 200 || rtInt(t, o["project"]) != p2 {
			t.Errorf("PATCH project on a task: %d %s", r.Status, r.Body)
		}

		// Deletes.
		rtNoContent(t, alice.do("DELETE", tp(t2), nil))
		check("task deleted", map[int64][2]int64{p1: {1, 1}, p2: {1, 1}}, map[int64]int64{w1: 1, w2: 1}, nil)
		rtNoContent(t, alice.do("DELETE", wp(w1), nil))
		alice.do("GET", tp(t3), nil).want(t, 404, `{"detail":"No Task matches the given query."}`)
		check("workflow deleted", map[int64][2]int64{p1: {1, 1}, p2: {0, 0}}, map[int64]int64{w2: 1}, nil)
		if n := rtList(t, alice, "/api/tasks/").Count; n != 1 {
			t.Errorf("task count %d, want 1", n)
		}
		rtNoContent(t, alice.do("DELETE", pp(p1), nil))
		alice.do("GET", pp(p1), nil).want(t, 404, `{"detail":"No Project matches the given query."}`)
		alice.do("GET", wp(w2), nil).want(t, 404, `{"detail":"No Workflow matches the given query."}`)
		alice.do("GET", tp(t1), nil).want(t, 404, `{"detail":"No Task matches the given query."}`)
		for path, n := range map[string]int{"/api/projects/": 1, "/api/workflows/": 0, "/api/tasks/": 0} {
			if got := rtList(t, alice, path).Count; got != n {
				t.Errorf("%s count %d, want %d", path, got, n)
			}
		}
		check("project deleted", map[int64][2]int64{p2: {0, 0}}, nil, nil)
		// Bob's data is untouched.
		if got := rtCounts(t, bob, bobP); got != [2]int64{1, 1} {
			t.Errorf("bob's project counts %v", got)
		}
	})
}

// ---------------------------------------------------------------------
// Timestamps

func TestTaskTimestampFormat(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		p, w, task := alice.tree()
		base := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
		for _, tc := range []struct {
			created, updated, completed time.Time
			want                        [3]string
		}{
			{base, base.Add(123456 * time.Microsecond), base.Add(5 * time.Microsecond),
				[3]string{"2026-11-24T09:30:00Z", "2026-11-24T09:30:00.123456Z", "2026-11-24T09:30:00.000005Z"}},
			{base.Add(120 * time.Millisecond), base.Add(time.Second), base.Add(999999 * time.Microsecond),
				[3]string{"2026-11-24T09:30:00.120000Z", "2026-11-24T09:30:01Z", "2026-11-24T09:30:00.999999Z"}},
		} {
			if _, err := e.store.SQL().Exec(`UPDATE tasks SET status = 'done', created_at = $1, updated_at = $2, completed_at = $3 WHERE id = $4`,
				tc.created.UnixMicro(), tc.updated.UnixMicro(), tc.completed.UnixMicro(), task); err != nil {
				t.Fatal(err)
			}
			want := jsonf(`{"id":%d,"workflow":%d,"project":%d,"title":"T","description":"","status":"done","priority":"medium",
				"due_date":null,"completed_at":%q,"created_at":%q,"updated_at":%q}`, task, w, p, tc.want[2], tc.want[0], tc.want[1])
			alice.do("GET", fmt.Sprintf("/api/tasks/%d/", task), nil).want(t, 200, want)
			alice.do("GET", "/api/tasks/", nil).want(t, 200, `{"count":1,"next":null,"previous":null,"results":[`+want+`]}`)
		}
		if _, err := e.store.SQL().Exec(`UPDATE projects SET created_at = $1, updated_at = $2 WHERE id = $3`,
			base.UnixMicro(), base.Add(10*time.Microsecond).UnixMicro(), p); err != nil {
			t.Fatal(err)
		}
		alice.do("GET", fmt.Sprintf("/api/projects/%d/", p), nil).want(t, 200, jsonf(`{"id":%d,"name":"P of alice","description":"",
			"owner":%d,"workflow_count":1,"task_count":1,"created_at":"2026-11-24T09:30:00Z","updated_at":"2026-11-24T09:30:00.000010Z"}`, p, alice.ID))
		if _, err := e.store.SQL().Exec(`UPDATE workflows SET created_at = $1, updated_at = $1 WHERE id = $2`,
			base.Add(-time.Hour+700*time.Millisecond).UnixMicro(), w); err != nil {
			t.Fatal(err)
		}
		alice.do("GET", fmt.Sprintf("/api/workflows/%d/", w), nil).want(t, 200, jsonf(`{"id":%d,"project":%d,"name":"W","status":"active",
			"task_count":1,"created_at":"2026-11-24T08:30:00.700000Z","updated_at":"2026-11-24T08:30:00.700000Z"}`, w, p))

		// Real clock values: UTC, Z, six digits or none, and now.
		r := alice.do("POST", "/api/tasks/", rtM{"workflow": w, "title": "now", "status": "done"})
		for _, f := range []string{"created_at", "updated_at", "completed_at"} {
			s, _ := r.field(f).(string)
			ts := rtTime(t, s)
			if !strings.HasSuffix(s, "Z") || ts.Location() != time.UTC {
				t.Errorf("%s %q is not UTC with Z", f, s)
			}
			if d := time.Since(ts); d < -time.Minute || d > time.Minute {
				t.Errorf("%s %q is not now", f, s)
			}
		}
	})
}

// ---------------------------------------------------------------------
// ETag, If-Match, If-None-Match

func TestETagPreconditions(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		p, w, task := alice.tree()
		p2 := alice.create("/api/projects/", rtM{"name": "P2"})
		for _, tc := range []struct {
			model, path string
			patch       rtM
			put         rtM
		}{
			{"Project", fmt.Sprintf("/api/projects/%d/", p2), rtM{"description": "x"}, rtM{"name": "P2 renamed"}},
			{"Workflow", fmt.Sprintf("/api/workflows/%d/", w), rtM{"status": "paused"}, rtM{"project": p, "name": "W renamed"}},
			{"Task", fmt.Sprintf("/api/tasks/%d/", task), rtM{"priority": "urgent"}, rtM{"workflow": w, "title": "T renamed"}},
		} {
			t.Run(tc.model, func(t *testing.T) {
				g := alice.do("GET", tc.path, nil)
				etag := rtETag(t, g)
				if strings.HasPrefix(etag, "W/") {
					t.Fatalf("weak ETag %s", etag)
				}
				if e2 := rtETag(t, alice.do("GET", tc.path, nil)); e2 != etag {
					t.Fatalf("ETag not stable: %s then %s", etag, e2)
				}
				// If-None-Match.
				for _, inm := range []string{etag, `"nope", ` + etag, "*"} {
					r := alice.do("GET", tc.path, nil, "If-None-Match", inm)
					if r.Status != http.StatusNotModified || len(r.Body) != 0 {
						t.Errorf("If-None-Match %s: %d %q, want 304 without body", inm, r.Status, r.Body)
					}
					if got := r.Header.Get("ETag"); got != etag {
						t.Errorf("304 ETag %q, want %s", got, etag)
					}
				}
				alice.do("GET", tc.path, nil, "If-None-Match", `"nope"`).want(t, 200, string(g.Body))

				// Non-matching If-Match: 412 and nothing changes.
				const failed = `{"detail":"Precondition failed."}`
				for _, im := range []string{`"stale"`, "W/" + etag, `"stale", "older"`} {
					alice.do("PATCH", tc.path, tc.patch, "If-Match", im).want(t, http.StatusPreconditionFailed, failed)
					alice.do("PUT", tc.path, tc.put, "If-Match", im).want(t, http.StatusPreconditionFailed, failed)
					alice.do("DELETE", tc.path, nil, "If-Match", im).want(t, http.StatusPreconditionFailed, failed)
				}
				after := alice.do("GET", tc.path, nil)
				if string(after.Body) != string(g.Body) || rtETag(t, after) != etag {
					t.Fatalf("a 412 changed the object:\n  %s\n  %s", g.Body, after.Body)
				}

				// Isolation comes first: another user gets 404 whatever the headers.
				gone := jsonf(`{"detail":"No %s matches the given query."}`, tc.model)
				bob.do("GET", tc.path, nil, "If-None-Match", etag).want(t, 404, gone)
				bob.do("PATCH", tc.path, tc.patch, "If-Match", etag).want(t, 404, gone)
				bob.do("PATCH", tc.path, tc.patch, "If-Match", `"stale"`).want(t, 404, gone)
				bob.do("DELETE", tc.path, nil, "If-Match", "*").want(t, 404, gone)

				// A matching If-Match goes through and the ETag changes.
				r := alice.do("PATCH", tc.path, tc.patch, "If-Match", etag)
				if r.Status != 200 {
					t.Fatalf("PATCH with matching If-Match: %d %s", r.Status, r.Body)
				}
				etag2 := rtETag(t, r)
				if etag2 == etag {
					t.Fatalf("ETag %s unchanged by PATCH", etag)
				}
				if got := rtETag(t, alice.do("GET", tc.path, nil)); got != etag2 {
					t.Errorf("GET ETag %s, PATCH answered %s", got, etag2)
				}
				// The old ETag is stale now.
				alice.do("PUT", tc.path, tc.put, "If-Match", etag).want(t, http.StatusPreconditionFailed, failed)
				// A list containing the current one matches.
				r = alice.do("PUT", tc.path, tc.put, "If-Match", etag+", "+etag2)
				if r.Status != 200 {
					t.Fatalf("PUT with If-Match list: %d %s", r.Status, r.Body)
				}
				etag3 := rtETag(t, r)
				if etag3 == etag2 {
					t.Errorf("ETag %s unchanged by PUT", etag3)
				}
				// If-Match: * matches any existing object.
				r = alice.do("PATCH", tc.path, rtM{}, "If-Match", "*")
				if r.Status != 200 {
					t.Fatalf("PATCH If-Match *: %d %s", r.Status, r.Body)
				}
				etag4 := rtETag(t, r)
				if etag4 == etag3 {
					t.Errorf("ETag %s unchanged although updated_at changed", etag4)
				}
				// Old ETags no longer give 304.
				if r := alice.do("GET", tc.path, nil, "If-None-Match", etag); r.Status != 200 {
					t.Errorf("GET with a stale If-None-Match: %d", r.Status)
				}
			})
		}

		// An ETag changes whenever the object's representation does, also
		// when another object's write changes it.
		t.Run("indirect changes", func(t *testing.T) {
			pPath := fmt.Sprintf("/api/projects/%d/", p2)
			before := rtETag(t, alice.do("GET", pPath, nil))
			w2 := alice.create("/api/workflows/", rtM{"project": p2, "name": "W2"})
			afterWF := rtETag(t, alice.do("GET", pPath, nil))
			if afterWF == before {
				t.Errorf("project ETag unchanged after its workflow_count changed")
			}
			alice.do("PATCH", pPath, rtM{"name": "x"}, "If-Match", before).want(t, 412, `{"detail":"Precondition failed."}`)
			tPath := fmt.Sprintf("/api/tasks/%d/", task)
			tBefore := rtETag(t, alice.do("GET", tPath, nil))
			if r := alice.do("PATCH", fmt.Sprintf("/api/workflows/%d/", w), rtM{"project": p2}); r.Status != 200 {
				t.Fatalf("move workflow: %d %s", r.Status, r.Body)
			}
			if rtETag(t, alice.do("GET", tPath, nil)) == tBefore {
				t.Errorf("task ETag unchanged after its project changed")
			}
			alice.do("DELETE", tPath, nil, "If-Match", tBefore).want(t, 412, `{"detail":"Precondition failed."}`)
			// DELETE with a matching If-Match goes through; afterwards 404.
			wPath := fmt.Sprintf("/api/workflows/%d/", w2)
			rtNoContent(t, alice.do("DELETE", wPath, nil, "If-Match", rtETag(t, alice.do("GET", wPath, nil))))
			alice.do("DELETE", wPath, nil, "If-Match", "*").want(t, 404, `{"detail":"No Workflow matches the given query."}`)
			alice.do("PATCH", wPath, rtM{}, "If-Match", "*").want(t, 404, `{"detail":"No Workflow matches the given query."}`)
			tid := alice.create("/api/tasks/", rtM{"workflow": w, "title": "x"})
			rtNoContent(t, alice.do("DELETE", fmt.Sprintf("/api/tasks/%d/", tid), nil, "If-Match", "*"))
		})

		// ETags come with every object response.
		t.Run("every object response", func(t *testing.T) {
			r := alice.do("POST", "/api/tasks/", rtM{"workflow": w, "title": "E"})
			e1 := rtETag(t, r)
			path := r.Header.Get("Location")
			if e2 := rtETag(t, alice.do("GET", path, nil)); e2 != e1 {
				t.Errorf("POST ETag %s, GET ETag %s", e1, e2)
			}
			rtETag(t, alice.do("PUT", path, rtM{"workflow": w, "title": "E2"}))
			rtETag(t, alice.do("PATCH", path, rtM{"title": "E3"}))
		})
	})
}

// ---------------------------------------------------------------------
// Pagination

func TestPaginationPages(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		p := alice.create("/api/projects/", rtM{"name": "P"})
		w := alice.create("/api/workflows/", rtM{"project": p, "name": "W"})
		const n = 105
		ids := make([]int64, n) // in creation order
		for i := range ids {
			ids[i] = alice.create("/api/tasks/", rtM{"workflow": w, "title": fmt.Sprintf("task %03d", i)})
		}
		newest := make([]int64, n) // newest first
		for i := range ids {
			newest[i] = ids[n-1-i]
		}
		const base = "http://example.com/api/tasks/"
		link := func(s string) *string {
			if s == "" {
				return nil
			}
			return &s
		}
		checkPage := func(t *testing.T, query string, count int, want []int64, next, prev *string) {
			t.Helper()
			pg := rtList(t, alice, "/api/tasks/"+query)
			if pg.Count != count {
				t.Errorf("%s: count %d, want %d", query, pg.Count, count)
			}
			if got := rtIDs(t, pg); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: ids\n  %v\nwant\n  %v", query, got, want)
			}
			if rtLink(pg.Next) != rtLink(next) {
				t.Errorf("%s: next %s, want %s", query, rtLink(pg.Next), rtLink(next))
			}
			if rtLink(pg.Previous) != rtLink(prev) {
				t.Errorf("%s: previous %s, want %s", query, rtLink(pg.Previous), rtLink(prev))
			}
		}

		t.Run("default size 20 newest first", func(t *testing.T) {
			checkPage(t, "", n, newest[:20], link(base+"?page=2"), nil)
			checkPage(t, "?page=1", n, newest[:20], link(base+"?page=2"), nil)
			checkPage(t, "?page=", n, newest[:20], link(base+"?page=2"), nil)
			checkPage(t, "?page=2", n, newest[20:40], link(base+"?page=3"), link(base))
			checkPage(t, "?page=3", n, newest[40:60], link(base+"?page=4"), link(base+"?page=2"))
			checkPage(t, "?page=6", n, newest[100:], nil, link(base+"?page=5"))
			checkPage(t, "?page=last", n, newest[100:], nil, link(base+"?page=5"))
		})
		t.Run("invalid pages", func(t *testing.T) {
			for _, q := range []string{"?page=7", "?page=0", "?page=-1", "?page=abc", "?page=1.5", "?page=99999999999999999999", "?page=LAST"} {
				alice.do("GET", "/api/tasks/"+q, nil).want(t, 404, `{"detail":"Invalid page."}`)
			}
		})
		t.Run("page_size", func(t *testing.T) {
			checkPage(t, "?page_size=7", n, newest[:7], link(base+"?page=2&page_size=7"), nil)
			checkPage(t, "?page_size=7&page=2", n, newest[7:14], link(base+"?page=3&page_size=7"), link(base+"?page_size=7"))
			checkPage(t, "?page_size=100", n, newest[:100], link(base+"?page=2&page_size=100"), nil)
			checkPage(t, "?page_size=1000", n, newest[:100], link(base+"?page=2&page_size=1000"), nil)
			checkPage(t, "?page_size=1000&page=2", n, newest[100:], nil, link(base+"?page_size=1000"))
			checkPage(t, "?page_size=101&page=last", n, newest[100:], nil, link(base+"?page_size=101"))
			for _, size := range []string{"0", "-3", "abc", "", "2.5"} {
				q := "?page_size=" + size
				checkPage(t, q, n, newest[:20], link(base+"?page=2&page_size="+size), nil)
			}
			alice.do("GET", "/api/tasks/?page_size=50&page=4", nil).want(t, 404, `{"detail":"Invalid page."}`)
		})
		t.Run("pages never repeat or skip", func(t *testing.T) {
			var all []int64
			for page := 1; page <= 5; page++ {
				all = append(all, rtIDs(t, rtList(t, alice, fmt.Sprintf("/api/tasks/?page_size=25&page=%d", page)))...)
			}
			if fmt.Sprint(all) != fmt.Sprint(newest) {
				t.Errorf("pages of 25:\n  %v\nwant\n  %v", all, newest)
			}
		})
		t.Run("other parameters kept sorted and encoded", func(t *testing.T) {
			checkPage(t, "?zeta=1&alpha=a%2Cb&page=2", n, newest[20:40],
				link(base+"?alpha=a%2Cb&page=3&zeta=1"), link(base+"?alpha=a%2Cb&zeta=1"))
			checkPage(t, "?q=a+b&b=%C3%BC&a=x%26y&page=last&page_size=50", n, newest[100:],
				nil, link(base+"?a=x%26y&b=%C3%BC&page=2&page_size=50&q=a+b"))
			checkPage(t, "?empty=&x=2&x=1", n, newest[:20], link(base+"?empty=&page=2&x=2&x=1"), nil)
		})
		t.Run("repeated page takes its last value", func(t *testing.T) {
			checkPage(t, "?page=1&page=2", n, newest[20:40], link(base+"?page=3"), link(base))
			checkPage(t, "?page_size=5&page_size=10", n, newest[:10], link(base+"?page=2&page_size=5&page_size=10"), nil)
		})
		t.Run("id breaks ties in created_at", func(t *testing.T) {
			// Give every task the same created_at: the order is id, newest first.
			if _, err := e.store.SQL().Exec(`UPDATE tasks SET created_at = $1 WHERE workflow_id = $2`,
				time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro(), w); err != nil {
				t.Fatal(err)
			}
			byID := append([]int64(nil), ids...)
			for i, j := 0, len(byID)-1; i < j; i, j = i+1, j-1 {
				byID[i], byID[j] = byID[j], byID[i]
			}
			var all []int64
			for page := 1; page <= 15; page++ {
				all = append(all, rtIDs(t, rtList(t, alice, fmt.Sprintf("/api/tasks/?page_size=7&page=%d", page)))...)
			}
			if fmt.Sprint(all) != fmt.Sprint(byID) {
				t.Errorf("pages with equal created_at:\n  %v\nwant ids descending\n  %v", all, byID)
			}
		})
	})
}

func TestPaginationEmptyAndCollections(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		for _, path := range []string{"/api/projects/", "/api/workflows/", "/api/tasks/"} {
			empty := `{"count":0,"next":null,"previous":null,"results":[]}`
			alice.do("GET", path, nil).want(t, 200, empty)
			alice.do("GET", path+"?page=1", nil).want(t, 200, empty)
			alice.do("GET", path+"?page=last", nil).want(t, 200, empty)
			alice.do("GET", path+"?page=2", nil).want(t, 404, `{"detail":"Invalid page."}`)
			alice.do("GET", path+"?page=0", nil).want(t, 404, `{"detail":"Invalid page."}`)
		}
		// Projects and workflows are paginated and ordered the same way.
		var projects, workflows []int64
		for i := 0; i < 3; i++ {
			pid := alice.create("/api/projects/", rtM{"name": fmt.Sprint("P", i)})
			projects = append([]int64{pid}, projects...)
			workflows = append([]int64{alice.create("/api/workflows/", rtM{"project": pid, "name": "W"})}, workflows...)
		}
		for path, ids := range map[string][]int64{"/api/projects/": projects, "/api/workflows/": workflows} {
			pg := rtList(t, alice, path+"?page_size=2")
			if pg.Count != 3 || fmt.Sprint(rtIDs(t, pg)) != fmt.Sprint(ids[:2]) ||
				rtLink(pg.Next) != "http://example.com"+path+"?page=2&page_size=2" || pg.Previous != nil {
				t.Errorf("%s page 1: %d %v next %s previous %s", path, pg.Count, rtIDs(t, pg), rtLink(pg.Next), rtLink(pg.Previous))
			}
			pg = rtList(t, alice, path+"?page_size=2&page=2")
			if pg.Count != 3 || fmt.Sprint(rtIDs(t, pg)) != fmt.Sprint(ids[2:]) ||
				pg.Next != nil || rtLink(pg.Previous) != "http://example.com"+path+"?page_size=2" {
				t.Errorf("%s page 2: %d %v next %s previous %s", path, pg.Count, rtIDs(t, pg), rtLink(pg.Next), rtLink(pg.Previous))
			}
		}
		// Another user's list is empty: pages hold only the caller's objects.
		bob := e.user("bob")
		bob.do("GET", "/api/projects/", nil).want(t, 200, `{"count":0,"next":null,"previous":null,"results":[]}`)
	})
}
