package api_test

import (
	"fmt"
	"testing"
)

// TestListQueryCount checks that a list runs a constant number of SQL
// statements whatever its page size: no query per row (no N+1).
func TestListQueryCount(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		for p := range 3 {
			project := alice.create("/api/projects/", map[string]any{"name": fmt.Sprint("P", p)})
			for w := range 3 {
				workflow := alice.create("/api/workflows/", map[string]any{"project": project, "name": fmt.Sprint("W", w)})
				for i := range 4 {
					alice.create("/api/tasks/", map[string]any{"workflow": workflow, "title": fmt.Sprint("T", i)})
				}
			}
		}
		statements := func(path string) int64 {
			before := e.store.Statements()
			if r := alice.do("GET", path, nil); r.Status != 200 {
				t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
			}
			return e.store.Statements() - before
		}
		for _, list := range []string{"/api/projects/", "/api/workflows/", "/api/tasks/"} {
			for _, mode := range []string{"", "cursor=&", "search=t&ordering=-created_at&"} {
				small := statements(list + "?" + mode + "page_size=1")
				large := statements(list + "?" + mode + "page_size=100")
				// The user's row, the count (not for cursors) and the page.
				if small != large || large > 3 || large < 2 {
					t.Errorf("%s?%s: %d statements for 1 row, %d for 100; want the same, 2 or 3", list, mode, small, large)
				}
			}
		}
	})
}
