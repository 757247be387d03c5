package api_test

// FuzzListQuery sends fuzzed raw query strings to the three lists of a
// user on SQLite (set up once per process, with data of that user and of
// another) and checks that every answer is 200, 400 or 404 (the 404 only
// for page or cursor), JSON, and free of the other user's rows.

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/flowtrack/flowtrack/api"
	"github.com/flowtrack/flowtrack/password"
	"github.com/flowtrack/flowtrack/storetest"
	"github.com/flowtrack/flowtrack/token"
)

// lfEnv is the API and the data of the fuzz test.
type lfEnv struct {
	api    http.Handler
	access string // alice's
	world  *lpWorld
	// ids of alice's and bob's objects, for seeds
	project, workflow, bobProject, bobWorkflow int64
}

// lfSetup starts the API on SQLite with data of alice (the caller) and bob.
func lfSetup(f *testing.F) *lfEnv {
	f.Helper()
	store := storetest.Open(f, "sqlite")
	tokens := token.NewIssuer(testKey, 24*time.Hour, 24*time.Hour) // outlives a long run
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fz := &lfEnv{api: api.NewServer(store, tokens, password.NewHasher(fastHash, 4), log, api.DefaultConfig)}
	fz.world = &lpWorld{own: map[string]map[int64]bool{}, foreign: map[string]map[int64]bool{}}
	for _, p := range lpPaths {
		fz.world.own[p], fz.world.foreign[p] = map[int64]bool{}, map[int64]bool{}
	}

	call := func(access, method, path string, body any, want int) map[string]any {
		f.Helper()
		b, _ := json.Marshal(body)
		r := lfSend(fz.api, access, method, path, string(b))
		if r.Status != want {
			f.Fatalf("setup %s %s: %d %s", method, path, r.Status, r.Body)
		}
		var m map[string]any
		json.Unmarshal(r.Body, &m)
		return m
	}
	user := func(name string) (access string, id int64) {
		pw := "pass-" + name + "-Secret9"
		id = lpID(call("", "POST", "/api/auth/register/", map[string]string{"username": name, "email": name + "@example.com", "password": pw}, 201)["id"])
		access, _ = call("", "POST", "/api/auth/login/", map[string]string{"username": name, "password": pw}, 200)["access"].(string)
		return access, id
	}
	today := time.Now().UTC()
	day := func(n int) string { return today.AddDate(0, 0, n).Format(time.DateOnly) }
	// data creates the same shapes of data for a user and records the ids.
	data := func(access string, ids map[string]map[int64]bool) (project, workflow int64) {
		var projects, workflows []int64
		for _, p := range []map[string]any{
			{"name": "Alpha launch", "description": "Über alles"},
			{"name": "Gamma 100%", "description": `with_underscore \ back`},
		} {
			projects = append(projects, lpID(call(access, "POST", "/api/projects/", p, 201)["id"]))
		}
		for _, w := range []map[string]any{
			{"project": projects[0], "name": "Build", "status": "active"},
			{"project": projects[0], "name": "Ship", "status": "paused"},
			{"project": projects[1], "name": "Research", "status": "archived"},
		} {
			workflows = append(workflows, lpID(call(access, "POST", "/api/workflows/", w, 201)["id"]))
		}
		for i, tk := range []map[string]any{
			{"title": "Alpha report", "description": "quarterly numbers", "status": "todo", "priority": "high", "due_date": day(-3)},
			{"title": "Beta review", "description": "Über refactor", "status": "in_progress", "priority": "urgent", "due_date": day(5)},
			{"title": "Gamma 100% done", "status": "done", "priority": "low", "due_date": day(-10)},
			{"title": "Delta under_score", "description": "plain", "status": "blocked", "priority": "medium"},
			{"title": "Epsilon path", "description": `C:\temp\file`, "status": "todo", "priority": "low", "due_date": day(0)},
			{"title": "Zeta Ωmega", "description": "Straße plan", "status": "todo", "priority": "medium"},
			{"title": "Same", "status": "blocked", "priority": "low", "due_date": day(-1)},
			{"title": "Same", "status": "todo", "priority": "high", "due_date": day(5)},
		} {
			tk["workflow"] = workflows[i%len(workflows)]
			ids["/api/tasks/"][lpID(call(access, "POST", "/api/tasks/", tk, 201)["id"])] = true
		}
		for _, id := range projects {
			ids["/api/projects/"][id] = true
		}
		for _, id := range workflows {
			ids["/api/workflows/"][id] = true
		}
		return projects[0], workflows[0]
	}
	var bobAccess string
	fz.access, fz.world.owner = user("alice")
	bobAccess, _ = user("bob")
	fz.project, fz.workflow = data(fz.access, fz.world.own)
	fz.bobProject, fz.bobWorkflow = data(bobAccess, fz.world.foreign)
	return fz
}

// lfSend serves one request with a JSON body and an access token ("" for
// none).
func lfSend(h http.Handler, access, method, path, body string) *response {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if access != "" {
		req.Header.Set("Authorization", "Bearer "+access)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return &response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// seeds is the seed corpus: every parameter with valid, invalid and
// hostile values, and real cursors.
func (fz *lfEnv) seeds() []string {
	seeds := []string{
		"", "search=alpha", "search=ALPHA%20numbers", "search=alpha,numbers", "search=%22alpha%20report%22",
		"search=%C3%BCber", "search=%CE%A9", "search=STRASSE", "search=%25", "search=_", "search=%5C", "search=10_",
		"search=%20", "search=,", "search=%22", "search=%22a%20b", "search=" + strings.Repeat("a%20", 21),
		"search=" + strings.Repeat("a", 1001), "search=%FF", "search=%00", "search=%ED%A0%80",
		"status=todo", "status=done", "status=bogus", "status=", "status__in=todo,done", "status__in=todo,,done",
		"status__in=,", "status=todo&status__in=done", "status=active", "status__in=active,paused",
		"priority=high", "priority=2", "priority__in=low,urgent", "priority__in=low,bogus",
		"due_date__gte=2026-01-01&due_date__lte=2026-12-31", "due_date__gte=bogus", "due_date__lte=2026-02-30",
		"due_date__gte=2026-1-1", "overdue=true", "overdue=0", "overdue=maybe",
		fmt.Sprintf("workflow=%d", fz.workflow), fmt.Sprintf("project=%d", fz.project),
		fmt.Sprintf("project=%d", fz.bobProject), fmt.Sprintf("workflow=%d", fz.bobWorkflow),
		"project=abc", "project=0", "project=-1", "project=99999999999999999999", "workflow=1.5",
		"created_at__gte=2026-01-01T00:00:00%2B02:00", "created_at__lte=2026-01-01", "created_at__gte=2026-01-01T00:00:00Z",
		"created_at__gte=2026-01-01T00:00:00+02:00", "created_at__lte=bogus", "created_at__gte=2026-01-01%2010:00",
		"ordering=-priority,title", "ordering=bogus,-due_date", "ordering=%20status%20", "ordering=due_date",
		"ordering=-updated_at", "ordering=name", "ordering=-created_at,id", "ordering=title;DROP%20TABLE%20tasks",
		"page=2&page_size=2", "page=last", "page=last&page_size=1", "page=0", "page=-1", "page=abc", "page=",
		"page=9223372036854775807", "page=4611686018427387904", "page_size=1000", "page_size=0", "page_size=-5",
		"cursor=", "cursor=&ordering=due_date&page_size=1", "cursor=&page_size=2&status=todo&search=a",
		"cursor=garbage", "cursor=!!!", "cursor=e30.AAAA", "cursor=%00",
		"search=%27%20OR%201%3D1%20--", "search=' OR 1=1 --", `status="; DROP TABLE tasks; --`,
		"status=%27%20OR%20%271%27%3D%271", "project=1%20OR%201%3D1", "ordering=(SELECT%201)",
		"%zz=1&status=%zz", "a;b=c", "status=todo;status=done", "status=todo&status=bogus", "status=bogus&status=todo",
		"&&&", "=", "==", "?", "#", "%", "%00=%00", "search=" + strings.Repeat("%25", 500),
		"search=a&ordering=-priority&status__in=todo,blocked&overdue=false&page_size=1&page=2",
		"created_at__gte=2026-01-01&search=alpha&ordering=name&cursor=&page_size=1",
	}
	// Real cursors, and the same with another ordering or a filter.
	for _, q := range []string{"cursor=&page_size=1", "cursor=&page_size=2&ordering=-due_date", "cursor=&page_size=1&ordering=name"} {
		for _, p := range lpPaths {
			r := lpGet(fz.api, fz.access, p, q)
			var body struct{ Next *string }
			if json.Unmarshal(r.Body, &body) == nil && body.Next != nil {
				if u, err := url.Parse(*body.Next); err == nil {
					seeds = append(seeds, u.RawQuery, u.RawQuery+"&ordering=-title", u.RawQuery+"&status=done",
						strings.Replace(u.RawQuery, "cursor=", "cursor=A", 1))
				}
			}
		}
	}
	return seeds
}

func FuzzListQuery(f *testing.F) {
	fz := lfSetup(f)
	for _, s := range fz.seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, path := range lpPaths {
			r := lpGet(fz.api, fz.access, path, raw)
			if p := fz.world.problem(path, raw, r); p != "" {
				t.Fatalf("GET %s?%.300q: %s", path, raw, lpShort(p))
			}
		}
	})
}
