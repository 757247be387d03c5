package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
)

// TestGoneAccountGetsNothing sends every kind of request the data
// endpoints take, well-formed or not, with the token of a user who was
// then deactivated or deleted, on objects of the user's own and others':
// each gets the account's 401 and nothing else (no ETag, Location or
// body of the request's own), and no data changes. The data endpoints
// check the account in their own statements, so this is what keeps the
// answers that never reach a statement (validation errors, 405, OPTIONS)
// from going out first.
func TestGoneAccountGetsNothing(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		dave := e.user("dave")
		carol := e.user("carol")
		bob := e.user("bob")
		dp, dw, dt := dave.tree()
		cp, cw, ct := carol.tree()
		_, _, bt := bob.tree()
		etag := dave.do("GET", fmt.Sprintf("/api/tasks/%d/", dt), nil).Header.Get("ETag")
		before := map[*client][]byte{}
		for _, c := range []*client{dave, carol} {
			before[c] = snapshot(t, c)
		}
		authSetActive(t, e, dave.ID, false)
		authDelete(t, e, carol.ID)

		type req struct {
			method, path string
			body         any
			headers      []string
		}
		requestsFor := func(p, w, tk int64) []req {
			task := fmt.Sprintf("/api/tasks/%d/", tk)
			return []req{
				{"GET", "/api/projects/", nil, nil},
				{"GET", "/api/workflows/?page=1", nil, nil},
				{"GET", "/api/tasks/", nil, nil},
				{"HEAD", "/api/tasks/", nil, nil},
				{"OPTIONS", "/api/tasks/", nil, nil},
				{"GET", "/api/tasks/?cursor=", nil, nil},
				{"GET", "/api/tasks/?search=nothing-matches-this", nil, nil},
				{"GET", "/api/tasks/?search=nothing-matches-this&cursor=", nil, nil},
				{"GET", "/api/tasks/?page=99", nil, nil},
				{"GET", "/api/tasks/?status=bogus", nil, nil},
				{"GET", "/api/tasks/?ordering=nope", nil, nil},
				{"GET", "/api/tasks/?cursor=garbage", nil, nil},
				{"GET", "/api/tasks/?page_size=0", nil, nil},
				{"DELETE", "/api/tasks/", nil, nil},
				{"POST", "/api/tasks/", map[string]any{"workflow": w, "title": "new"}, nil},
				{"POST", "/api/tasks/", map[string]any{"workflow": w, "title": "new"}, []string{"Idempotency-Key", "k1"}},
				{"POST", "/api/tasks/", map[string]any{"workflow": w, "title": ""}, nil},
				{"POST", "/api/tasks/", map[string]any{"workflow": 987654, "title": "x"}, nil},
				{"POST", "/api/tasks/", "{not json", nil},
				{"POST", "/api/tasks/", "x", []string{"Content-Type", "text/plain"}},
				{"POST", "/api/projects/", map[string]any{"name": "new"}, nil},
				{"POST", "/api/workflows/", map[string]any{"project": p, "name": "new"}, nil},
				{"POST", "/api/workflows/", map[string]any{"project": p, "status": "bogus"}, nil},
				{"GET", task, nil, nil},
				{"HEAD", task, nil, nil},
				{"OPTIONS", task, nil, nil},
				{"GET", task, nil, []string{"If-None-Match", etag}},
				{"GET", "/api/tasks/987654/", nil, nil},
				{"GET", "/api/tasks/abc/", nil, nil},
				{"POST", task, nil, nil},
				{"PATCH", task, map[string]any{"title": "changed"}, nil},
				{"PATCH", task, map[string]any{"title": "changed"}, []string{"If-Match", etag}},
				{"PATCH", task, map[string]any{"title": "changed"}, []string{"If-Match", `"stale"`}},
				{"PATCH", task, map[string]any{"workflow": w}, nil},
				{"PATCH", task, map[string]any{"status": "bogus"}, nil},
				{"PUT", task, map[string]any{"workflow": w, "title": "changed"}, nil},
				{"DELETE", task, nil, nil},
				{"DELETE", task, nil, []string{"If-Match", etag}},
				{"GET", fmt.Sprintf("/api/projects/%d/", p), nil, nil},
				{"GET", fmt.Sprintf("/api/projects/%d/stats/", p), nil, nil},
				{"PATCH", fmt.Sprintf("/api/projects/%d/", p), map[string]any{"name": "changed"}, nil},
				{"DELETE", fmt.Sprintf("/api/projects/%d/", p), nil, nil},
				{"GET", fmt.Sprintf("/api/workflows/%d/", w), nil, nil},
				{"PATCH", fmt.Sprintf("/api/workflows/%d/", w), map[string]any{"name": "changed"}, nil},
				{"DELETE", fmt.Sprintf("/api/workflows/%d/", w), nil, nil},
				{"GET", fmt.Sprintf("/api/tasks/%d/", bt), nil, nil},
				{"DELETE", fmt.Sprintf("/api/tasks/%d/", bt), nil, nil},
			}
		}
		for _, who := range []struct {
			name    string
			c       *client
			p, w, t int64
			want    string
		}{
			{"inactive", dave, dp, dw, dt, authUserOff},
			{"deleted", carol, cp, cw, ct, authUserGone},
		} {
			for _, rq := range requestsFor(who.p, who.w, who.t) {
				r := who.c.do(rq.method, rq.path, rq.body, rq.headers...)
				what := fmt.Sprintf("%s: %s %s %v", who.name, rq.method, rq.path, rq.headers)
				if r.Status != http.StatusUnauthorized {
					t.Errorf("%s: status %d, want 401; body %s", what, r.Status, r.Body)
					continue
				}
				if rq.method != "HEAD" {
					authWant401(t, r, who.want)
				}
				for _, h := range []string{"ETag", "Location", "Link", "Idempotent-Replayed"} {
					if v := r.Header.Get(h); v != "" {
						t.Errorf("%s: header %s: %q leaked", what, h, v)
					}
				}
			}
		}

		// Nothing changed: dave, once active again, sees his data as it was;
		// bob's task is still there; carol's rows went with her account.
		authSetActive(t, e, dave.ID, true)
		if got := snapshot(t, dave); !bytes.Equal(got, before[dave]) {
			t.Errorf("dave's data changed:\n  %s\nwas\n  %s", got, before[dave])
		}
		bob.do("GET", fmt.Sprintf("/api/tasks/%d/", bt), nil).want(t, http.StatusOK, `"`+anyValue+`"`)
		// The refused Idempotency-Key was never reserved.
		dave.do("POST", "/api/tasks/", map[string]any{"workflow": dw, "title": "new"}, "Idempotency-Key", "k1").
			want(t, http.StatusCreated, `"`+anyValue+`"`)
	})
}

// snapshot returns a user's projects, workflows and tasks as listed.
func snapshot(t *testing.T, c *client) []byte {
	t.Helper()
	var all []byte
	for _, path := range []string{"/api/projects/", "/api/workflows/", "/api/tasks/"} {
		r := c.do("GET", path, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		all = append(all, r.Body...)
	}
	return all
}
