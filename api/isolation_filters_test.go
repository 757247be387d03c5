package api_test

import (
	"fmt"
	"testing"
)

// TestIsolationListFilters checks api.md's rule for filtering a list by
// another user's object: the same 400 as for an object that does not exist.
func TestIsolationListFilters(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		ap, aw, _ := alice.tree()
		bp, bw, _ := bob.tree()
		bob.tree() // a second tree, so that a filter has something to leave out
		const invalid = `["Select a valid choice. That choice is not one of the available choices."]`
		for _, c := range []struct{ path, param string }{
			{"/api/workflows/", "project"},
			{"/api/tasks/", "project"},
			{"/api/tasks/", "workflow"},
		} {
			other := ap
			if c.param == "workflow" {
				other = aw
			}
			r := bob.do("GET", fmt.Sprintf("%s?%s=%d", c.path, c.param, other), nil)
			missing := bob.do("GET", fmt.Sprintf("%s?%s=%d", c.path, c.param, missingID), nil)
			sameResponse(t, c.path+"?"+c.param, r, missing)
			expect(t, fmt.Sprintf("GET %s?%s=<other's>", c.path, c.param), r, 400, jsonf(`{"%s":%s}`, c.param, invalid))
		}
		// Filtering by one's own object lists only its rows.
		for _, c := range []struct {
			path, param string
			id          int64
		}{{"/api/workflows/", "project", bp}, {"/api/tasks/", "project", bp}, {"/api/tasks/", "workflow", bw}} {
			r := bob.do("GET", fmt.Sprintf("%s?%s=%d", c.path, c.param, c.id), nil)
			if r.Status != 200 || decodeObject(t, r)["count"] != float64(1) {
				t.Errorf("GET %s?%s=%d: %d %s, want the one matching row", c.path, c.param, c.id, r.Status, r.Body)
			}
		}
	})
}
