package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/flowtrack/flowtrack"
	"github.com/flowtrack/flowtrack/postgres"
	"github.com/flowtrack/flowtrack/sqlite"
	"github.com/flowtrack/flowtrack/sqlstore"
)

// openTwice opens two stores on one new database, as two FlowTrack
// processes would.
func openTwice(t *testing.T, engine string) (a, b *sqlstore.DB) {
	t.Helper()
	ctx := context.Background()
	open := func(name string) func() (*sqlstore.DB, error) {
		switch engine {
		case "sqlite":
			return func() (*sqlstore.DB, error) { return sqlite.Open(ctx, name, sqlite.Options{}) }
		default:
			return func() (*sqlstore.DB, error) {
				db, m, err := postgres.Open(ctx, name, 0)
				if err == nil {
					_, err = m.Up(ctx)
				}
				return db, err
			}
		}
	}
	name := filepath.Join(t.TempDir(), "flowtrack.db")
	if engine == "postgres" {
		name = CreatePostgresDatabase(t)
	}
	var dbs [2]*sqlstore.DB
	for i := range dbs {
		db, err := open(name)()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs[0], dbs[1]
}

// TestRememberedCountsStayExact checks the counts a store remembers for
// searches: a repeated search reuses its count (one statement fewer), and
// every kind of write to the owner's tasks, made through another store
// as by another process, is seen at once.
func TestRememberedCountsStayExact(t *testing.T) {
	EachEngine(t, func(t *testing.T, engine string) {
		ctx := t.Context()
		a, b := openTwice(t, engine)
		alice, bob := newUser(t, a, "alice"), newUser(t, a, "bob")
		staff := alice
		inA, inB := a.ForUser(alice.ID), b.ForUser(alice.ID)
		p, q := mustProject(t, inA, "P"), mustProject(t, inA, "Q")
		w1, w2 := mustWorkflow(t, inA, p.ID, "W1"), mustWorkflow(t, inA, q.ID, "W2")
		var tasks []*flowtrack.Task
		for _, title := range []string{"Alpha 1", "Alpha 2", "Alpha 3", "Beta 1", "Beta 2"} {
			tasks = append(tasks, mustTask(t, inA, w1.ID, title))
		}
		for _, title := range []string{"Alpha 4", "Alpha 5"} {
			tasks = append(tasks, mustTask(t, inA, w2.ID, title))
		}
		todoAlpha := flowtrack.ListQuery{Search: []string{"alpha"}, Limit: 2,
			Filter: flowtrack.Filter{Status: flowtrack.Set{Active: true, Values: []string{"todo"}}}}
		truth := func(owner int64) int {
			var n int
			ok(t, a.SQL().QueryRowContext(ctx, `SELECT count(*) FROM tasks
				WHERE owner_id = $1 AND status = 'todo' AND title_fold LIKE '%alpha%'`, owner).Scan(&n), "true count")
			return n
		}
		// check lists through both stores, twice each: the second time
		// from the remembered count, with one statement fewer.
		check := func(step string, owner int64) {
			t.Helper()
			want := truth(owner)
			for _, db := range []*sqlstore.DB{a, b} {
				sc := db.ForUser(owner)
				// A cursor's page, which has no count, has the store
				// learn the user's number of tasks (see sqlstore's
				// planHints), which the first page would read too.
				_, _, err := sc.TaskList(ctx, flowtrack.ListQuery{Filter: todoAlpha.Filter, Limit: 1, Cursor: &flowtrack.Cursor{}})
				ok(t, err, step+": cursor page")
				var ran [2]int64
				for i := range ran {
					before := db.Statements()
					_, n, err := sc.TaskList(ctx, todoAlpha)
					ok(t, err, step+": TaskList")
					ran[i] = db.Statements() - before
					same(t, step+": count", n, want)
				}
				same(t, step+": statements of a repeated search", ran[1], ran[0]-1)
				last := todoAlpha
				last.Last = true
				_, n, err := sc.TaskList(ctx, last)
				ok(t, err, step+": TaskList, last page")
				same(t, step+": count of the last page", n, want)
			}
		}
		check("at first", alice.ID)

		mustTask(t, inA, w1.ID, "Alpha 6")
		check("after a create", alice.ID)
		_, err := inB.TaskUpdate(ctx, tasks[0].ID, flowtrack.TaskInput{Status: flowtrack.Some("done")}, nil)
		ok(t, err, "TaskUpdate status")
		check("after a status change in the other store", alice.ID)
		_, err = inB.TaskUpdate(ctx, tasks[1].ID, flowtrack.TaskInput{Title: flowtrack.Some("Gamma")}, nil)
		ok(t, err, "TaskUpdate title")
		check("after a title change in the other store", alice.ID)
		_, err = inA.TaskUpdate(ctx, tasks[3].ID, flowtrack.TaskInput{Title: flowtrack.Some("Alpha again")}, nil)
		ok(t, err, "TaskUpdate title")
		check("after a title change into the search", alice.ID)
		ok(t, inB.TaskDelete(ctx, tasks[2].ID, nil), "TaskDelete")
		check("after a delete in the other store", alice.ID)
		_, err = b.AdminTaskSave(ctx, staff, tasks[4].ID, flowtrack.TaskInput{Title: flowtrack.Some("alpha by staff")})
		ok(t, err, "AdminTaskSave")
		check("after a change in the admin panel", alice.ID)
		check("bob, before", bob.ID)
		_, err = b.AdminProjectSave(ctx, staff, q.ID, bob.ID, flowtrack.ProjectInput{Name: flowtrack.Some("Q")})
		ok(t, err, "AdminProjectSave to bob")
		check("alice, after her project went to bob", alice.ID)
		check("bob, after alice's project came to him", bob.ID)
		mustWorkflow(t, inA, p.ID, "W3")
		ok(t, inB.WorkflowDelete(ctx, w1.ID, nil), "WorkflowDelete")
		check("after a workflow's deletion took its tasks", alice.ID)
		w3 := mustWorkflow(t, inA, p.ID, "W4")
		mustTask(t, inA, w3.ID, "Alpha 7")
		check("before the project's deletion", alice.ID)
		ok(t, inB.ProjectDelete(ctx, p.ID, nil), "ProjectDelete")
		check("after a project's deletion took its tasks", alice.ID)
	})
}
