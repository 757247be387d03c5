package storetest

import (
	"database/sql"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/flowtrack/flowtrack/sqlstore"
)

// TestConformance runs the conformance suite on every engine under test.
func TestConformance(t *testing.T) {
	EachEngine(t, func(t *testing.T, engine string) {
		Run(t, func(t *testing.T) *sqlstore.DB { return Open(t, engine) })
	})
}

// TestFoldSkipsHeldChanges checks that PostgreSQL's background fold of
// task count changes takes only the changes no transaction holds: a
// writer left open on one workflow must not stop another workflow's
// changes from being folded (the fold of migration task_counts waited).
func TestFoldSkipsHeldChanges(t *testing.T) {
	if !slices.Contains(Engines(), "postgres") {
		return // the fold is PostgreSQL's; SQLite writes the counts directly
	}
	ctx := t.Context()
	db := Open(t, "postgres")
	aliceID, alice := newScope(t, db, "alice")
	p := mustProject(t, alice, "P")
	held, free := mustWorkflow(t, alice, p.ID, "held"), mustWorkflow(t, alice, p.ID, "free")

	// A writer holds a change row of one workflow, as an upsert into an
	// existing row does until its transaction ends: a committed row,
	// then locked (again if the fold took it in between).
	var tx *sql.Tx
	for tx == nil {
		_, err := db.SQL().ExecContext(ctx, `INSERT INTO task_count_deltas (workflow_id, slot, n) VALUES ($1, 99, 0)
			ON CONFLICT DO NOTHING`, held.ID)
		ok(t, err, "insert a change row")
		tx, err = db.SQL().BeginTx(ctx, nil)
		ok(t, err, "begin")
		res, err := tx.ExecContext(ctx, `UPDATE task_count_deltas SET n = n WHERE workflow_id = $1 AND slot = 99`, held.ID)
		ok(t, err, "lock the change row")
		if n, _ := res.RowsAffected(); n != 1 {
			tx.Rollback()
			tx = nil
		}
	}
	defer tx.Rollback()
	_, err := tx.ExecContext(ctx, `INSERT INTO tasks (owner_id, project_id, workflow_id, title, created_at, updated_at)
		VALUES ($1, $2, $3, 'held open', 0, 0)`, aliceID, p.ID, held.ID)
	ok(t, err, "insert in the open transaction")

	for i := range 3 {
		mustTask(t, alice, free.ID, fmt.Sprint("T", i))
	}
	unfolded := func(workflowID int64) (n int) {
		ok(t, db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM task_count_deltas WHERE workflow_id = $1`, workflowID).Scan(&n), "count deltas")
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for unfolded(free.ID) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the changes of a workflow no one holds were not folded in 10 s while another workflow's were held")
		}
		time.Sleep(50 * time.Millisecond)
	}
	var kept int64
	ok(t, db.SQL().QueryRowContext(ctx, `SELECT task_count FROM workflows WHERE id = $1`, free.ID).Scan(&kept), "task_count")
	same(t, "folded task_count", kept, int64(3))

	ok(t, tx.Commit(), "commit")
	got, err := alice.WorkflowGet(ctx, held.ID)
	ok(t, err, "WorkflowGet")
	same(t, "task count after commit", got.TaskCount, int64(1))
	keptCountsAgree(t, db)
}
