package admin_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// apiErrors sends a body the API must refuse and returns its messages by field.
func apiErrors(t *testing.T, c *apiClient, path string, body map[string]any) map[string][]string {
	t.Helper()
	status, raw := c.call("POST", path, body)
	if status != http.StatusBadRequest {
		t.Fatalf("API POST %s: %d %s, want 400", path, status, raw)
	}
	var msgs map[string][]string
	if err := json.Unmarshal(raw, &msgs); err != nil {
		t.Fatalf("API errors %s: %v", raw, err)
	}
	return msgs
}

func TestFormsValidateAsTheAPI(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		b, _ := e.staff("boss")
		alice := e.user("alice")
		c := e.api(alice)
		project := c.create("/api/projects/", map[string]any{"name": "P"})
		workflow := c.create("/api/workflows/", map[string]any{"project": project, "name": "W"})
		missing := "999999"
		cases := []struct {
			name, form, api string
			fields          []string
			values          map[string]string
		}{
			{"project blank", "/admin/projects/new/", "/api/projects/", []string{"name", "description"},
				map[string]string{"name": "  ", "description": ""}},
			{"project too long", "/admin/projects/new/", "/api/projects/", []string{"name", "description"},
				map[string]string{"name": strings.Repeat("n", 201), "description": "a\x00b"}},
			{"workflow", "/admin/workflows/new/", "/api/workflows/", []string{"project", "name", "status"},
				map[string]string{"project": missing, "name": "", "status": "nope"}},
			{"workflow reference", "/admin/workflows/new/", "/api/workflows/", []string{"project", "name", "status"},
				map[string]string{"project": "x1", "name": "ok", "status": "active"}},
			{"task", "/admin/tasks/new/", "/api/tasks/", []string{"workflow", "title", "description", "status", "priority", "due_date"},
				map[string]string{"workflow": missing, "title": strings.Repeat("t", 256), "description": "",
					"status": "finished", "priority": "whenever", "due_date": "2026-02-30"}},
			{"task title", "/admin/tasks/new/", "/api/tasks/", []string{"workflow", "title", "description", "status", "priority", "due_date"},
				map[string]string{"workflow": id(workflow), "title": " \t ", "description": strings.Repeat("d", 10001),
					"status": "todo", "priority": "low", "due_date": "tomorrow"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				form := url.Values{"owner": {id(alice.ID)}}
				body := map[string]any{}
				for k, v := range tc.values {
					form.Set(k, v)
					body[k] = v
				}
				want := apiErrors(t, c, tc.api, body)
				res := b.post(tc.form, form)
				res.expect(t, http.StatusUnprocessableEntity, "")
				for _, f := range tc.fields {
					if got := res.fieldErrors(f); !reflect.DeepEqual(got, want[f]) {
						t.Errorf("%s: panel says %q, API says %q", f, got, want[f])
					}
				}
				if len(want) == 0 {
					t.Fatal("the API found nothing wrong")
				}
			})
		}
		// What was typed is shown again with the messages.
		res := b.post("/admin/tasks/new/", url.Values{"workflow": {id(workflow)}, "title": {""}, "description": {"keep <me>"},
			"status": {"blocked"}, "priority": {"high"}, "due_date": {"2027-01-02"}})
		res.expect(t, http.StatusUnprocessableEntity, "")
		if !strings.Contains(res.Body, ">keep &lt;me&gt;</textarea>") || res.value("due_date") != "2027-01-02" ||
			!strings.Contains(res.Body, `<option value="blocked" selected>`) {
			t.Fatalf("the form lost what was typed:\n%s", res.Body)
		}
		if n := len(e.logEntries()); n != 0 {
			t.Fatalf("%d log entries after refused forms, want 0", n)
		}
	})
}

func TestUserFormsValidate(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		b, _ := e.staff("boss")
		e.user("alice")
		anon := &apiClient{e: e}
		cases := []struct {
			name      string
			form      url.Values
			password2 []string // the panel's own check
		}{
			{"invalid", url.Values{"username": {"bad name!"}, "email": {"not-an-email"}, "password": {"short"}}, nil},
			{"taken", url.Values{"username": {"ALICE"}, "email": {"a@example.com"}, "password": {"12345678901"}}, nil},
			{"similar", url.Values{"username": {"carol"}, "email": {"carol@example.com"}, "password": {"carol@example.com"}}, nil},
			{"mismatch", url.Values{"username": {"dave"}, "email": {"dave@example.com"}, "password": {"Correct-Horse-9"},
				"password2": {"Correct-Horse-8"}}, []string{"The two password fields didn’t match."}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if tc.form.Get("password2") == "" {
					tc.form.Set("password2", tc.form.Get("password"))
				}
				res := b.post("/admin/users/new/", tc.form)
				res.expect(t, http.StatusUnprocessableEntity, "")
				var want map[string][]string
				if tc.password2 == nil {
					want = apiErrors(t, anon, "/api/auth/register/", map[string]any{"username": tc.form.Get("username"),
						"email": tc.form.Get("email"), "password": tc.form.Get("password")})
				}
				for _, f := range []string{"username", "email", "password"} {
					if got := res.fieldErrors(f); !reflect.DeepEqual(got, want[f]) {
						t.Errorf("%s: panel says %q, API says %q", f, got, want[f])
					}
				}
				if got := res.fieldErrors("password2"); !reflect.DeepEqual(got, tc.password2) {
					t.Errorf("password2: %q, want %q", got, tc.password2)
				}
				if !strings.Contains(res.Body, `type="password" value=""`) || strings.Contains(res.Body, `type="password" value="`+tc.form.Get("password")) {
					t.Error("the password was sent back in the page")
				}
			})
		}
	})
}

func TestCreateAndChange(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		b, _ := e.staff("boss")
		alice := e.user("alice")
		c := e.api(alice)

		res := b.post("/admin/projects/new/", url.Values{"owner": {id(alice.ID)}, "name": {"  Launch  "}, "description": {"v1"}})
		res.expect(t, http.StatusSeeOther, "")
		loc := res.Header.Get("Location")
		project := strings.TrimSuffix(strings.TrimPrefix(loc, "/admin/projects/"), "/")
		if got := b.get(loc).flash(); got != "The project “Launch” was added." {
			t.Fatalf("flash %q", got)
		}
		// The flash is shown once.
		if got := b.get(loc).flash(); got != "" {
			t.Fatalf("flash shown twice: %q", got)
		}
		status, obj := c.object("/api/projects/" + project + "/")
		if status != http.StatusOK || obj["name"] != "Launch" || obj["description"] != "v1" {
			t.Fatalf("the owner's API sees %d %v", status, obj)
		}

		res = b.post("/admin/workflows/new/", url.Values{"project": {project}, "name": {"Build"}, "status": {"active"}})
		res.expect(t, http.StatusSeeOther, "")
		workflow := strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/admin/workflows/"), "/")
		res = b.post("/admin/tasks/new/", url.Values{"workflow": {workflow}, "title": {"Docs"}, "description": {""},
			"status": {"todo"}, "priority": {"high"}, "due_date": {"2027-3-4"}})
		res.expect(t, http.StatusSeeOther, "")
		task := strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/admin/tasks/"), "/")
		if got := b.get(res.Header.Get("Location")).flash(); got != "The task “Docs” was added." {
			t.Fatalf("flash %q", got)
		}
		status, obj = c.object("/api/tasks/" + task + "/")
		if status != http.StatusOK || obj["due_date"] != "2027-03-04" || obj["priority"] != "high" || obj["completed_at"] != nil {
			t.Fatalf("task %d %v", status, obj)
		}
		// Done through the panel sets completed_at as the API does.
		b.post("/admin/tasks/"+task+"/", url.Values{"workflow": {workflow}, "title": {"Docs"}, "description": {"now"},
			"status": {"done"}, "priority": {"high"}, "due_date": {""}}).expect(t, http.StatusSeeOther, "/admin/tasks/"+task+"/")
		status, obj = c.object("/api/tasks/" + task + "/")
		if status != http.StatusOK || obj["status"] != "done" || obj["completed_at"] == nil || obj["due_date"] != nil {
			t.Fatalf("task after change %d %v", status, obj)
		}
		// The edit form shows the stored values.
		form := b.get("/admin/tasks/" + task + "/")
		if form.value("title") != "Docs" || !strings.Contains(form.Body, `<option value="done" selected>`) {
			t.Fatalf("edit form:\n%s", form.Body)
		}
		// A link from a workflow preselects it in a new task's form.
		if !strings.Contains(b.get("/admin/tasks/new/?workflow="+workflow).Body, `<option value="`+workflow+`" selected>`) {
			t.Fatal("the workflow of the link is not selected")
		}
	})
}

func TestListSearchFilterOrder(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		b, _ := e.staff("boss")
		alice, bob := e.user("alice"), e.user("bob")
		ca, cb := e.api(alice), e.api(bob)
		pa := ca.create("/api/projects/", map[string]any{"name": "Alpha"})
		wa := ca.create("/api/workflows/", map[string]any{"project": pa, "name": "WA"})
		pb := cb.create("/api/projects/", map[string]any{"name": "Beta"})
		wb := cb.create("/api/workflows/", map[string]any{"project": pb, "name": "WB"})
		ca.create("/api/tasks/", map[string]any{"workflow": wa, "title": "Write docs", "priority": "low"})
		ca.create("/api/tasks/", map[string]any{"workflow": wa, "title": "Ship it", "priority": "urgent", "status": "done"})
		cb.create("/api/tasks/", map[string]any{"workflow": wb, "title": "Review DOCS", "priority": "high", "due_date": "2000-01-01"})

		titles := func(path string) []string {
			t.Helper()
			res := b.get(path)
			res.expect(t, http.StatusOK, "")
			var out []string
			for _, row := range strings.Split(res.Body, "<tr><td>")[1:] {
				cell, _, _ := strings.Cut(row, "</td>")
				_, text, _ := strings.Cut(cell, ">")
				text, _, _ = strings.Cut(text, "<")
				out = append(out, text)
			}
			return out
		}
		for _, tc := range []struct {
			path string
			want []string
		}{
			{"/admin/tasks/", []string{"Review DOCS", "Ship it", "Write docs"}},
			{"/admin/tasks/?q=docs", []string{"Review DOCS", "Write docs"}},
			{"/admin/tasks/?q=docs&owner=" + id(alice.ID), []string{"Write docs"}},
			{"/admin/tasks/?status=done", []string{"Ship it"}},
			{"/admin/tasks/?workflow=" + id(wb), []string{"Review DOCS"}},
			{"/admin/tasks/?project=" + id(pa) + "&o=title", []string{"Ship it", "Write docs"}},
			{"/admin/tasks/?o=-priority", []string{"Ship it", "Review DOCS", "Write docs"}},
			{"/admin/tasks/?o=priority", []string{"Write docs", "Review DOCS", "Ship it"}},
			{"/admin/tasks/?overdue=1", []string{"Review DOCS"}},
			{"/admin/tasks/?priority=urgent&q=ship", []string{"Ship it"}},
			// Ties are broken by id, in the same direction.
			{"/admin/tasks/?o=owner", []string{"Write docs", "Ship it", "Review DOCS"}},
			{"/admin/tasks/?o=-owner", []string{"Review DOCS", "Ship it", "Write docs"}},
			// Unknown values are ignored, not errors.
			{"/admin/tasks/?status=nope&o=password_hash&p=x", []string{"Review DOCS", "Ship it", "Write docs"}},
			{"/admin/projects/?q=bob", []string{"Beta"}},
			{"/admin/workflows/?owner=" + id(alice.ID), []string{"WA"}},
			{"/admin/users/?q=ALI", []string{"alice"}},
			{"/admin/users/?staff=1", []string{"boss"}},
			{"/admin/users/?staff=0&o=username", []string{"alice", "bob"}},
		} {
			if got := titles(tc.path); !slices.Equal(got, tc.want) {
				t.Errorf("%s: %q, want %q", tc.path, got, tc.want)
			}
		}
		// The count and pages; sort links keep the filters.
		res := b.get("/admin/tasks/?q=docs&o=title")
		if !strings.Contains(res.Body, `<p class="count">2 results</p>`) || !strings.Contains(res.Body, "Page 1 of 1") {
			t.Fatalf("count:\n%s", res.Body)
		}
		if !strings.Contains(res.Body, `href="/admin/tasks/?o=-title&amp;q=docs">Title ▲</a>`) {
			t.Fatalf("sort link:\n%s", res.Body)
		}
	})
}

func TestPagination(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		b, _ := e.staff("boss")
		c := e.api(e.user("alice"))
		p := c.create("/api/projects/", map[string]any{"name": "P"})
		w := c.create("/api/workflows/", map[string]any{"project": p, "name": "W"})
		for i := 0; i < 51; i++ {
			c.create("/api/tasks/", map[string]any{"workflow": w, "title": "T"})
		}
		first := b.get("/admin/tasks/")
		if !strings.Contains(first.Body, "51 results") || !strings.Contains(first.Body, "Page 1 of 2") ||
			strings.Count(first.Body, "<tr><td>") != 50 || !strings.Contains(first.Body, `href="/admin/tasks/?p=2">Next →</a>`) {
			t.Fatalf("first page:\n%s", first.Body)
		}
		second := b.get("/admin/tasks/?p=2")
		if strings.Count(second.Body, "<tr><td>") != 1 || !strings.Contains(second.Body, `href="/admin/tasks/?p=1">← Previous</a>`) {
			t.Fatalf("second page:\n%s", second.Body)
		}
		// Past the end shows the last page; a page that is no number, the first.
		for p, want := range map[string]string{"3": "Page 2 of 2", "99999999999999999999999": "Page 1 of 2", "-5": "Page 1 of 2",
			"x": "Page 1 of 2", "9223372036854775807": "Page 2 of 2"} {
			res := b.get("/admin/tasks/?p=" + p)
			res.expect(t, http.StatusOK, "")
			if !strings.Contains(res.Body, want) {
				t.Fatalf("p=%s: not %q", p, want)
			}
		}
		if res := b.get("/admin/log/?p=9223372036854775807"); res.Status != http.StatusOK || !strings.Contains(res.Body, "Page 1 of 1") {
			t.Fatalf("an empty list far past its end: %d", res.Status)
		}
	})
}

func TestTextareaLineBreaks(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		b, _ := e.staff("boss")
		alice := e.user("alice")
		c := e.api(alice)
		form := url.Values{"owner": {id(alice.ID)}, "name": {"P"}, "description": {"line 1\r\nline 2"}}
		res := b.post("/admin/projects/new/", form)
		res.expect(t, http.StatusSeeOther, "")
		project := strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/admin/projects/"), "/")
		if _, obj := c.object("/api/projects/" + project + "/"); obj["description"] != "line 1\nline 2" {
			t.Fatalf("description %q", obj["description"])
		}
		// Saving the form unchanged, as a browser sends it, changes nothing.
		b.post("/admin/projects/"+project+"/", form).expect(t, http.StatusSeeOther, "")
		if got := e.logEntries()[0]; got.Action != "change" || len(got.Changes) != 0 {
			t.Fatalf("an unchanged save logged %+v", got.Changes)
		}
	})
}
