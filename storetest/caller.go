package storetest

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/flowtrack/flowtrack"
	"github.com/flowtrack/flowtrack/sqlstore"
)

// callerCall is one use of a Scope method, named after it.
type callerCall struct {
	method string
	call   func(ctx context.Context, s flowtrack.Scope) error
}

// callerCalls uses every method of the Scope but Verify, on the objects
// given and on missing ones, with and without checks, on every path a
// method has (one statement or a transaction, count or cursor).
func callerCalls(project, workflow, task int64) []callerCall {
	const missing = 987654321
	accept := func(any) error { return nil }
	page := flowtrack.ListQuery{Order: flowtrack.DefaultOrder, Limit: 20}
	cursor := flowtrack.ListQuery{Order: flowtrack.DefaultOrder, Limit: 20, Cursor: &flowtrack.Cursor{}}
	none := flowtrack.ListQuery{Order: flowtrack.DefaultOrder, Limit: 20, Search: []string{"no such text"}}
	noneCursor := none
	noneCursor.Cursor = &flowtrack.Cursor{}
	var calls []callerCall
	add := func(method string, call func(ctx context.Context, s flowtrack.Scope) error) {
		calls = append(calls, callerCall{method, call})
	}
	for _, lq := range []flowtrack.ListQuery{page, cursor, none, noneCursor} {
		add("ProjectList", func(ctx context.Context, s flowtrack.Scope) error { _, _, err := s.ProjectList(ctx, lq); return err })
		add("WorkflowList", func(ctx context.Context, s flowtrack.Scope) error { _, _, err := s.WorkflowList(ctx, lq); return err })
		add("TaskList", func(ctx context.Context, s flowtrack.Scope) error { _, _, err := s.TaskList(ctx, lq); return err })
	}
	for _, id := range []int64{project, missing} {
		add("ProjectGet", func(ctx context.Context, s flowtrack.Scope) error { _, err := s.ProjectGet(ctx, id); return err })
		add("ProjectStats", func(ctx context.Context, s flowtrack.Scope) error {
			_, err := s.ProjectStats(ctx, id, "2026-01-01")
			return err
		})
		add("ProjectUpdate", func(ctx context.Context, s flowtrack.Scope) error {
			_, err := s.ProjectUpdate(ctx, id, flowtrack.ProjectInput{Name: flowtrack.Some("taken")}, nil)
			return err
		})
		add("ProjectDelete", func(ctx context.Context, s flowtrack.Scope) error { return s.ProjectDelete(ctx, id, nil) })
		add("ProjectDelete", func(ctx context.Context, s flowtrack.Scope) error {
			return s.ProjectDelete(ctx, id, func(p *flowtrack.Project) error { return accept(p) })
		})
		add("WorkflowCreate", func(ctx context.Context, s flowtrack.Scope) error {
			_, err := s.WorkflowCreate(ctx, flowtrack.WorkflowInput{ProjectID: flowtrack.Some(id), Name: flowtrack.Some("new")})
			return err
		})
	}
	add("ProjectCreate", func(ctx context.Context, s flowtrack.Scope) error {
		_, err := s.ProjectCreate(ctx, flowtrack.ProjectInput{Name: flowtrack.Some("new")})
		return err
	})
	for _, id := range []int64{workflow, missing} {
		add("WorkflowGet", func(ctx context.Context, s flowtrack.Scope) error { _, err := s.WorkflowGet(ctx, id); return err })
		add("WorkflowUpdate", func(ctx context.Context, s flowtrack.Scope) error {
			_, err := s.WorkflowUpdate(ctx, id, flowtrack.WorkflowInput{Name: flowtrack.Some("taken")}, nil)
			return err
		})
		add("WorkflowDelete", func(ctx context.Context, s flowtrack.Scope) error { return s.WorkflowDelete(ctx, id, nil) })
		add("WorkflowDelete", func(ctx context.Context, s flowtrack.Scope) error {
			return s.WorkflowDelete(ctx, id, func(w *flowtrack.Workflow) error { return accept(w) })
		})
		add("TaskCreate", func(ctx context.Context, s flowtrack.Scope) error {
			_, err := s.TaskCreate(ctx, flowtrack.TaskInput{WorkflowID: flowtrack.Some(id), Title: flowtrack.Some("new")})
			return err
		})
	}
	for _, id := range []int64{task, missing} {
		add("TaskGet", func(ctx context.Context, s flowtrack.Scope) error { _, err := s.TaskGet(ctx, id); return err })
		// Without a check PATCH is one statement; with one, a transaction.
		add("TaskUpdate", func(ctx context.Context, s flowtrack.Scope) error {
			_, err := s.TaskUpdate(ctx, id, flowtrack.TaskInput{Title: flowtrack.Some("taken")}, nil)
			return err
		})
		add("TaskUpdate", func(ctx context.Context, s flowtrack.Scope) error {
			_, err := s.TaskUpdate(ctx, id, flowtrack.TaskInput{Title: flowtrack.Some("taken")},
				func(t *flowtrack.Task) error { return accept(t) })
			return err
		})
		add("TaskUpdate", func(ctx context.Context, s flowtrack.Scope) error {
			_, err := s.TaskUpdate(ctx, id, flowtrack.TaskInput{WorkflowID: flowtrack.Some(workflow)}, nil)
			return err
		})
		add("TaskDelete", func(ctx context.Context, s flowtrack.Scope) error { return s.TaskDelete(ctx, id, nil) })
		add("TaskDelete", func(ctx context.Context, s flowtrack.Scope) error {
			return s.TaskDelete(ctx, id, func(t *flowtrack.Task) error { return accept(t) })
		})
	}
	add("IdempotencyBegin", func(ctx context.Context, s flowtrack.Scope) error {
		_, err := s.IdempotencyBegin(ctx, "refused-key", "hash", time.Now())
		return err
	})
	add("IdempotencyFinish", func(ctx context.Context, s flowtrack.Scope) error {
		return s.IdempotencyFinish(ctx, "refused-key", flowtrack.StoredResponse{Status: 201, Body: []byte("{}")})
	})
	add("IdempotencyRelease", func(ctx context.Context, s flowtrack.Scope) error {
		return s.IdempotencyRelease(ctx, "refused-key")
	})
	return calls
}

// testCallerRefused checks that every method of a caller's scope refuses
// a deactivated, deleted or never-existing account, whatever it is
// asked, and changes nothing.
func testCallerRefused(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	alice := newUser(t, db, "alice")
	own := db.ForUser(alice.ID)
	p := mustProject(t, own, "P")
	w := mustWorkflow(t, own, p.ID, "W")
	task := mustTask(t, own, w.ID, "T")
	carol := newUser(t, db, "carol")
	ok(t, db.UserDelete(ctx, carol.ID), "UserDelete carol")
	alice.IsActive = false
	ok(t, db.UserUpdate(ctx, alice), "deactivate alice")

	calls := callerCalls(p.ID, w.ID, task.ID)
	covered := map[string]bool{"Verify": true}
	for _, c := range calls {
		covered[c.method] = true
	}
	scopeType := reflect.TypeFor[flowtrack.Scope]()
	for i := range scopeType.NumMethod() {
		if m := scopeType.Method(i).Name; !covered[m] {
			t.Errorf("Scope.%s is not tried on a refused account", m)
		}
	}

	for _, who := range []struct {
		name string
		id   int64
		want error
	}{{"inactive", alice.ID, flowtrack.ErrUserInactive}, {"deleted", carol.ID, flowtrack.ErrUserNotFound},
		{"never existed", 987654, flowtrack.ErrUserNotFound}} {
		for _, c := range calls {
			err := c.call(ctx, db.ForCaller(who.id))
			wantIs(t, who.name+" "+c.method, err, who.want)
		}
		wantIs(t, who.name+" Verify", db.ForCaller(who.id).Verify(ctx), who.want)
	}

	// Nothing changed, and the refused key was never reserved.
	gotP, err := own.ProjectGet(ctx, p.ID)
	ok(t, err, "ProjectGet")
	same(t, "project name", gotP.Name, "P")
	gotW, err := own.WorkflowGet(ctx, w.ID)
	ok(t, err, "WorkflowGet")
	same(t, "workflow name", gotW.Name, "W")
	gotT, err := own.TaskGet(ctx, task.ID)
	ok(t, err, "TaskGet")
	same(t, "task", gotT, task)
	projects, n, err := own.ProjectList(ctx, flowtrack.ListQuery{Order: flowtrack.DefaultOrder, Limit: 20})
	ok(t, err, "ProjectList")
	same(t, "projects", len(projects), 1)
	same(t, "project count", n, 1)
	stored, err := own.IdempotencyBegin(ctx, "refused-key", "other-hash", time.Now())
	ok(t, err, "IdempotencyBegin after refusals")
	same(t, "stored response", stored, (*flowtrack.StoredResponse)(nil))

	// Once active again, the same calls on existing objects work.
	alice.IsActive = true
	ok(t, db.UserUpdate(ctx, alice), "reactivate alice")
	for _, c := range calls[:3] {
		ok(t, c.call(ctx, db.ForCaller(alice.ID)), "active "+c.method)
	}
}

// testCallerProvenOnce checks that a caller's statement that finds its
// rows needs no second statement for the account, and that an empty
// answer asks for it once.
func testCallerProvenOnce(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	alice := newUser(t, db, "alice")
	own := db.ForUser(alice.ID)
	p := mustProject(t, own, "P")
	w := mustWorkflow(t, own, p.ID, "W")
	task := mustTask(t, own, w.ID, "T")
	statements := func(f func(s flowtrack.Scope) error) int64 {
		before := db.Statements()
		ok(t, f(db.ForCaller(alice.ID)), "call")
		return db.Statements() - before
	}
	cases := []struct {
		name string
		want int64
		f    func(s flowtrack.Scope) error
	}{
		{"TaskGet", 1, func(s flowtrack.Scope) error { _, err := s.TaskGet(ctx, task.ID); return err }},
		{"TaskGet then Verify", 1, func(s flowtrack.Scope) error {
			if _, err := s.TaskGet(ctx, task.ID); err != nil {
				return err
			}
			return s.Verify(ctx)
		}},
		{"Verify twice", 1, func(s flowtrack.Scope) error {
			if err := s.Verify(ctx); err != nil {
				return err
			}
			return s.Verify(ctx)
		}},
		{"TaskCreate", 1, func(s flowtrack.Scope) error {
			_, err := s.TaskCreate(ctx, flowtrack.TaskInput{WorkflowID: flowtrack.Some(w.ID), Title: flowtrack.Some("x")})
			return err
		}},
		{"TaskUpdate", 1, func(s flowtrack.Scope) error {
			_, err := s.TaskUpdate(ctx, task.ID, flowtrack.TaskInput{Title: flowtrack.Some("y")}, nil)
			return err
		}},
		// A search's first list runs the version of the tasks, the page
		// and the count; the next one, with the count remembered, two.
		{"empty TaskList", 3, func(s flowtrack.Scope) error {
			_, _, err := s.TaskList(ctx, flowtrack.ListQuery{Order: flowtrack.DefaultOrder, Limit: 20, Search: []string{"none"}})
			return err
		}},
		{"empty TaskList again", 2, func(s flowtrack.Scope) error {
			_, _, err := s.TaskList(ctx, flowtrack.ListQuery{Order: flowtrack.DefaultOrder, Limit: 20, Search: []string{"none"}})
			return err
		}},
		{"empty cursor TaskList", 2, func(s flowtrack.Scope) error {
			_, _, err := s.TaskList(ctx, flowtrack.ListQuery{Order: flowtrack.DefaultOrder, Limit: 20,
				Search: []string{"none"}, Cursor: &flowtrack.Cursor{}})
			return err
		}},
		{"cursor TaskList", 1, func(s flowtrack.Scope) error {
			_, _, err := s.TaskList(ctx, flowtrack.ListQuery{Order: flowtrack.DefaultOrder, Limit: 20, Cursor: &flowtrack.Cursor{}})
			return err
		}},
	}
	for _, c := range cases {
		if got := statements(c.f); got != c.want {
			t.Errorf("%s: %d statements, want %d", c.name, got, c.want)
		}
	}
	// A missing object costs the account's statement too, and stays 404.
	before := db.Statements()
	_, err := db.ForCaller(alice.ID).TaskGet(ctx, task.ID+1000)
	wantNotFound(t, "missing task", err, "Task")
	same(t, "statements for a missing task", db.Statements()-before, int64(2))
}

// testCallerMissingInTransactions sends many more concurrent requests for
// missing objects than the pools have connections, on the paths that run
// in a transaction: each must come back not-found, none may wait for a
// connection that its own transaction holds (the account of a caller
// whose object is missing is read on the transaction's connection).
func testCallerMissingInTransactions(t *testing.T, db *sqlstore.DB) {
	alice := newUser(t, db, "alice")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	calls := []func(s flowtrack.Scope) error{
		func(s flowtrack.Scope) error { return s.TaskDelete(ctx, missingID, nil) },
		func(s flowtrack.Scope) error { _, err := s.ProjectStats(ctx, missingID, "2026-01-01"); return err },
		func(s flowtrack.Scope) error {
			_, err := s.TaskUpdate(ctx, missingID, flowtrack.TaskInput{Title: flowtrack.Some("x")}, func(*flowtrack.Task) error { return nil })
			return err
		},
		func(s flowtrack.Scope) error { return s.WorkflowDelete(ctx, missingID, nil) },
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64*len(calls))
	for range 64 {
		for _, call := range calls {
			wg.Go(func() { errs <- call(db.ForCaller(alice.ID)) })
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, flowtrack.ErrNotFound) {
			t.Fatalf("a missing object: %v, want not found", err)
		}
	}
}
