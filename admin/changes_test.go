package admin_test

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/flowtrack/flowtrack"
)

// fixture is two users' trees, made through the API.
type fixture struct {
	alice, bob  *flowtrack.User
	ca, cb      *apiClient
	pa, wa, wa2 int64 // alice's project, its two workflows
	t1, t2, t3  int64 // t1, t2 in wa; t3 in wa2
	pb, wb      int64 // bob's project and workflow
}

func newFixture(e *env) *fixture {
	f := &fixture{alice: e.user("alice"), bob: e.user("bob")}
	f.ca, f.cb = e.api(f.alice), e.api(f.bob)
	f.pa = f.ca.create("/api/projects/", map[string]any{"name": "Alpha"})
	f.wa = f.ca.create("/api/workflows/", map[string]any{"project": f.pa, "name": "Design"})
	f.wa2 = f.ca.create("/api/workflows/", map[string]any{"project": f.pa, "name": "Build"})
	f.t1 = f.ca.create("/api/tasks/", map[string]any{"workflow": f.wa, "title": "Sketch"})
	f.t2 = f.ca.create("/api/tasks/", map[string]any{"workflow": f.wa, "title": "Review", "status": "blocked"})
	f.t3 = f.ca.create("/api/tasks/", map[string]any{"workflow": f.wa2, "title": "Code"})
	f.pb = f.cb.create("/api/projects/", map[string]any{"name": "Beta"})
	f.wb = f.cb.create("/api/workflows/", map[string]any{"project": f.pb, "name": "Ops"})
	return f
}

// owns checks what each user's API sees of an object: 200 for the owner
// with the wanted fields, 404 for the other.
func owns(t *testing.T, owner, other *apiClient, path string, fields map[string]any) {
	t.Helper()
	status, obj := owner.object(path)
	if status != http.StatusOK {
		t.Fatalf("owner GET %s: %d", path, status)
	}
	for k, v := range fields {
		if obj[k] != v {
			t.Errorf("%s: %s is %v, want %v", path, k, obj[k], v)
		}
	}
	if status, _ := other.object(path); status != http.StatusNotFound {
		t.Errorf("the other user's GET %s: %d, want 404", path, status)
	}
}

func TestReassignWorkflowTakesItsTasks(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		b, _ := e.staff("boss")
		f := newFixture(e)
		b.post("/admin/workflows/"+id(f.wa)+"/", url.Values{"project": {id(f.pb)}, "name": {"Design"}, "status": {"active"}}).
			expect(t, http.StatusSeeOther, "/admin/workflows/"+id(f.wa)+"/")

		owns(t, f.cb, f.ca, "/api/workflows/"+id(f.wa)+"/", map[string]any{"project": float64(f.pb), "task_count": float64(2)})
		for _, task := range []int64{f.t1, f.t2} {
			owns(t, f.cb, f.ca, "/api/tasks/"+id(task)+"/", map[string]any{"workflow": float64(f.wa), "project": float64(f.pb)})
		}
		owns(t, f.ca, f.cb, "/api/tasks/"+id(f.t3)+"/", map[string]any{"workflow": float64(f.wa2)})
		owns(t, f.ca, f.cb, "/api/projects/"+id(f.pa)+"/", map[string]any{"workflow_count": float64(1), "task_count": float64(1)})
		owns(t, f.cb, f.ca, "/api/projects/"+id(f.pb)+"/", map[string]any{"workflow_count": float64(2), "task_count": float64(2)})
		// Bob's filtered list holds them; alice's does not.
		if _, body := f.cb.call("GET", "/api/tasks/?workflow="+id(f.wa), nil); !strings.Contains(string(body), `"count":2`) {
			t.Fatalf("bob's list: %s", body)
		}

		log := e.logEntries()[0]
		want := []flowtrack.FieldChange{{Field: "owner", From: "alice (#" + id(f.alice.ID) + ")", To: "bob (#" + id(f.bob.ID) + ")"},
			{Field: "project", From: "Alpha (#" + id(f.pa) + ")", To: "Beta (#" + id(f.pb) + ")"},
			{Field: "tasks", To: "2", Along: true}}
		if log.Action != "change" || log.Kind != "workflow" || log.ObjectID != f.wa || log.Object != "Design" ||
			log.Actor != "boss" || !reflect.DeepEqual(log.Changes, want) {
			t.Fatalf("log entry %+v", log)
		}
	})
}

func TestReassignTaskAndProject(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		b, _ := e.staff("boss")
		f := newFixture(e)
		// A task moved to bob's workflow becomes bob's, its fields kept.
		b.post("/admin/tasks/"+id(f.t2)+"/", url.Values{"workflow": {id(f.wb)}, "title": {"Review"}, "description": {""},
			"status": {"blocked"}, "priority": {"medium"}, "due_date": {""}}).expect(t, http.StatusSeeOther, "/admin/tasks/"+id(f.t2)+"/")
		owns(t, f.cb, f.ca, "/api/tasks/"+id(f.t2)+"/", map[string]any{"workflow": float64(f.wb), "project": float64(f.pb), "status": "blocked"})
		owns(t, f.ca, f.cb, "/api/workflows/"+id(f.wa)+"/", map[string]any{"task_count": float64(1)})

		// A project moved to bob takes its workflows and their tasks.
		b.post("/admin/projects/"+id(f.pa)+"/", url.Values{"owner": {id(f.bob.ID)}, "name": {"Alpha"}, "description": {""}}).
			expect(t, http.StatusSeeOther, "/admin/projects/"+id(f.pa)+"/")
		owns(t, f.cb, f.ca, "/api/projects/"+id(f.pa)+"/", map[string]any{"workflow_count": float64(2), "task_count": float64(2)})
		for _, w := range []int64{f.wa, f.wa2} {
			owns(t, f.cb, f.ca, "/api/workflows/"+id(w)+"/", map[string]any{"project": float64(f.pa)})
		}
		for _, task := range []int64{f.t1, f.t3} {
			owns(t, f.cb, f.ca, "/api/tasks/"+id(task)+"/", map[string]any{"project": float64(f.pa)})
		}
		if _, body := f.ca.call("GET", "/api/tasks/", nil); !strings.Contains(string(body), `"count":0`) {
			t.Fatalf("alice still lists tasks: %s", body)
		}
		moved := e.logEntries()[0].Changes
		if want := []flowtrack.FieldChange{{Field: "owner", From: "alice (#" + id(f.alice.ID) + ")", To: "bob (#" + id(f.bob.ID) + ")"},
			{Field: "workflows", To: "2", Along: true}, {Field: "tasks", To: "2", Along: true}}; !reflect.DeepEqual(moved, want) {
			t.Fatalf("the move logged %+v", moved)
		}

		// A move to a workflow that does not exist changes nothing.
		before := len(e.logEntries())
		res := b.post("/admin/tasks/"+id(f.t1)+"/", url.Values{"workflow": {"424242"}, "title": {"Renamed"}, "description": {""},
			"status": {"todo"}, "priority": {"medium"}, "due_date": {""}})
		res.expect(t, http.StatusUnprocessableEntity, "")
		if got := res.fieldErrors("workflow"); len(got) != 1 || got[0] != `Invalid pk "424242" - object does not exist.` {
			t.Fatalf("workflow errors %q", got)
		}
		owns(t, f.cb, f.ca, "/api/tasks/"+id(f.t1)+"/", map[string]any{"title": "Sketch", "workflow": float64(f.wa)})
		if len(e.logEntries()) != before {
			t.Fatal("a refused change was logged")
		}
	})
}

func TestActionLog(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		b, boss := e.staff("boss")
		f := newFixture(e)
		b.post("/admin/users/new/", url.Values{"username": {"carol"}, "email": {"carol@example.com"},
			"password": {"Tr1cky-Passphrase"}, "password2": {"Tr1cky-Passphrase"}, "is_active": {"on"}}).expect(t, http.StatusSeeOther, "")
		b.post("/admin/tasks/"+id(f.t1)+"/", url.Values{"workflow": {id(f.wa)}, "title": {"Sketch v2"}, "description": {""},
			"status": {"done"}, "priority": {"medium"}, "due_date": {"2027-01-31"}}).expect(t, http.StatusSeeOther, "")
		b.post("/admin/users/"+id(f.alice.ID)+"/password/", url.Values{"password": {"An0ther-Secret"}, "password2": {"An0ther-Secret"}}).
			expect(t, http.StatusSeeOther, "")
		b.post("/admin/workflows/"+id(f.wa2)+"/delete/", nil).expect(t, http.StatusSeeOther, "/admin/workflows/")

		type entry struct {
			Action, Kind, Object string
			ObjectID             int64
			Changes              []flowtrack.FieldChange
		}
		var got []entry
		for _, l := range e.logEntries() {
			if l.Actor != "boss" || l.ActorID == nil || *l.ActorID != boss.ID {
				t.Errorf("actor %q %v", l.Actor, l.ActorID)
			}
			got = append(got, entry{l.Action, l.Kind, l.Object, l.ObjectID, l.Changes})
		}
		carol, err := e.store.UserByUsername(t.Context(), "carol")
		if err != nil {
			t.Fatal(err)
		}
		want := []entry{
			{"delete", "workflow", "Build", f.wa2, []flowtrack.FieldChange{{Field: "tasks", To: "1", Along: true}}},
			{"change", "user", "alice", f.alice.ID, []flowtrack.FieldChange{{Field: "password", To: "changed"}}},
			{"change", "task", "Sketch v2", f.t1, []flowtrack.FieldChange{{Field: "title", From: "Sketch", To: "Sketch v2"},
				{Field: "status", From: "todo", To: "done"}, {Field: "due_date", From: "", To: "2027-01-31"}}},
			{"create", "user", "carol", carol.ID, []flowtrack.FieldChange{{Field: "username", To: "carol"},
				{Field: "email", To: "carol@example.com"}, {Field: "is_active", To: "true"},
				{Field: "is_staff", To: "false"}, {Field: "is_superuser", To: "false"}}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("log\n%+v\nwant\n%+v", got, want)
		}

		// The log page shows them, and filters them.
		page := b.get("/admin/log/")
		for _, s := range []string{"status: todo → done", "title: Sketch → Sketch v2", "password changed",
			"due_date: (empty) → 2027-01-31", "tasks deleted with it: 1",
			"workflow “Build” (#" + id(f.wa2) + ")", "4 results"} {
			if !strings.Contains(page.Body, s) {
				t.Errorf("the log page lacks %q", s)
			}
		}
		if strings.Contains(page.Body, "An0ther-Secret") || strings.Contains(page.Body, "$argon2id") {
			t.Error("the log page shows a password or a hash")
		}
		for path, n := range map[string]string{
			"/admin/log/?kind=user":                              "2 results",
			"/admin/log/?action=delete":                          "1 result",
			"/admin/log/?kind=task&object=" + id(f.t1):           "1 result",
			"/admin/log/?actor=" + id(boss.ID) + "&q=carol":      "1 result",
			"/admin/log/?kind=task&object=" + id(f.t1) + "&p=-1": "1 result",
		} {
			if res := b.get(path); !strings.Contains(res.Body, `<p class="count">`+n+`</p>`) {
				t.Errorf("%s: not %q", path, n)
			}
		}
		// The dashboard lists the recent ones.
		if dash := b.get("/admin/"); !strings.Contains(dash.Body, "status: todo → done") {
			t.Error("the dashboard does not show recent actions")
		}
	})
}

func TestDeleteConfirmation(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		b, _ := e.staff("boss")
		f := newFixture(e)
		confirm := b.get("/admin/projects/" + id(f.pa) + "/delete/")
		confirm.expect(t, http.StatusOK, "")
		for _, s := range []string{"<li><b>2</b> workflows</li>", "<li><b>3</b> tasks</li>",
			"<li>Workflow: Design</li>", "<li>Workflow: Build</li>", "<li>Task: Sketch</li>", "<li>Task: Code</li>"} {
			if !strings.Contains(confirm.Body, s) {
				t.Errorf("the confirmation lacks %q", s)
			}
		}
		// Looking at the confirmation deletes nothing.
		owns(t, f.ca, f.cb, "/api/projects/"+id(f.pa)+"/", nil)

		res := b.post("/admin/projects/"+id(f.pa)+"/delete/", nil)
		res.expect(t, http.StatusSeeOther, "/admin/projects/")
		if got := b.get("/admin/projects/").flash(); got != "The project “Alpha” was deleted." {
			t.Fatalf("flash %q", got)
		}
		for _, path := range []string{"/api/projects/" + id(f.pa) + "/", "/api/workflows/" + id(f.wa) + "/", "/api/tasks/" + id(f.t3) + "/"} {
			if status, _ := f.ca.object(path); status != http.StatusNotFound {
				t.Errorf("%s after delete: %d", path, status)
			}
		}
		b.get("/admin/projects/"+id(f.pa)+"/delete/").expect(t, http.StatusNotFound, "")
		b.post("/admin/projects/"+id(f.pa)+"/delete/", nil).expect(t, http.StatusNotFound, "")

		// A user's confirmation counts everything the user owns.
		user := b.get("/admin/users/" + id(f.bob.ID) + "/delete/")
		for _, s := range []string{"<li><b>1</b> project</li>", "<li><b>1</b> workflow</li>"} {
			if !strings.Contains(user.Body, s) {
				t.Errorf("the user's confirmation lacks %q", s)
			}
		}
		b.post("/admin/users/"+id(f.bob.ID)+"/delete/", nil).expect(t, http.StatusSeeOther, "/admin/users/")
		if status, _ := f.cb.object("/api/auth/me/"); status != http.StatusUnauthorized {
			t.Errorf("a deleted user's token still works: %d", status)
		}
	})
}
