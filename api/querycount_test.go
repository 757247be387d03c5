package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestListQueryCount checks that a list runs a constant number of SQL
// statements whatever its page size: no query per row (no N+1).
func TestListQueryCount(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		var project, workflow int64
		for p := range 3 {
			project = alice.create("/api/projects/", map[string]any{"name": fmt.Sprint("P", p)})
			for w := range 3 {
				workflow = alice.create("/api/workflows/", map[string]any{"project": project, "name": fmt.Sprint("W", w)})
				for i := range 4 {
					alice.create("/api/tasks/", map[string]any{"workflow": workflow, "title": fmt.Sprint("T", i)})
				}
			}
		}
		statementsOf := func(method, path string, body any, status int) int64 {
			before := e.store.Statements()
			if r := alice.do(method, path, body); r.Status != status {
				t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
			}
			return e.store.Statements() - before
		}
		statements := func(path string) int64 { return statementsOf("GET", path, nil, 200) }
		for _, list := range []string{"/api/projects/", "/api/workflows/", "/api/tasks/"} {
			// The count and the page, or the cursor's page alone: the
			// account's check rides in them, and nothing runs per row.
			for mode, want := range map[string]int64{"": 2, "cursor=&": 1, "search=t&ordering=-created_at&": 2} {
				if list == "/api/tasks/" && strings.HasPrefix(mode, "search=") {
					// A task search counts its rows once: the version of the
					// tasks, the page and the count; then, whatever the page
					// size, the count is remembered (see sqlstore's countCache).
					if n := statements(list + "?" + mode + "page_size=5"); n != 3 {
						t.Errorf("%s?%s: %d statements the first time, want 3", list, mode, n)
					}
				}
				small := statements(list + "?" + mode + "page_size=1")
				large := statements(list + "?" + mode + "page_size=100")
				if small != want || large != want {
					t.Errorf("%s?%s: %d statements for 1 row, %d for 100; want %d", list, mode, small, large, want)
				}
			}
		}
		// A page whose filter's index is not its order's: for a user with
		// few tasks, once their number is known, the count and the page,
		// or the cursor's page and, it being empty, the account's check.
		// (storetest's TestNarrowedLists counts a large user's.)
		for path, want := range map[string]int64{
			"/api/tasks/?status=done&ordering=-priority&":         2,
			"/api/tasks/?cursor=&status=done&ordering=-priority&": 2,
		} {
			statements(path + "page_size=2") // the count and the size are remembered
			small := statements(path + "page_size=1")
			large := statements(path + "page_size=100")
			if small != want || large != want {
				t.Errorf("%s: %d statements for 1 row, %d for 100; want %d", path, small, large, want)
			}
		}
		// The hot single-object requests are one statement each.
		task := alice.create("/api/tasks/", map[string]any{"workflow": workflow, "title": "counted"})
		for _, c := range []struct {
			method, path string
			body         any
			status       int
		}{
			{"GET", fmt.Sprintf("/api/tasks/%d/", task), nil, 200},
			{"PATCH", fmt.Sprintf("/api/tasks/%d/", task), map[string]any{"status": "done"}, 200},
			{"POST", "/api/tasks/", map[string]any{"workflow": workflow, "title": "one more"}, 201},
			{"GET", fmt.Sprintf("/api/projects/%d/", project), nil, 200},
		} {
			if n := statementsOf(c.method, c.path, c.body, c.status); n != 1 {
				t.Errorf("%s %s: %d statements, want 1", c.method, c.path, n)
			}
		}
	})
}
