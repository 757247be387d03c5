package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestIdempotencyKey(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		body := map[string]any{"name": "Once"}

		first := alice.do("POST", "/api/projects/", body, "Idempotency-Key", "k-1")
		if first.Status != http.StatusCreated {
			t.Fatalf("first: %d %s", first.Status, first.Body)
		}
		retry := alice.do("POST", "/api/projects/", body, "Idempotency-Key", "k-1")
		if retry.Status != http.StatusCreated || !bytes.Equal(retry.Body, first.Body) ||
			retry.Header.Get("Location") != first.Header.Get("Location") || retry.Header.Get("ETag") != first.Header.Get("ETag") {
			t.Fatalf("retry: %d %s %v, want the first response again", retry.Status, retry.Body, retry.Header)
		}
		alice.do("GET", "/api/projects/", nil).want(t, 200, `{"count":1,"next":null,"previous":null,"results":["<any>"]}`)

		alice.do("POST", "/api/projects/", map[string]any{"name": "Other"}, "Idempotency-Key", "k-1").
			want(t, 422, `{"detail":"Idempotency-Key reused with a different request."}`)
		project := first.field("id")
		alice.do("POST", "/api/workflows/", map[string]any{"project": project, "name": "W"}, "Idempotency-Key", "k-1").
			want(t, 422, `{"detail":"Idempotency-Key reused with a different request."}`)

		// Keys are per user: bob's k-1 is his own.
		bob.do("POST", "/api/projects/", body, "Idempotency-Key", "k-1").want(t, 201, `{"id":"<any>","name":"Once","description":"","owner":"<any>","workflow_count":0,"task_count":0,"created_at":"<timestamp>","updated_at":"<timestamp>"}`)

		// A request that fails validation reserves nothing.
		alice.do("POST", "/api/projects/", map[string]any{"name": ""}, "Idempotency-Key", "k-2").
			want(t, 400, `{"name":["This field may not be blank."]}`)
		if r := alice.do("POST", "/api/projects/", map[string]any{"name": "Fixed"}, "Idempotency-Key", "k-2"); r.Status != 201 {
			t.Fatalf("corrected retry: %d %s", r.Status, r.Body)
		}
		// So does one whose reference is not the caller's.
		alice.do("POST", "/api/workflows/", map[string]any{"project": 999999, "name": "W"}, "Idempotency-Key", "k-3").
			want(t, 400, `{"project":["Invalid pk \"999999\" - object does not exist."]}`)

		for _, bad := range []string{strings.Repeat("x", 256), "tab\there", "caf\u00e9"} {
			alice.do("POST", "/api/projects/", body, "Idempotency-Key", bad).
				want(t, 400, `{"detail":"Idempotency-Key must be 1 to 255 printable characters."}`)
		}
		if r := alice.do("POST", "/api/projects/", body, "Idempotency-Key", strings.Repeat("x", 255)); r.Status != 201 {
			t.Fatalf("255-character key: %d %s", r.Status, r.Body)
		}
	})
}

// TestIdempotencyKeyConcurrent sends one key from many clients at once:
// exactly one object is created, every answer is that object or a 409.
func TestIdempotencyKeyConcurrent(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		const n = 16
		responses := make([]*response, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				responses[i] = alice.do("POST", "/api/projects/", map[string]any{"name": "Race"}, "Idempotency-Key", "race")
			}()
		}
		wg.Wait()
		var created []byte
		for _, r := range responses {
			switch r.Status {
			case http.StatusCreated:
				if created != nil && !bytes.Equal(created, r.Body) {
					t.Errorf("two different objects: %s and %s", created, r.Body)
				}
				created = r.Body
			case http.StatusConflict:
			default:
				t.Errorf("status %d %s", r.Status, r.Body)
			}
		}
		alice.do("GET", "/api/projects/", nil).want(t, 200, `{"count":1,"next":null,"previous":null,"results":["<any>"]}`)
	})
}
