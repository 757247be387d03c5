package api_test

// Tests of the lists of api.md ("Lists: pagination, filtering, search,
// ordering") and of the project stats endpoint, through the real router on
// every engine: every filter with valid and invalid values, search, every
// ordering field both ways, page links that keep the other parameters,
// cursor pagination walked both ways, tampered cursors, and the stats.
// Every wanted body is built from the objects the test created, read back
// by GET after their timestamps were fixed, so the comparisons are exact.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flowtrack/flowtrack/api"
	"github.com/flowtrack/flowtrack/storetest"
)

// ltM is a JSON object, wanted or decoded.
type ltM = map[string]any

// ltJSON encodes a wanted body.
func ltJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// ltHost is the scheme and host of the links of a test request.
const ltHost = "http://example.com"

// ltMissing is an id no object has.
const ltMissing = 999999

// The django-filter messages of api.md.
const (
	ltMsgRef      = "Select a valid choice. That choice is not one of the available choices."
	ltMsgDate     = "Enter a valid date."
	ltMsgDateTime = "Enter a valid date/time."
	ltMsgBool     = "Enter a valid boolean."
)

func ltMsgChoice(v string) string {
	return "Select a valid choice. " + v + " is not one of the available choices."
}

// ltErrors is a 400 body: one message per named filter.
func ltErrors(kv ...string) string {
	m := map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = append(m[kv[i]], kv[i+1])
	}
	return ltJSON(m)
}

// ---------------------------------------------------------------------
// The fixture: two users, alice's objects with known timestamps, and bob's
// look-alikes that must never show up in alice's lists.

// ltSet is one collection of alice's objects, by name in creation order.
type ltSet struct {
	path  string
	names []string
	ids   map[string]int64
	objs  map[string]ltM // as GET answers them
}

func ltNewSet(path string) *ltSet {
	return &ltSet{path: path, ids: map[string]int64{}, objs: map[string]ltM{}}
}

func (s *ltSet) add(name string, id int64) {
	s.names = append(s.names, name)
	s.ids[name] = id
}

func (s *ltSet) id(name string) int64 {
	id, ok := s.ids[name]
	if !ok {
		panic("no object " + name)
	}
	return id
}

// name returns the name of the object with an id.
func (s *ltSet) name(id int64) (string, bool) {
	for n, v := range s.ids {
		if v == id {
			return n, true
		}
	}
	return "", false
}

// refresh reads every object back by GET.
func (s *ltSet) refresh(t *testing.T, c *client) {
	t.Helper()
	for _, n := range s.names {
		path := fmt.Sprintf("%s%d/", s.path, s.ids[n])
		r := c.do("GET", path, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		var m ltM
		if err := json.Unmarshal(r.Body, &m); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		s.objs[n] = m
	}
}

// objects returns the objects of names, in that order.
func (s *ltSet) objects(names []string) []ltM {
	out := make([]ltM, 0, len(names))
	for _, n := range names {
		o, ok := s.objs[n]
		if !ok {
			panic("no object " + n)
		}
		out = append(out, o)
	}
	return out
}

// ltOrd is one field of an ordering.
type ltOrd struct {
	field string
	desc  bool
}

// ltOrder reads fields written as in the ordering parameter: "-priority".
func ltOrder(fields ...string) []ltOrd {
	out := make([]ltOrd, len(fields))
	for i, f := range fields {
		out[i] = ltOrd{field: strings.TrimPrefix(f, "-"), desc: strings.HasPrefix(f, "-")}
	}
	return out
}

// ltDefault is api.md's default order: newest first.
var ltDefault = ltOrder("-created_at")

var ltRanks = map[string]int64{"low": 0, "medium": 1, "high": 2, "urgent": 3}

// ltKey is the value an object sorts by for a field, as api.md orders it:
// priority by rank, a task without a due date after every date.
func ltKey(o ltM, field string) any {
	switch field {
	case "priority":
		r, ok := ltRanks[o["priority"].(string)]
		if !ok {
			panic("priority " + fmt.Sprint(o["priority"]))
		}
		return r
	case "due_date":
		if d, ok := o["due_date"].(string); ok {
			return d
		}
		return "\U0010FFFF" // after every date
	case "created_at", "updated_at":
		ts, err := time.Parse(time.RFC3339Nano, o[field].(string))
		if err != nil {
			panic(err)
		}
		return ts.UnixMicro()
	case "id":
		return int64(o["id"].(float64))
	}
	return o[field].(string)
}

func ltCompare(a, b any) int {
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string))
	case int64:
		y := b.(int64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	panic(fmt.Sprintf("cannot compare %T", a))
}

// sorted returns names in the order api.md gives them: by the fields,
// then by id in the direction of the last field.
func (s *ltSet) sorted(order []ltOrd, names []string) []string {
	out := append([]string(nil), names...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := s.objs[out[i]], s.objs[out[j]]
		for _, o := range order {
			if c := ltCompare(ltKey(a, o.field), ltKey(b, o.field)); c != 0 {
				return (c < 0) != o.desc
			}
		}
		c := ltCompare(ltKey(a, "id"), ltKey(b, "id"))
		return (c < 0) != order[len(order)-1].desc
	})
	return out
}

// The objects of the fixture. Timestamps are set in the database after
// the objects are created; due dates are days from today (UTC).
var ltProjectSpecs = []struct{ name, title, desc, created, updated string }{
	{"PA", "Alpha launch", "Über alles", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"},
	{"PB", "Beta research", "Straße und Weg", "2026-03-01T10:00:00.25Z", "2026-04-02T00:00:00Z"},
	{"PC", "Gamma 100%", "with_underscore", "2026-03-02T08:30:00Z", "2026-04-01T00:00:00Z"},
	{"PD", "Alpha launch", "", "2026-03-03T23:59:59.999999Z", "2026-03-31T00:00:00Z"},
}

var ltWorkflowSpecs = []struct{ name, project, title, status, created, updated string }{
	{"W1", "PA", "Build", "active", "2026-01-01T01:00:00Z", "2026-02-05T00:00:00Z"},
	{"W2", "PA", "Ship", "paused", "2026-01-01T02:00:00Z", "2026-02-01T00:00:00Z"},
	{"W3", "PB", "Research", "archived", "2026-01-01T02:00:00Z", "2026-02-05T00:00:00Z"},
	{"W4", "PB", "Backlog", "completed", "2026-01-01T03:00:00Z", "2026-02-03T00:00:00Z"},
	{"W5", "PB", "Build", "active", "2026-01-01T04:00:00Z", "2026-02-02T00:00:00Z"},
}

type ltTaskSpec struct {
	name, wf, title, desc, status, priority string
	due                                     *int
	created, updated                        string
}

func ltDays(n int) *int { return &n }

var ltTaskSpecs = []ltTaskSpec{
	{"a", "W1", "Alpha report", "quarterly numbers", "todo", "high", ltDays(-3), "2026-01-10T12:01:00Z", "2026-02-01T00:50:00Z"},
	{"b", "W1", "Beta review", "Über refactor", "in_progress", "urgent", ltDays(5), "2026-01-10T12:02:00Z", "2026-02-01T00:40:00Z"},
	{"c", "W2", "Gamma 100% done", "", "done", "low", ltDays(-10), "2026-01-10T12:03:00.123456Z", "2026-02-01T00:40:00Z"},
	{"d", "W2", "Delta under_score", "plain", "blocked", "medium", nil, "2026-01-10T12:04:00Z", "2026-02-01T00:30:00Z"},
	{"e", "W3", "Epsilon path", `C:\temp\file`, "todo", "low", ltDays(0), "2026-01-10T12:05:00Z", "2026-02-01T01:00:00Z"},
	{"f", "W3", "Zeta Ωmega", "Straße plan", "todo", "medium", nil, "2026-01-10T12:05:00Z", "2026-02-01T00:20:00Z"},
	{"g", "W4", "Eta alpha beta", "report", "done", "urgent", ltDays(1), "2026-01-10T12:06:00Z", "2026-02-01T00:10:00Z"},
	{"h", "W5", "Theta 100 percent", "underscore", "in_progress", "high", ltDays(-1), "2026-01-10T12:07:00Z", "2026-02-01T00:10:00Z"},
	{"i", "W5", "Same", "no slash here", "blocked", "low", ltDays(-1), "2026-01-10T12:08:00Z", "2026-02-01T01:10:00Z"},
	{"j", "W1", "Same", "", "todo", "high", ltDays(5), "2026-01-10T12:09:00Z", "2026-02-01T00:05:00Z"},
}

// bob's tasks look like alice's, so that a filter that leaked would show.
var ltBobTaskSpecs = []ltTaskSpec{
	{"xa", "WX", "Alpha report", "quarterly numbers", "todo", "high", ltDays(-3), "", ""},
	{"xc", "WX", "Gamma 100% done", "", "done", "low", ltDays(-10), "", ""},
	{"xd", "WX", "Delta under_score", "plain", "blocked", "medium", nil, "", ""},
	{"xe", "WX", "Epsilon path", `C:\temp\file`, "todo", "low", ltDays(0), "", ""},
	{"xf", "WX", "Zeta Ωmega", "Straße plan", "in_progress", "urgent", ltDays(1), "", ""},
}

// ltFixture is the data of a list test.
type ltFixture struct {
	e                          *env
	alice, bob                 *client
	today                      time.Time
	projects, workflows, tasks *ltSet
	bobProject, bobWorkflow    int64
	// foreign holds bob's ids by collection path.
	foreign map[string]map[int64]bool
}

// day is a date n days from today, UTC.
func (fx *ltFixture) day(n int) string { return fx.today.AddDate(0, 0, n).Format(time.DateOnly) }

func (fx *ltFixture) set(path string) *ltSet {
	switch path {
	case "/api/projects/":
		return fx.projects
	case "/api/workflows/":
		return fx.workflows
	}
	return fx.tasks
}

func ltMicros(s string) int64 {
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return ts.UnixMicro()
}

// ltSetup creates the fixture on e.
func ltSetup(t *testing.T, e *env) *ltFixture {
	t.Helper()
	now := time.Now().UTC()
	fx := &ltFixture{e: e, alice: e.user("alice"), bob: e.user("bob"),
		today:    time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC),
		projects: ltNewSet("/api/projects/"), workflows: ltNewSet("/api/workflows/"), tasks: ltNewSet("/api/tasks/"),
		foreign: map[string]map[int64]bool{"/api/projects/": {}, "/api/workflows/": {}, "/api/tasks/": {}}}
	a, b := fx.alice, fx.bob
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := e.store.SQL().Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	taskBody := func(s ltTaskSpec, workflow int64) ltM {
		body := ltM{"workflow": workflow, "title": s.title, "description": s.desc, "status": s.status, "priority": s.priority}
		if s.due != nil {
			body["due_date"] = fx.day(*s.due)
		}
		return body
	}

	for _, p := range ltProjectSpecs {
		fx.projects.add(p.name, a.create("/api/projects/", ltM{"name": p.title, "description": p.desc}))
	}
	for _, w := range ltWorkflowSpecs {
		fx.workflows.add(w.name, a.create("/api/workflows/",
			ltM{"project": fx.projects.id(w.project), "name": w.title, "status": w.status}))
	}
	for _, s := range ltTaskSpecs {
		fx.tasks.add(s.name, a.create("/api/tasks/", taskBody(s, fx.workflows.id(s.wf))))
	}

	fx.bobProject = b.create("/api/projects/", ltM{"name": "Alpha launch", "description": `Über alles Straße 100% _ \ Ω`})
	fx.bobWorkflow = b.create("/api/workflows/", ltM{"project": fx.bobProject, "name": "Build", "status": "active"})
	fx.foreign["/api/projects/"][fx.bobProject] = true
	fx.foreign["/api/workflows/"][fx.bobWorkflow] = true
	for _, s := range ltBobTaskSpecs {
		fx.foreign["/api/tasks/"][b.create("/api/tasks/", taskBody(s, fx.bobWorkflow))] = true
	}

	for _, p := range ltProjectSpecs {
		exec(`UPDATE projects SET created_at = $1, updated_at = $2 WHERE id = $3`,
			ltMicros(p.created), ltMicros(p.updated), fx.projects.id(p.name))
	}
	for _, w := range ltWorkflowSpecs {
		exec(`UPDATE workflows SET created_at = $1, updated_at = $2 WHERE id = $3`,
			ltMicros(w.created), ltMicros(w.updated), fx.workflows.id(w.name))
	}
	for _, s := range ltTaskSpecs {
		exec(`UPDATE tasks SET created_at = $1, updated_at = $2 WHERE id = $3`,
			ltMicros(s.created), ltMicros(s.updated), fx.tasks.id(s.name))
	}
	// bob's rows share alice's timestamps, inside every range alice asks for.
	exec(`UPDATE projects SET created_at = $1, updated_at = $2 WHERE id = $3`,
		ltMicros("2026-03-02T00:00:00Z"), ltMicros("2026-04-01T00:00:00Z"), fx.bobProject)
	exec(`UPDATE workflows SET created_at = $1, updated_at = $2 WHERE id = $3`,
		ltMicros("2026-01-01T02:00:00Z"), ltMicros("2026-02-05T00:00:00Z"), fx.bobWorkflow)
	exec(`UPDATE tasks SET created_at = $1, updated_at = $2 WHERE workflow_id = $3`,
		ltMicros("2026-01-10T12:05:00Z"), ltMicros("2026-02-01T00:10:00Z"), fx.bobWorkflow)

	fx.projects.refresh(t, a)
	fx.workflows.refresh(t, a)
	fx.tasks.refresh(t, a)
	return fx
}

// ltPage is the page-number envelope of objs; "" is a null link.
func ltPage(count int, next, prev string, objs []ltM) string {
	m := ltM{"count": count, "next": nil, "previous": nil, "results": objs}
	if objs == nil {
		m["results"] = []ltM{}
	}
	if next != "" {
		m["next"] = next
	}
	if prev != "" {
		m["previous"] = prev
	}
	return ltJSON(m)
}

// ltQueryPath joins a collection path and a query ("" or "a=b").
func ltQueryPath(path, query string) string {
	if query == "" {
		return path
	}
	return path + "?" + query
}

// wantNames checks that alice's GET path?query is one page holding exactly
// the objects of names, in that order.
func (fx *ltFixture) wantNames(t *testing.T, s *ltSet, query string, names ...string) {
	t.Helper()
	t.Run(query, func(t *testing.T) {
		t.Helper()
		fx.alice.do("GET", ltQueryPath(s.path, query), nil).
			want(t, http.StatusOK, ltPage(len(names), "", "", s.objects(names)))
	})
}

// wantSorted is wantNames with names sorted by order.
func (fx *ltFixture) wantSorted(t *testing.T, s *ltSet, query string, order []ltOrd, names ...string) {
	t.Helper()
	fx.wantNames(t, s, query, s.sorted(order, names)...)
}

// wantFilter is wantSorted in the default order (newest first).
func (fx *ltFixture) wantFilter(t *testing.T, s *ltSet, query string, names ...string) {
	t.Helper()
	fx.wantSorted(t, s, query, ltDefault, names...)
}

// wantStatus checks one answer of alice.
func (fx *ltFixture) wantStatus(t *testing.T, path string, status int, body string) {
	t.Helper()
	t.Run(path, func(t *testing.T) {
		t.Helper()
		fx.alice.do("GET", path, nil).want(t, status, body)
	})
}

// ---------------------------------------------------------------------
// Filters

func TestFilterProjects(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		fx := ltSetup(t, e)
		P := fx.projects
		all := P.names
		for _, c := range []struct {
			query string
			names []string
		}{
			{"", all},
			// Full timestamps, inclusive, to the microsecond.
			{"created_at__gte=2026-03-01T10:00:00.25Z", []string{"PB", "PC", "PD"}},
			{"created_at__gte=2026-03-01T10:00:00.250000Z", []string{"PB", "PC", "PD"}},
			{"created_at__gte=2026-03-01T10:00:00.250001Z", []string{"PC", "PD"}},
			{"created_at__lte=2026-03-01T10:00:00.25Z", []string{"PA", "PB"}},
			{"created_at__lte=2026-03-01T10:00:00.249999Z", []string{"PA"}},
			{"created_at__lte=2026-03-03T23:59:59.999999Z", all},
			{"created_at__lte=2026-03-03T23:59:59.999998Z", []string{"PA", "PB", "PC"}},
			// Offsets: 10:30+02:00 and 03:30-05:00 are 08:30Z.
			{"created_at__gte=2026-03-02T10:30:00%2B02:00", []string{"PC", "PD"}},
			{"created_at__gte=2026-03-02T10:30:00.000001%2B02:00", []string{"PD"}},
			{"created_at__lte=2026-03-02T10:30:00%2B02:00", []string{"PA", "PB", "PC"}},
			{"created_at__lte=2026-03-02T03:30:00-05:00", []string{"PA", "PB", "PC"}},
			{"created_at__gte=2026-03-02T03:30:01-05:00", []string{"PD"}},
			{"created_at__gte=2026-03-02T10:30:00%2B0200", []string{"PC", "PD"}},
			{"created_at__gte=2026-03-02T10:30%2B02", []string{"PC", "PD"}},
			{"created_at__gte=2026-03-02T08:30:00%2B00:00", []string{"PC", "PD"}},
			// Without a zone: UTC; without seconds; a space for T.
			{"created_at__gte=2026-03-02T08:30:00", []string{"PC", "PD"}},
			{"created_at__gte=2026-03-02T08:30", []string{"PC", "PD"}},
			{"created_at__gte=2026-03-02%2008:30:00Z", []string{"PC", "PD"}},
			// A date alone is its midnight UTC.
			{"created_at__gte=2026-03-02", []string{"PC", "PD"}},
			{"created_at__gte=2026-03-01", all},
			{"created_at__gte=2026-03-04", nil},
			{"created_at__lte=2026-03-01", []string{"PA"}},
			{"created_at__lte=2026-03-03", []string{"PA", "PB", "PC"}},
			{"created_at__lte=2026-02-28", nil},
			// Both bounds.
			{"created_at__gte=2026-03-01T00:00:01Z&created_at__lte=2026-03-03T00:00:00Z", []string{"PB", "PC"}},
			{"created_at__gte=2026-03-02&created_at__lte=2026-03-02T08:30:00Z", []string{"PC"}},
			{"created_at__gte=2026-03-03T00:00:00Z&created_at__lte=2026-03-02T00:00:00Z", nil},
		} {
			fx.wantFilter(t, P, c.query, c.names...)
		}

		bad := func(v string) string { return "/api/projects/?created_at__gte=" + v }
		for _, v := range []string{"bogus", "2026-13-01", "2026-02-30", "2026-03-01T25:00:00Z", "2026-03-01T10:61:00Z",
			"yesterday", "1709251200", "2026-03-01T10:00:00ZZ", "2026-03-01T",
			// A literal + decodes to a space, as in Django.
			"2026-03-02T10:30:00+02:00"} {
			fx.wantStatus(t, bad(v), 400, ltErrors("created_at__gte", ltMsgDateTime))
		}
		fx.wantStatus(t, "/api/projects/?created_at__lte=nope", 400, ltErrors("created_at__lte", ltMsgDateTime))
		fx.wantStatus(t, "/api/projects/?created_at__gte=x&created_at__lte=2026-02-31", 400,
			ltErrors("created_at__gte", ltMsgDateTime, "created_at__lte", ltMsgDateTime))
		// A valid bound does not hide an invalid one.
		fx.wantStatus(t, "/api/projects/?created_at__gte=2026-03-01&created_at__lte=x", 400,
			ltErrors("created_at__lte", ltMsgDateTime))
	})
}

func TestFilterWorkflows(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		fx := ltSetup(t, e)
		W := fx.workflows
		pa, pb, pc := fx.projects.id("PA"), fx.projects.id("PB"), fx.projects.id("PC")
		for _, c := range []struct {
			query string
			names []string
		}{
			{"", W.names},
			{fmt.Sprintf("project=%d", pa), []string{"W1", "W2"}},
			{fmt.Sprintf("project=%d", pb), []string{"W3", "W4", "W5"}},
			{fmt.Sprintf("project=%d", pc), nil},
			{fmt.Sprintf("project=0%d", pa), []string{"W1", "W2"}},
			{fmt.Sprintf("project=%%20%d%%20", pa), []string{"W1", "W2"}},
			{"status=active", []string{"W1", "W5"}},
			{"status=paused", []string{"W2"}},
			{"status=completed", []string{"W4"}},
			{"status=archived", []string{"W3"}},
			{"status__in=active", []string{"W1", "W5"}},
			{"status__in=active,paused", []string{"W1", "W2", "W5"}},
			{"status__in=active%2Cpaused", []string{"W1", "W2", "W5"}},
			{"status__in=archived,completed,paused,active", W.names},
			{"status__in=active,,paused", []string{"W1", "W2", "W5"}},
			{"status__in=,", nil},
			// status and status__in narrow to their intersection.
			{"status=active&status__in=active,paused", []string{"W1", "W5"}},
			{"status__in=active,paused&status=paused", []string{"W2"}},
			{"status=archived&status__in=active,paused", nil},
			{fmt.Sprintf("project=%d&status=active", pb), []string{"W5"}},
			{fmt.Sprintf("project=%d&status__in=archived,completed", pb), []string{"W3", "W4"}},
		} {
			fx.wantFilter(t, W, c.query, c.names...)
		}

		for _, v := range []string{fmt.Sprint(fx.bobProject), fmt.Sprint(ltMissing), "abc", "0", "-1", "1.5", "%20",
			"9223372036854775807", "99999999999999999999", fmt.Sprint(fx.workflows.id("W1") + 1000)} {
			fx.wantStatus(t, "/api/workflows/?project="+v, 400, ltErrors("project", ltMsgRef))
		}
		fx.wantStatus(t, "/api/workflows/?status=bogus", 400, ltErrors("status", ltMsgChoice("bogus")))
		fx.wantStatus(t, "/api/workflows/?status=Active", 400, ltErrors("status", ltMsgChoice("Active")))
		fx.wantStatus(t, "/api/workflows/?status=todo", 400, ltErrors("status", ltMsgChoice("todo")))
		fx.wantStatus(t, "/api/workflows/?status__in=active,bogus", 400, ltErrors("status__in", ltMsgChoice("bogus")))
		fx.wantStatus(t, "/api/workflows/?status__in=bogus,worse", 400, ltErrors("status__in", ltMsgChoice("bogus")))
		fx.wantStatus(t, "/api/workflows/?project=abc&status=bogus&status__in=active,x", 400,
			ltErrors("project", ltMsgRef, "status", ltMsgChoice("bogus"), "status__in", ltMsgChoice("x")))
		fx.wantStatus(t, fmt.Sprintf("/api/workflows/?project=%d&status=bogus", pa), 400,
			ltErrors("status", ltMsgChoice("bogus")))
	})
}

func TestFilterTasks(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		fx := ltSetup(t, e)
		T := fx.tasks
		w := fx.workflows.id
		p := fx.projects.id
		for _, c := range []struct {
			query string
			names []string
		}{
			{"", T.names},
			{fmt.Sprintf("workflow=%d", w("W1")), []string{"a", "b", "j"}},
			{fmt.Sprintf("workflow=%d", w("W2")), []string{"c", "d"}},
			{fmt.Sprintf("workflow=%d", w("W4")), []string{"g"}},
			{fmt.Sprintf("project=%d", p("PA")), []string{"a", "b", "c", "d", "j"}},
			{fmt.Sprintf("project=%d", p("PB")), []string{"e", "f", "g", "h", "i"}},
			{fmt.Sprintf("project=%d", p("PC")), nil},
			{fmt.Sprintf("workflow=%d&project=%d", w("W1"), p("PA")), []string{"a", "b", "j"}},
			{fmt.Sprintf("workflow=%d&project=%d", w("W1"), p("PB")), nil},
			{"status=todo", []string{"a", "e", "f", "j"}},
			{"status=in_progress", []string{"b", "h"}},
			{"status=blocked", []string{"d", "i"}},
			{"status=done", []string{"c", "g"}},
			{"status__in=todo,done", []string{"a", "c", "e", "f", "g", "j"}},
			{"status__in=blocked", []string{"d", "i"}},
			{"status=todo&status__in=todo,blocked", []string{"a", "e", "f", "j"}},
			{"status=todo&status__in=done,blocked", nil},
			{"status__in=in_progress,done&status=done", []string{"c", "g"}},
			{"priority=low", []string{"c", "e", "i"}},
			{"priority=medium", []string{"d", "f"}},
			{"priority=high", []string{"a", "h", "j"}},
			{"priority=urgent", []string{"b", "g"}},
			{"priority__in=high,urgent", []string{"a", "b", "g", "h", "j"}},
			{"priority__in=low", []string{"c", "e", "i"}},
			{"priority=low&priority__in=low,medium", []string{"c", "e", "i"}},
			{"priority=low&priority__in=high", nil},
			// Inclusive date bounds; tasks without a due date never match.
			{"due_date__gte=" + fx.day(0), []string{"b", "e", "g", "j"}},
			{"due_date__gte=" + fx.day(1), []string{"b", "g", "j"}},
			{"due_date__lte=" + fx.day(-1), []string{"a", "c", "h", "i"}},
			{"due_date__lte=" + fx.day(-3), []string{"a", "c"}},
			{"due_date__gte=" + fx.day(-1) + "&due_date__lte=" + fx.day(1), []string{"e", "g", "h", "i"}},
			{"due_date__gte=" + fx.day(5) + "&due_date__lte=" + fx.day(5), []string{"b", "j"}},
			{"due_date__gte=" + fx.day(6), nil},
			{"due_date__lte=1999-1-1", nil},
			// Overdue: due before today (UTC) and not done.
			{"overdue=true", []string{"a", "h", "i"}},
			{"overdue=True", []string{"a", "h", "i"}},
			{"overdue=TRUE", []string{"a", "h", "i"}},
			{"overdue=1", []string{"a", "h", "i"}},
			{"overdue=false", []string{"b", "c", "d", "e", "f", "g", "j"}},
			{"overdue=False", []string{"b", "c", "d", "e", "f", "g", "j"}},
			{"overdue=0", []string{"b", "c", "d", "e", "f", "g", "j"}},
			// Combinations.
			{fmt.Sprintf("project=%d&status=todo", p("PB")), []string{"e", "f"}},
			{fmt.Sprintf("workflow=%d&overdue=true", w("W5")), []string{"h", "i"}},
			{"overdue=false&priority__in=low,high&status__in=todo,done", []string{"c", "e", "j"}},
			{"status=todo&priority=high&due_date__lte=" + fx.day(0), []string{"a"}},
		} {
			fx.wantFilter(t, T, c.query, c.names...)
		}

		for _, param := range []string{"workflow", "project"} {
			for _, v := range []string{fmt.Sprint(fx.bobProject), fmt.Sprint(fx.bobWorkflow), fmt.Sprint(ltMissing),
				"abc", "0", "-5", "1e3", "%20", "99999999999999999999"} {
				if param == "project" && v == fmt.Sprint(fx.bobWorkflow) || param == "workflow" && v == fmt.Sprint(fx.bobProject) {
					continue
				}
				fx.wantStatus(t, "/api/tasks/?"+param+"="+v, 400, ltErrors(param, ltMsgRef))
			}
		}
		// A workflow id is not a project id.
		fx.wantStatus(t, fmt.Sprintf("/api/tasks/?workflow=%d", fx.bobWorkflow), 400, ltErrors("workflow", ltMsgRef))
		fx.wantStatus(t, fmt.Sprintf("/api/tasks/?project=%d", fx.bobProject), 400, ltErrors("project", ltMsgRef))
		for _, c := range []struct{ query, key, msg string }{
			{"status=bogus", "status", ltMsgChoice("bogus")},
			{"status=active", "status", ltMsgChoice("active")},
			{"status=Todo", "status", ltMsgChoice("Todo")},
			{"status__in=todo,bogus", "status__in", ltMsgChoice("bogus")},
			{"status__in=nope,todo", "status__in", ltMsgChoice("nope")},
			{"priority=extreme", "priority", ltMsgChoice("extreme")},
			{"priority=High", "priority", ltMsgChoice("High")},
			{"priority=2", "priority", ltMsgChoice("2")},
			{"priority__in=low,extreme", "priority__in", ltMsgChoice("extreme")},
			{"priority__in=1", "priority__in", ltMsgChoice("1")},
			{"due_date__gte=bogus", "due_date__gte", ltMsgDate},
			{"due_date__gte=2026-02-30", "due_date__gte", ltMsgDate},
			{"due_date__gte=2026-13-01", "due_date__gte", ltMsgDate},
			{"due_date__gte=20260101", "due_date__gte", ltMsgDate},
			{"due_date__gte=2026-01-01T00:00:00", "due_date__gte", ltMsgDate},
			{"due_date__lte=tomorrow", "due_date__lte", ltMsgDate},
			{"due_date__lte=2026-00-10", "due_date__lte", ltMsgDate},
			{"overdue=yes", "overdue", ltMsgBool},
			{"overdue=2", "overdue", ltMsgBool},
			{"overdue=truee", "overdue", ltMsgBool},
			{"overdue=nope", "overdue", ltMsgBool},
		} {
			fx.wantStatus(t, "/api/tasks/?"+c.query, 400, ltErrors(c.key, c.msg))
		}
		// Every invalid filter is reported in one 400; valid ones are not.
		fx.wantStatus(t, fmt.Sprintf("/api/tasks/?workflow=abc&project=%d&status=bogus&status__in=todo,x"+
			"&priority=extreme&priority__in=y&due_date__gte=no&due_date__lte=2026-02-30&overdue=maybe", fx.bobProject), 400,
			ltErrors("workflow", ltMsgRef, "project", ltMsgRef, "status", ltMsgChoice("bogus"), "status__in", ltMsgChoice("x"),
				"priority", ltMsgChoice("extreme"), "priority__in", ltMsgChoice("y"), "due_date__gte", ltMsgDate,
				"due_date__lte", ltMsgDate, "overdue", ltMsgBool))
		fx.wantStatus(t, fmt.Sprintf("/api/tasks/?workflow=%d&status=todo&priority=extreme&overdue=true&due_date__lte=x", w("W1")), 400,
			ltErrors("priority", ltMsgChoice("extreme"), "due_date__lte", ltMsgDate))
	})
}

// TestFilterParameterRules checks django-filter's handling of parameters:
// empty values ignored, the last of repeated values, unknown parameters.
func TestFilterParameterRules(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		fx := ltSetup(t, e)
		T, W, P := fx.tasks, fx.workflows, fx.projects
		pa := fx.projects.id("PA")

		// Empty values do not filter.
		fx.wantFilter(t, T, "workflow=&project=&status=&status__in=&priority=&priority__in=&due_date__gte=&due_date__lte=&overdue=&search=&ordering=", T.names...)
		fx.wantFilter(t, W, "project=&status=&status__in=&search=&ordering=", W.names...)
		fx.wantFilter(t, P, "created_at__gte=&created_at__lte=&search=&ordering=", P.names...)
		fx.wantFilter(t, T, "status=&priority=high", "a", "h", "j")

		// The last of repeated values wins.
		fx.wantFilter(t, T, "status=bogus&status=todo", "a", "e", "f", "j")
		fx.wantStatus(t, "/api/tasks/?status=todo&status=bogus", 400, ltErrors("status", ltMsgChoice("bogus")))
		fx.wantFilter(t, T, "status=todo&status=", T.names...)
		fx.wantFilter(t, T, "status=&status=done", "c", "g")
		fx.wantFilter(t, T, "priority__in=low&priority__in=urgent", "b", "g")
		fx.wantFilter(t, T, "overdue=true&overdue=false", "b", "c", "d", "e", "f", "g", "j")
		fx.wantFilter(t, T, "overdue=maybe&overdue=1", "a", "h", "i")
		fx.wantFilter(t, T, fmt.Sprintf("project=%d&project=%d", fx.bobProject, pa), "a", "b", "c", "d", "j")
		fx.wantStatus(t, fmt.Sprintf("/api/tasks/?project=%d&project=%d", pa, fx.bobProject), 400, ltErrors("project", ltMsgRef))
		fx.wantFilter(t, T, "due_date__gte=x&due_date__gte="+fx.day(1), "b", "g", "j")
		fx.wantFilter(t, T, "search=zzz&search=alpha", "a", "g")
		fx.wantSorted(t, T, "ordering=title&ordering=-title", ltOrder("-title"), T.names...)
		fx.wantFilter(t, P, "created_at__gte=bogus&created_at__gte=2026-03-02", "PC", "PD")
		fx.wantFilter(t, W, "status=paused&status=active", "W1", "W5")

		// Unknown parameters are ignored.
		fx.wantFilter(t, T, fmt.Sprintf("foo=bar&title=Zeta&owner=%d&id=1&status__exact=bogus&due_date=2000-01-01"+
			"&priority__gte=urgent&limit=1&offset=3&workflow__in=x&Status=bogus", fx.bob.ID), T.names...)
		fx.wantFilter(t, W, "name=Build&project__in=1,2&created_at__gte=bogus", W.names...)
		fx.wantFilter(t, P, "name=Gamma&status=bogus&updated_at__gte=bogus&owner=1", P.names...)
		fx.wantFilter(t, T, "foo=bar&status=todo", "a", "e", "f", "j")
	})
}

// ---------------------------------------------------------------------
// Search

func TestSearchTasks(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		fx := ltSetup(t, e)
		T := fx.tasks
		for _, c := range []struct {
			search string // sent encoded
			names  []string
		}{
			{"alpha", []string{"a", "g"}},
			{"ALPHA", []string{"a", "g"}},
			{"lph", []string{"a", "g"}},
			// Terms are AND-ed, each may match any field.
			{"alpha%20numbers", []string{"a"}},
			{"alpha+numbers", []string{"a"}},
			{"numbers%20alpha", []string{"a"}},
			{"alpha%20beta", []string{"g"}},
			{"report", []string{"a", "g"}},
			{"alpha%20report", []string{"a", "g"}},
			{"report%20nothing", nil},
			// Commas separate terms too.
			{"alpha,numbers", []string{"a"}},
			{"alpha%2Cnumbers", []string{"a"}},
			{"alpha,%20beta", []string{"g"}},
			{",alpha,,beta,", []string{"g"}},
			// Double-quoted phrases stay whole.
			{"%22alpha%20report%22", []string{"a"}},
			{"%22report%20alpha%22", nil},
			{"%22alpha%20beta%22%20eta", []string{"g"}},
			{"%22100%25%20done%22", []string{"c"}},
			// Case-insensitive beyond ASCII.
			{"%C3%BCber", []string{"b"}},            // über
			{"%C3%9CBER", []string{"b"}},            // ÜBER
			{"%C3%9Cber%20REFACTOR", []string{"b"}}, // Über REFACTOR
			{"uber", nil},
			{"%CF%89", []string{"f"}},         // ω
			{"%CE%A9MEGA", []string{"f"}},     // ΩMEGA
			{"STRASSE", []string{"f"}},        // Straße
			{"strasse%20plan", []string{"f"}}, // strasse plan
			{"STRA%C3%9FE", []string{"f"}},    // STRAßE
			// %, _ and \ are literal.
			{"%25", []string{"c"}},
			{"100%25", []string{"c"}},
			{"1%25", nil},
			{"100", []string{"c", "h"}},
			{"_", []string{"d"}},
			{"r_s", []string{"d"}},
			{"10_", nil},
			{"under", []string{"d", "h"}},
			{"%5C", []string{"e"}},
			{"%5Ctemp", []string{"e"}},
			{"C:%5C", []string{"e"}},
			{"%5C%25", nil},
			{"%25_", nil},
			// Blank searches do nothing.
			{"", T.names},
			{"%20%20", T.names},
			{",", T.names},
			{"%22%22", T.names},
			{"nothing-matches-this", nil},
		} {
			fx.wantFilter(t, T, "search="+c.search, c.names...)
		}
		// Search goes with filters and ordering.
		fx.wantFilter(t, T, "search=alpha&status=done", "g")
		fx.wantFilter(t, T, "search=same&overdue=true", "i")
		fx.wantSorted(t, T, "search=e&ordering=priority", ltOrder("priority"), T.names...)
	})
}

func TestSearchProjectsAndWorkflows(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		fx := ltSetup(t, e)
		P, W := fx.projects, fx.workflows
		for _, c := range []struct {
			search string
			names  []string
		}{
			{"alpha", []string{"PA", "PD"}},
			{"LAUNCH", []string{"PA", "PD"}},
			{"%C3%BCber", []string{"PA"}},
			{"alpha%20%C3%BCber", []string{"PA"}},
			{"%22%C3%9CBER%20ALLES%22", []string{"PA"}},
			{"strasse", []string{"PB"}},
			{"research,weg", []string{"PB"}},
			{"%25", []string{"PC"}},
			{"_", []string{"PC"}},
			{"%5C", nil},
			{"a", P.names},
			{"build", nil}, // workflow names are not searched
		} {
			fx.wantFilter(t, P, "search="+c.search, c.names...)
		}
		for _, c := range []struct {
			search string
			names  []string
		}{
			{"build", []string{"W1", "W5"}},
			{"BUI", []string{"W1", "W5"}},
			{"s", []string{"W2", "W3"}},
			{"ship,build", nil},
			{"ship%20build", nil},
			{"alpha", nil}, // project names are not searched
			{"%25", nil},
			{"_", nil},
		} {
			fx.wantFilter(t, W, "search="+c.search, c.names...)
		}
		fx.wantFilter(t, W, fmt.Sprintf("search=build&project=%d", fx.projects.id("PB")), "W5")
	})
}

func TestSearchLimits(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		fx := ltSetup(t, e)
		terms := func(n int, term string) string {
			return url.QueryEscape(strings.TrimSpace(strings.Repeat(term+" ", n)))
		}
		const tooLong = `{"search":["<any>"]}`
		for _, s := range []*ltSet{fx.tasks, fx.projects, fx.workflows} {
			fx.wantStatus(t, s.path+"?search="+terms(21, "e"), 400, tooLong)
			fx.wantStatus(t, s.path+"?search="+strings.Repeat("e", 1001), 400, tooLong)
			fx.wantStatus(t, s.path+"?search="+url.QueryEscape(strings.Repeat("ü", 1001)), 400, tooLong)
			fx.wantStatus(t, s.path+"?search="+url.QueryEscape(strings.Repeat("a,", 21)), 400, tooLong)
		}
		// Up to 20 terms and 1000 characters are fine.
		fx.wantFilter(t, fx.tasks, "search="+terms(20, "e"), fx.tasks.names...)
		fx.wantFilter(t, fx.tasks, "search="+strings.Repeat("e", 1000))
		fx.wantFilter(t, fx.tasks, "search="+url.QueryEscape(strings.Repeat("ü", 1000)))
		// A quoted phrase is one term.
		fx.wantFilter(t, fx.tasks, "search="+url.QueryEscape(`"`+strings.Repeat("word ", 30)+`"`))
		// The search error comes with the filter errors.
		fx.wantStatus(t, "/api/tasks/?status=bogus&search="+terms(25, "x"), 400,
			`{"status":["`+ltMsgChoice("bogus")+`"],"search":["<any>"]}`)
	})
}

// ---------------------------------------------------------------------
// Ordering

// ltOrderings are the ordering fields of each collection.
var ltOrderings = []struct {
	path   string
	fields []string
}{
	{"/api/projects/", []string{"name", "created_at", "updated_at"}},
	{"/api/workflows/", []string{"name", "status", "created_at", "updated_at"}},
	{"/api/tasks/", []string{"title", "status", "priority", "due_date", "created_at", "updated_at"}},
}

func TestOrderingEveryField(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		fx := ltSetup(t, e)
		for _, c := range ltOrderings {
			s := fx.set(c.path)
			fx.wantSorted(t, s, "", ltDefault, s.names...)
			for _, f := range c.fields {
				fx.wantSorted(t, s, "ordering="+f, ltOrder(f), s.names...)
				fx.wantSorted(t, s, "ordering=-"+f, ltOrder("-"+f), s.names...)
			}
		}
		// The same orders written out, ties broken by id in the direction
		// of the field.
		T, W, P := fx.tasks, fx.workflows, fx.projects
		fx.wantNames(t, T, "", "j", "i", "h", "g", "f", "e", "d", "c", "b", "a")
		fx.wantNames(t, T, "ordering=created_at", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
		fx.wantNames(t, T, "ordering=title", "a", "b", "d", "e", "g", "c", "i", "j", "h", "f")
		fx.wantNames(t, T, "ordering=-title", "f", "h", "j", "i", "c", "g", "e", "d", "b", "a")
		fx.wantNames(t, T, "ordering=status", "d", "i", "c", "g", "b", "h", "a", "e", "f", "j")
		fx.wantNames(t, T, "ordering=-status", "j", "f", "e", "a", "h", "b", "g", "c", "i", "d")
		// priority by rank, not alphabetically.
		fx.wantNames(t, T, "ordering=priority", "c", "e", "i", "d", "f", "a", "h", "j", "b", "g")
		fx.wantNames(t, T, "ordering=-priority", "g", "b", "j", "h", "a", "f", "d", "i", "e", "c")
		// Tasks without a due date come after every date, first descending.
		fx.wantNames(t, T, "ordering=due_date", "c", "a", "h", "i", "e", "g", "b", "j", "d", "f")
		fx.wantNames(t, T, "ordering=-due_date", "f", "d", "j", "b", "g", "e", "i", "h", "a", "c")
		fx.wantNames(t, T, "ordering=updated_at", "j", "g", "h", "f", "d", "b", "c", "a", "e", "i")
		fx.wantNames(t, T, "ordering=-updated_at", "i", "e", "a", "c", "b", "d", "f", "h", "g", "j")
		fx.wantNames(t, W, "", "W5", "W4", "W3", "W2", "W1")
		fx.wantNames(t, W, "ordering=name", "W4", "W1", "W5", "W3", "W2")
		fx.wantNames(t, W, "ordering=-name", "W2", "W3", "W5", "W1", "W4")
		fx.wantNames(t, W, "ordering=status", "W1", "W5", "W3", "W4", "W2")
		fx.wantNames(t, W, "ordering=-status", "W2", "W4", "W3", "W5", "W1")
		fx.wantNames(t, W, "ordering=created_at", "W1", "W2", "W3", "W4", "W5")
		fx.wantNames(t, W, "ordering=updated_at", "W2", "W5", "W4", "W1", "W3")
		fx.wantNames(t, W, "ordering=-updated_at", "W3", "W1", "W4", "W5", "W2")
		fx.wantNames(t, P, "", "PD", "PC", "PB", "PA")
		fx.wantNames(t, P, "ordering=name", "PA", "PD", "PB", "PC")
		fx.wantNames(t, P, "ordering=-name", "PC", "PB", "PD", "PA")
		fx.wantNames(t, P, "ordering=updated_at", "PD", "PA", "PC", "PB")
		fx.wantNames(t, P, "ordering=-updated_at", "PB", "PC", "PA", "PD")
	})
}

func TestOrderingMultipleAndUnknown(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		fx := ltSetup(t, e)
		T, W, P := fx.tasks, fx.workflows, fx.projects
		for _, c := range []struct {
			set   *ltSet
			query string
			order []ltOrd
		}{
			{T, "ordering=status,-priority", ltOrder("status", "-priority")},
			{T, "ordering=-status,priority", ltOrder("-status", "priority")},
			{T, "ordering=priority,due_date", ltOrder("priority", "due_date")},
			{T, "ordering=-priority,-due_date", ltOrder("-priority", "-due_date")},
			{T, "ordering=-due_date,title", ltOrder("-due_date", "title")},
			{T, "ordering=title,-created_at", ltOrder("title", "-created_at")},
			{T, "ordering=-updated_at,status", ltOrder("-updated_at", "status")},
			{T, "ordering=status,priority,due_date,title", ltOrder("status", "priority", "due_date", "title")},
			{T, "ordering=status%2C-title", ltOrder("status", "-title")},
			{W, "ordering=status,-name", ltOrder("status", "-name")},
			{W, "ordering=name,updated_at", ltOrder("name", "updated_at")},
			{W, "ordering=-name,-created_at", ltOrder("-name", "-created_at")},
			{P, "ordering=name,-updated_at", ltOrder("name", "-updated_at")},
			{P, "ordering=-name,created_at", ltOrder("-name", "created_at")},
			// Unknown fields are dropped.
			{T, "ordering=bogus,-title", ltOrder("-title")},
			{T, "ordering=-title,bogus", ltOrder("-title")},
			{T, "ordering=bogus", ltDefault},
			{T, "ordering=-bogus", ltDefault},
			{T, "ordering=", ltDefault},
			{T, "ordering=,", ltDefault},
			{T, "ordering=id", ltDefault},
			{T, "ordering=-id", ltDefault},
			{T, "ordering=owner", ltDefault},
			{T, "ordering=description", ltDefault},
			{T, "ordering=completed_at", ltDefault},
			{T, "ordering=Title", ltDefault},
			{T, "ordering=--title", ltDefault},
			{T, "ordering=title%3BDROP%20TABLE%20tasks", ltDefault},
			{T, "ordering=name", ltDefault},
			{T, "ordering=id,priority", ltOrder("priority")},
			{W, "ordering=title", ltDefault},
			{W, "ordering=priority,-status", ltOrder("-status")},
			{P, "ordering=status", ltDefault},
			{P, "ordering=bogus,-name", ltOrder("-name")},
			// White space around the fields is stripped.
			{T, "ordering=%20-title%20", ltOrder("-title")},
			{T, "ordering=priority,%20-title", ltOrder("priority", "-title")},
			{T, "ordering=+priority+,+-due_date+", ltOrder("priority", "-due_date")},
			{T, "ordering=%09status%0A", ltOrder("status")},
			{W, "ordering=%20status%20,%20name", ltOrder("status", "name")},
		} {
			fx.wantSorted(t, c.set, c.query, c.order, c.set.names...)
		}
	})
}

// ---------------------------------------------------------------------
// Page-number pagination with filters

func TestListPaginationLinks(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		fx := ltSetup(t, e)
		T, W, P := fx.tasks, fx.workflows, fx.projects
		check := func(s *ltSet, query string, count int, next, prev string, names ...string) {
			t.Helper()
			t.Run(query, func(t *testing.T) {
				t.Helper()
				fx.alice.do("GET", s.path+"?"+query, nil).want(t, 200, ltPage(count, next, prev, s.objects(names)))
			})
		}

		// Filter, search and ordering are kept, sorted and encoded as DRF
		// does: "," is %2C and a space +.
		rows := T.sorted(ltOrder("-priority", "title"), []string{"a", "c", "e", "f", "g", "j"})
		if want := []string{"g", "a", "j", "f", "e", "c"}; !reflect.DeepEqual(rows, want) {
			t.Fatalf("model order %v, want %v", rows, want)
		}
		const tq = "status__in=todo,done&search=e%20a&ordering=-priority,%20title&page_size=2"
		const tl = ltHost + "/api/tasks/?ordering=-priority%2C+title"
		const tr = "&search=e+a&status__in=todo%2Cdone"
		check(T, tq, 6, tl+"&page=2&page_size=2"+tr, "", rows[0:2]...)
		check(T, tq+"&page=1", 6, tl+"&page=2&page_size=2"+tr, "", rows[0:2]...)
		check(T, tq+"&page=2", 6, tl+"&page=3&page_size=2"+tr, tl+"&page_size=2"+tr, rows[2:4]...)
		check(T, tq+"&page=3", 6, "", tl+"&page=2&page_size=2"+tr, rows[4:6]...)
		check(T, tq+"&page=last", 6, "", tl+"&page=2&page_size=2"+tr, rows[4:6]...)
		fx.wantStatus(t, "/api/tasks/?"+tq+"&page=4", 404, `{"detail":"Invalid page."}`)

		// Every kind of parameter, the empty and unknown ones too.
		rows = T.sorted(ltDefault, []string{"a", "h", "i"})
		q := fmt.Sprintf("overdue=true&project=&zzz=%%C3%%BC&workflow__in=1,2&page_size=1&page=2&due_date__lte=%s", fx.day(0))
		l := ltHost + "/api/tasks/?due_date__lte=" + fx.day(0) + "&overdue=true"
		r := "&project=&workflow__in=1%2C2&zzz=%C3%BC"
		check(T, q, 3, l+"&page=3&page_size=1"+r, l+"&page_size=1"+r, rows[1])

		// Timestamps keep their offset: + is %2B and : is %3A.
		rows = P.sorted(ltOrder("name"), P.names)
		q = "created_at__gte=2026-03-01T02:00:00%2B02:00&ordering=name&page_size=1"
		l = ltHost + "/api/projects/?created_at__gte=2026-03-01T02%3A00%3A00%2B02%3A00&ordering=name"
		check(P, q, 4, l+"&page=2&page_size=1", "", rows[0])
		check(P, q+"&page=3", 4, l+"&page=4&page_size=1", l+"&page=2&page_size=1", rows[2])

		// Workflows: a reference filter, a blank search, an ordering with spaces.
		pb := fx.projects.id("PB")
		rows = W.sorted(ltOrder("-status"), []string{"W3", "W4", "W5"})
		q = fmt.Sprintf("project=%d&search=%%20&ordering=%%20-status&page_size=1&page=2", pb)
		l = ltHost + "/api/workflows/?ordering=+-status"
		r = fmt.Sprintf("&page_size=1&project=%d&search=+", pb)
		check(W, q, 3, l+"&page=3"+r, l+r, rows[1])
	})
}

// ---------------------------------------------------------------------
// Cursor pagination

// ltCursorPage is DRF's cursor envelope.
type ltCursorPage struct {
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []ltM   `json:"results"`
}

// ltRel turns an absolute link of a test request into a path.
func ltRel(t *testing.T, link string) string {
	t.Helper()
	if !strings.HasPrefix(link, ltHost+"/api/") {
		t.Fatalf("link %q is not an absolute URL of the request's host", link)
	}
	return strings.TrimPrefix(link, ltHost)
}

// cursorGet gets a cursor page of alice's, checking the envelope: next,
// previous and results, no count.
func (fx *ltFixture) cursorGet(t *testing.T, path string) ltCursorPage {
	t.Helper()
	r := fx.alice.do("GET", path, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &keys); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, r.Body)
	}
	if len(keys) != 3 || keys["next"] == nil || keys["previous"] == nil || keys["results"] == nil {
		t.Fatalf("GET %s: envelope %s, want exactly next, previous and results", path, r.Body)
	}
	var p ltCursorPage
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if p.Results == nil {
		t.Fatalf("GET %s: results is not a list: %s", path, r.Body)
	}
	return p
}

// names checks that every result is one of s's objects exactly as GET
// gives it, and returns their names.
func (s *ltSet) resultNames(t *testing.T, results []ltM) []string {
	t.Helper()
	names := make([]string, len(results))
	for i, o := range results {
		id, _ := o["id"].(float64)
		n, ok := s.name(int64(id))
		if !ok {
			t.Fatalf("result %v is not one of alice's objects", o)
		}
		if !reflect.DeepEqual(o, s.objs[n]) {
			t.Errorf("result %s\n  %v\nwant\n  %v", n, o, s.objs[n])
		}
		names[i] = n
	}
	return names
}

// keepsParams checks that a link keeps every parameter of query but cursor.
func ltKeepsParams(t *testing.T, link, query string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	got := u.Query()
	if got.Get("cursor") == "" {
		t.Errorf("link %q has no cursor", link)
	}
	got.Del("cursor")
	want, _ := url.ParseQuery(query)
	want.Del("cursor")
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("link %q keeps %v, want %v", link, got, want)
	}
}

// walk follows a cursor list forward through every page and back again
// through the previous links, and checks it against want and against the
// page-number list of the same query.
func (fx *ltFixture) walk(t *testing.T, s *ltSet, query string, size int, want []string) {
	t.Helper()
	path := s.path + "?cursor="
	if query != "" {
		path = s.path + "?" + query + "&cursor="
	}
	var pages [][]string
	var last ltCursorPage
	for i := 0; ; i++ {
		if i > len(want)+2 {
			t.Fatalf("%s: more pages than rows", query)
		}
		p := fx.cursorGet(t, path)
		if i == 0 && p.Previous != nil {
			t.Errorf("%s: first page has previous %s", query, *p.Previous)
		}
		names := s.resultNames(t, p.Results)
		pages = append(pages, names)
		for _, link := range []*string{p.Next, p.Previous} {
			if link != nil {
				ltKeepsParams(t, *link, query)
			}
		}
		if p.Next == nil {
			last = p
			if len(names) == 0 && len(want) != 0 {
				t.Errorf("%s: last page %d is empty", query, i+1)
			}
			break
		}
		if len(names) != size {
			t.Errorf("%s: page %d has %d rows before the last, want %d", query, i+1, len(names), size)
		}
		path = ltRel(t, *p.Next)
	}
	var forward []string
	for _, p := range pages {
		forward = append(forward, p...)
	}
	if want == nil {
		want = []string{}
	}
	if forward == nil {
		forward = []string{}
	}
	if !reflect.DeepEqual(forward, want) {
		t.Errorf("%s: forward walk\n  %v\nwant\n  %v (pages %v)", query, forward, want, pages)
	}
	// The page-number list of the same query has the same order.
	var pg struct{ Results []ltM }
	r := fx.alice.do("GET", ltQueryPath(s.path, query+"&page_size=100"), nil)
	if r.Status != 200 || json.Unmarshal(r.Body, &pg) != nil {
		t.Fatalf("%s: page list %d %s", query, r.Status, r.Body)
	}
	if listed := s.resultNames(t, pg.Results); !reflect.DeepEqual(listed, forward) && len(listed)+len(forward) > 0 {
		t.Errorf("%s: cursor walk\n  %v\npage-number list\n  %v", query, forward, listed)
	}

	// Back through the previous links, page by page.
	k := len(pages) - 1
	cur := last
	for cur.Previous != nil {
		k--
		if k < 0 {
			t.Fatalf("%s: previous links go before the first page", query)
		}
		cur = fx.cursorGet(t, ltRel(t, *cur.Previous))
		names := s.resultNames(t, cur.Results)
		if !reflect.DeepEqual(names, pages[k]) {
			t.Errorf("%s: backward page %d\n  %v\nwant\n  %v", query, k+1, names, pages[k])
		}
		if cur.Next == nil {
			t.Errorf("%s: page %d reached backward has no next", query, k+1)
		}
		for _, link := range []*string{cur.Next, cur.Previous} {
			if link != nil {
				ltKeepsParams(t, *link, query)
			}
		}
	}
	if k != 0 {
		t.Errorf("%s: backward walk ended at page %d, want 1 (previous null only on the first page)", query, k+1)
	}
}

func TestCursorWalk(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		fx := ltSetup(t, e)
		for _, c := range ltOrderings {
			s := fx.set(c.path)
			orderings := [][]string{nil}
			for _, f := range c.fields {
				orderings = append(orderings, []string{f}, []string{"-" + f})
			}
			orderings = append(orderings, []string{c.fields[0], "-" + c.fields[1]}, []string{"-" + c.fields[1], c.fields[0]})
			if c.path == "/api/tasks/" {
				orderings = append(orderings, []string{"priority", "-due_date"}, []string{"-due_date", "status", "title"},
					[]string{"status", "priority"})
			}
			sizes := []int{1, 2, 3}
			if c.path == "/api/tasks/" {
				sizes = []int{2, 3}
			}
			for _, ord := range orderings {
				for _, size := range sizes {
					query := fmt.Sprintf("page_size=%d", size)
					order := ltDefault
					if ord != nil {
						query += "&ordering=" + strings.Join(ord, ",")
						order = ltOrder(ord...)
					}
					t.Run(c.path+"?"+query, func(t *testing.T) {
						fx.walk(t, s, query, size, s.sorted(order, s.names))
					})
				}
			}
		}

		// Filters and search combined.
		for _, c := range []struct {
			set   *ltSet
			query string
			size  int
			order []ltOrd
			names []string
		}{
			{fx.tasks, "status__in=todo,done&search=e%20a&ordering=-priority,title", 2, ltOrder("-priority", "title"),
				[]string{"a", "c", "e", "f", "g", "j"}},
			{fx.tasks, "overdue=false&search=a&ordering=due_date", 2, ltOrder("due_date"),
				[]string{"b", "c", "d", "e", "f", "g", "j"}},
			{fx.tasks, "overdue=false&search=a&ordering=-due_date", 3, ltOrder("-due_date"),
				[]string{"b", "c", "d", "e", "f", "g", "j"}},
			{fx.tasks, fmt.Sprintf("project=%d&priority__in=low,high&ordering=-due_date", fx.projects.id("PB")), 1,
				ltOrder("-due_date"), []string{"e", "h", "i"}},
			{fx.tasks, "search=same%20e&ordering=title", 1, ltOrder("title"), []string{"i", "j"}},
			{fx.tasks, "status=done&status__in=todo", 2, ltDefault, nil},
			{fx.workflows, "status__in=active,archived,completed&search=b&ordering=-name", 1, ltOrder("-name"),
				[]string{"W1", "W4", "W5"}},
			{fx.projects, "created_at__gte=2026-03-01T00:00:01Z&search=a&ordering=name", 1, ltOrder("name"),
				[]string{"PB", "PC", "PD"}},
		} {
			t.Run(c.set.path+"?"+c.query, func(t *testing.T) {
				fx.walk(t, c.set, c.query+fmt.Sprintf("&page_size=%d", c.size), c.size, c.set.sorted(c.order, c.names))
			})
		}
	})
}

func TestCursorEnvelope(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		fx := ltSetup(t, e)
		for _, s := range []*ltSet{fx.projects, fx.workflows, fx.tasks} {
			// One page of the default size: no links.
			want := ltJSON(ltM{"next": nil, "previous": nil, "results": s.objects(s.sorted(ltDefault, s.names))})
			fx.wantStatus(t, s.path+"?cursor=", 200, want)
			fx.wantStatus(t, s.path+"?cursor=&page_size=0", 200, want)
			fx.wantStatus(t, s.path+"?cursor=&page_size=1000", 200, want)
			fx.wantStatus(t, s.path+"?cursor=&page=abc", 200, want)
			fx.wantStatus(t, s.path+"?cursor=&page=99", 200, want)
		}
		// An empty list.
		fx.wantStatus(t, "/api/tasks/?cursor=&status=done&status__in=todo", 200, `{"next":null,"previous":null,"results":[]}`)
		fx.wantStatus(t, "/api/projects/?cursor=&search=nothing", 200, `{"next":null,"previous":null,"results":[]}`)
		fx.bob.do("GET", "/api/tasks/?cursor=&project=999999", nil).want(t, 400, ltErrors("project", ltMsgRef))
		// Filters are validated in cursor mode too.
		fx.wantStatus(t, "/api/tasks/?cursor=&status=bogus&overdue=x", 400,
			ltErrors("status", ltMsgChoice("bogus"), "overdue", ltMsgBool))
		// The first page of two: next only, holding the other parameters.
		p := fx.cursorGet(t, "/api/tasks/?cursor=&page_size=4&ordering=-priority&zzz=%C3%BC")
		if p.Previous != nil || p.Next == nil {
			t.Fatalf("first page: next %v previous %v", p.Next, p.Previous)
		}
		if !strings.HasPrefix(*p.Next, ltHost+"/api/tasks/?cursor=") ||
			!strings.HasSuffix(*p.Next, "&ordering=-priority&page_size=4&zzz=%C3%BC") {
			t.Errorf("next %q: want the cursor and the other parameters, sorted", *p.Next)
		}
		if got, want := fx.tasks.resultNames(t, p.Results), fx.tasks.sorted(ltOrder("-priority"), fx.tasks.names)[:4]; !reflect.DeepEqual(got, want) {
			t.Errorf("first page %v, want %v", got, want)
		}

		// bob's cursor walk never shows alice's rows, even from her cursor.
		r := fx.bob.do("GET", ltRel(t, *p.Next), nil)
		if r.Status != 200 {
			t.Fatalf("bob with alice's cursor: %d %s", r.Status, r.Body)
		}
		var bp ltCursorPage
		json.Unmarshal(r.Body, &bp)
		for _, o := range bp.Results {
			if id := int64(o["id"].(float64)); !fx.foreign["/api/tasks/"][id] {
				t.Errorf("bob's list holds task %d, which is not his", id)
			}
		}
	})
}

// TestCursorOfDueDateFromBefore checks that a cursor of an ordering by
// due date signed as before migration 00010, when a task without a due
// date sorted as 9999-12-31, is refused rather than resumed at the wrong
// row, while cursors of other orderings signed so stay good.
func TestCursorOfDueDateFromBefore(t *testing.T) {
	key := []byte("cursor-key-of-the-test-0123456789")
	storetest.EachEngine(t, func(t *testing.T, engine string) {
		fx := ltSetup(t, setup(t, engine, func(c *api.Config) { c.CursorKey = key }))
		for _, tc := range []struct {
			ordering string
			status   int
		}{{"due_date", 404}, {"-due_date", 404}, {"title,due_date", 404}, {"title", 200}, {"-priority", 200}} {
			base := "/api/tasks/?ordering=" + url.QueryEscape(tc.ordering) + "&page_size=2&cursor="
			p := fx.cursorGet(t, base)
			if p.Next == nil {
				t.Fatalf("%s: no next page", tc.ordering)
			}
			u, _ := url.Parse(*p.Next)
			cur := u.Query().Get("cursor")
			fx.cursorGet(t, base+url.QueryEscape(cur)) // today's cursor works
			payload, _, _ := strings.Cut(cur, ".")
			m := hmac.New(sha256.New, key)
			m.Write([]byte(payload))
			before := payload + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
			r := fx.alice.do("GET", base+url.QueryEscape(before), nil)
			if r.Status != tc.status || tc.status == 404 && string(r.Body) != `{"detail":"Invalid cursor"}` {
				t.Errorf("%s: cursor signed as before: %d %s, want %d", tc.ordering, r.Status, r.Body, tc.status)
			}
		}
	})
}

// ltB64 is the alphabet of base64url.
const ltB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// ltSubst replaces the character at i by the one n places further in the
// base64url alphabet.
func ltSubst(s string, i, n int) string {
	k := strings.IndexByte(ltB64, s[i])
	if k < 0 {
		return s[:i] + "A" + s[i+1:]
	}
	return s[:i] + string(ltB64[(k+n)%64]) + s[i+1:]
}

func TestCursorTampered(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		fx := ltSetup(t, e)
		const base = "/api/tasks/?ordering=title&page_size=2&cursor="
		p := fx.cursorGet(t, base)
		if p.Next == nil {
			t.Fatal("no next page")
		}
		u, _ := url.Parse(*p.Next)
		cur := u.Query().Get("cursor")
		// The genuine cursor works.
		second := fx.cursorGet(t, base+url.QueryEscape(cur))
		if got, want := fx.tasks.resultNames(t, second.Results), fx.tasks.sorted(ltOrder("title"), fx.tasks.names)[2:4]; !reflect.DeepEqual(got, want) {
			t.Fatalf("second page %v, want %v", got, want)
		}
		payload, sig, ok := strings.Cut(cur, ".")
		if !ok {
			t.Fatalf("cursor %q: want payload.signature", cur)
		}
		const invalid = `{"detail":"Invalid cursor"}`
		var bad []string
		// Every character of payload and signature changed, in its data bits.
		for i := range payload {
			bad = append(bad, ltSubst(payload, i, 32)+"."+sig, ltSubst(payload, i, 1)+"."+sig)
		}
		for i := range sig {
			bad = append(bad, payload+"."+ltSubst(sig, i, 32))
		}
		for i := 0; i < len(sig)-1; i++ {
			bad = append(bad, payload+"."+ltSubst(sig, i, 1))
		}
		// The last characters with every other letter of the alphabet: a
		// cursor is accepted in one spelling only, so base64's unused low
		// bits of the last character must not be ignored either.
		t.Run("last character", func(t *testing.T) {
			var accepted []string
			for n := 1; n < 64; n++ {
				for _, b := range []string{payload + "." + ltSubst(sig, len(sig)-1, n), ltSubst(payload, len(payload)-1, n) + "." + sig} {
					if r := fx.alice.do("GET", base+url.QueryEscape(b), nil); r.Status != 404 || string(r.Body) != `{"detail":"Invalid cursor"}` {
						accepted = append(accepted, fmt.Sprintf("%s (%d)", b, r.Status))
					}
				}
			}
			if len(accepted) > 0 {
				t.Errorf("cursor %s: %d tampered spellings accepted, want 404 {\"detail\":\"Invalid cursor\"}: %v",
					cur, len(accepted), accepted)
			}
		})
		// A payload re-encoded with other values keeps the old signature.
		raw, err := base64.RawURLEncoding.DecodeString(payload)
		if err != nil {
			t.Fatalf("payload %q is not base64url: %v", payload, err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("payload %s is not a JSON object: %v", raw, err)
		}
		for k, v := range map[string]any{"o": "-title", "r": true} {
			m2 := map[string]any{}
			for kk, vv := range m {
				m2[kk] = vv
			}
			m2[k] = v
			bad = append(bad, base64.RawURLEncoding.EncodeToString([]byte(ltJSON(m2)))+"."+sig)
		}
		bad = append(bad,
			payload, payload+".", "."+sig, sig+"."+payload, payload+"."+sig+"A", payload+"."+sig[:len(sig)-1],
			payload+"."+sig+"==", payload+"=."+sig, payload+"."+sig+"."+sig, strings.ToUpper(cur), strings.ToLower(cur),
			"!!!", "AAAA", "AAAA.AAAA", "e30", "e30.", "e30.AAAAAAAAAAAAAAAAAAAAAA", "null", ".", "..", "-", "cursor",
			"%", "' OR 1=1 --", strings.Repeat("A", 5000)+"."+sig, base64.StdEncoding.EncodeToString(raw)+"."+sig)
		for _, b := range bad {
			if b == cur {
				continue
			}
			fx.wantStatus(t, base+url.QueryEscape(b), 404, invalid)
		}
		// A cursor belongs to its ordering.
		for _, other := range []string{"ordering=-title", "ordering=status", "ordering=title,status", "", "ordering=bogus"} {
			q := "/api/tasks/?page_size=2&cursor=" + url.QueryEscape(cur)
			if other != "" {
				q += "&" + other
			}
			fx.wantStatus(t, q, 404, invalid)
		}
		// ... and to its collection's ordering fields.
		pp := fx.cursorGet(t, "/api/projects/?ordering=name&page_size=1&cursor=")
		pu, _ := url.Parse(*pp.Next)
		fx.wantStatus(t, "/api/tasks/?ordering=title&cursor="+url.QueryEscape(pu.Query().Get("cursor")), 404, invalid)
		fx.wantStatus(t, "/api/workflows/?ordering=name&cursor="+url.QueryEscape(cur), 404, invalid)
	})
}

// ---------------------------------------------------------------------
// Stats

// ltStats is the exact stats body.
func ltStats(workflows, total int, status, priority [4]int, overdue int) string {
	return fmt.Sprintf(`{"workflows":%d,"tasks":{"total":%d,`+
		`"by_status":{"todo":%d,"in_progress":%d,"blocked":%d,"done":%d},`+
		`"by_priority":{"low":%d,"medium":%d,"high":%d,"urgent":%d},"overdue":%d}}`,
		workflows, total, status[0], status[1], status[2], status[3],
		priority[0], priority[1], priority[2], priority[3], overdue)
}

func TestStatsProject(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		fx := ltSetup(t, e)
		path := func(id any) string { return fmt.Sprintf("/api/projects/%v/stats/", id) }
		check := func(c *client, p, want string) {
			t.Helper()
			t.Run(c.Username+p, func(t *testing.T) {
				r := c.do("GET", p, nil)
				r.want(t, 200, want)
				if got := strings.TrimSpace(string(r.Body)); got != want {
					t.Errorf("body %s\nwant exactly %s", got, want)
				}
			})
		}
		pa, pb := fx.projects.id("PA"), fx.projects.id("PB")
		empty := ltStats(0, 0, [4]int{}, [4]int{}, 0)
		// PA: a, b, c, d, j; only a is overdue (c is done, d has no date).
		check(fx.alice, path(pa), ltStats(2, 5, [4]int{2, 1, 1, 1}, [4]int{1, 1, 2, 1}, 1))
		check(fx.alice, strings.TrimSuffix(path(pa), "/"), ltStats(2, 5, [4]int{2, 1, 1, 1}, [4]int{1, 1, 2, 1}, 1))
		// PB: e, f, g, h, i; h and i are overdue, e is due today.
		check(fx.alice, path(pb), ltStats(3, 5, [4]int{2, 1, 1, 1}, [4]int{2, 1, 1, 1}, 2))
		check(fx.alice, path(fx.projects.id("PC")), empty)
		check(fx.alice, path(fx.projects.id("PD")), empty)
		check(fx.bob, path(fx.bobProject), ltStats(1, 5, [4]int{2, 1, 1, 1}, [4]int{2, 1, 1, 1}, 1))

		// Another user's project or a missing one: 404 alike.
		noProject := `{"detail":"No Project matches the given query."}`
		fx.bob.do("GET", path(pa), nil).want(t, 404, noProject)
		fx.alice.do("GET", path(fx.bobProject), nil).want(t, 404, noProject)
		fx.alice.do("GET", path(ltMissing), nil).want(t, 404, noProject)
		fx.alice.do("GET", path(0), nil).want(t, 404, noProject)
		fx.alice.do("GET", path("99999999999999999999"), nil).want(t, 404, noProject)
		for _, id := range []string{"abc", "x1", "1x", "%20"} {
			fx.alice.do("GET", path(id), nil).want(t, 404, `{"detail":"Not found."}`)
		}
		fx.e.do("GET", path(pa), nil).want(t, 401, `{"detail":"Authentication credentials were not provided."}`)

		// The counts follow changes.
		if r := fx.alice.do("PATCH", fmt.Sprintf("/api/tasks/%d/", fx.tasks.id("a")), ltM{"status": "done"}); r.Status != 200 {
			t.Fatalf("PATCH: %d %s", r.Status, r.Body)
		}
		check(fx.alice, path(pa), ltStats(2, 5, [4]int{1, 1, 1, 2}, [4]int{1, 1, 2, 1}, 0))
		if r := fx.alice.do("DELETE", fmt.Sprintf("/api/workflows/%d/", fx.workflows.id("W2")), nil); r.Status != 204 {
			t.Fatalf("DELETE: %d %s", r.Status, r.Body)
		}
		check(fx.alice, path(pa), ltStats(1, 3, [4]int{1, 1, 0, 1}, [4]int{0, 0, 2, 1}, 0))
		if r := fx.alice.do("PATCH", fmt.Sprintf("/api/workflows/%d/", fx.workflows.id("W5")), ltM{"project": pa}); r.Status != 200 {
			t.Fatalf("PATCH: %d %s", r.Status, r.Body)
		}
		// h (in progress, high, overdue) and i (blocked, low, overdue) moved to PA.
		check(fx.alice, path(pa), ltStats(2, 5, [4]int{1, 2, 1, 1}, [4]int{1, 0, 3, 1}, 2))
		check(fx.alice, path(pb), ltStats(2, 3, [4]int{2, 0, 0, 1}, [4]int{1, 1, 0, 1}, 0))
		// A deleted project's stats are gone.
		if r := fx.alice.do("DELETE", fmt.Sprintf("/api/projects/%d/", pb), nil); r.Status != 204 {
			t.Fatalf("DELETE: %d %s", r.Status, r.Body)
		}
		fx.alice.do("GET", path(pb), nil).want(t, 404, noProject)
	})
}
