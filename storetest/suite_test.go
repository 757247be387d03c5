package storetest

import (
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/flowtrack/flowtrack"
	"github.com/flowtrack/flowtrack/postgres"
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
// changes from being folded, nor may a request holding a workflow's row
// (the fold of migration task_counts waited for both).
func TestFoldSkipsHeldChanges(t *testing.T) {
	if !slices.Contains(Engines(), "postgres") {
		return // the fold is PostgreSQL's; SQLite writes the counts directly
	}
	ctx := t.Context()
	db := Open(t, "postgres")
	aliceID, alice := newScope(t, db, "alice")
	p := mustProject(t, alice, "P")
	held, free := mustWorkflow(t, alice, p.ID, "held"), mustWorkflow(t, alice, p.ID, "free")
	locked := mustWorkflow(t, alice, p.ID, "locked")

	// A request holds a workflow's row, as a workflow's update does, while
	// that workflow has a change to fold.
	lockTx, err := db.SQL().BeginTx(ctx, nil)
	ok(t, err, "begin")
	defer lockTx.Rollback()
	_, err = lockTx.ExecContext(ctx, `SELECT id FROM workflows WHERE id = $1 FOR UPDATE`, locked.ID)
	ok(t, err, "lock a workflow")
	_, err = db.SQL().ExecContext(ctx, `INSERT INTO task_count_deltas (workflow_id, slot, n) VALUES ($1, 98, 0)`, locked.ID)
	ok(t, err, "a change of the locked workflow")

	// A writer holds a change row of one workflow, as an upsert into an
	// existing row does until its transaction ends: a committed row,
	// then locked (again if the fold took it in between).
	var tx *sql.Tx
	for tx == nil {
		_, err = db.SQL().ExecContext(ctx, `INSERT INTO task_count_deltas (workflow_id, slot, n) VALUES ($1, 99, 0)
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
	_, err = tx.ExecContext(ctx, `INSERT INTO tasks (owner_id, project_id, workflow_id, title, created_at, updated_at)
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
			t.Fatal("the changes of a workflow no one holds were not folded in 10 s while another's changes and another's row were held")
		}
		time.Sleep(50 * time.Millisecond)
	}
	var kept int64
	ok(t, db.SQL().QueryRowContext(ctx, `SELECT task_count FROM workflows WHERE id = $1`, free.ID).Scan(&kept), "task_count")
	same(t, "folded task_count", kept, int64(3))

	ok(t, tx.Commit(), "commit")
	ok(t, lockTx.Commit(), "commit the lock")
	got, err := alice.WorkflowGet(ctx, held.ID)
	ok(t, err, "WorkflowGet")
	same(t, "task count after commit", got.TaskCount, int64(1))
	keptCountsAgree(t, db)
}

// TestFoldsOfTwoProcesses checks that two processes on one PostgreSQL
// database, each folding task count changes five times a second while
// both create, move and delete tasks, keep every count exact.
func TestFoldsOfTwoProcesses(t *testing.T) {
	if !slices.Contains(Engines(), "postgres") {
		return // the fold is PostgreSQL's; SQLite writes the counts directly
	}
	ctx := t.Context()
	dbURL := CreatePostgresDatabase(t)
	var stores []*sqlstore.DB
	for range 2 {
		db, m, err := postgres.Open(ctx, dbURL, 0)
		ok(t, err, "open")
		t.Cleanup(func() { db.Close() })
		_, err = m.Up(ctx)
		ok(t, err, "migrate")
		stores = append(stores, db)
	}
	aliceID, _ := newScope(t, stores[0], "alice")
	alice := []flowtrack.Scope{stores[0].ForUser(aliceID), stores[1].ForUser(aliceID)}
	p := mustProject(t, alice[0], "P")
	var workflows []int64
	for i := range 3 {
		workflows = append(workflows, mustWorkflow(t, alice[0], p.ID, fmt.Sprint("W", i)).ID)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	stop := time.Now().Add(1500 * time.Millisecond)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := alice[g%2]
			for i := 0; time.Now().Before(stop); i++ {
				task, err := s.TaskCreate(ctx, flowtrack.TaskInput{
					WorkflowID: flowtrack.Some(workflows[i%3]), Title: flowtrack.Some(fmt.Sprint("T", g, "-", i))})
				if err == nil && i%4 == 1 {
					_, err = s.TaskUpdate(ctx, task.ID, flowtrack.TaskInput{WorkflowID: flowtrack.Some(workflows[(i+1)%3])}, nil)
				}
				if err == nil && i%4 == 2 {
					err = s.TaskDelete(ctx, task.ID, nil)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("write: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var pending int
		ok(t, stores[0].SQL().QueryRowContext(ctx, `SELECT count(*) FROM task_count_deltas`).Scan(&pending), "count deltas")
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d count changes still unfolded 10 s after the writes", pending)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, id := range workflows {
		var kept, actual int64
		ok(t, stores[0].SQL().QueryRowContext(ctx, `SELECT task_count, (SELECT count(*) FROM tasks WHERE workflow_id = $1)
			FROM workflows WHERE id = $1`, id).Scan(&kept, &actual), "counts")
		if actual == 0 {
			t.Fatalf("workflow %d has no tasks: the writes did not run", id)
		}
		same(t, fmt.Sprint("workflow ", id, " folded task_count"), kept, actual)
	}
	keptCountsAgree(t, stores[0])
}

// TestWritesTakeTurnsInOrder checks that writes queued for a pool's
// connection run in the order they came: database/sql alone hands a freed
// connection to a random waiter, and some requests waited many turns. On
// SQLite the pool is the one writer; PostgreSQL's is opened with one
// connection, so that the order shows.
func TestWritesTakeTurnsInOrder(t *testing.T) {
	EachEngine(t, func(t *testing.T, engine string) {
		if engine == "sqlite" {
			testWritesTakeTurnsInOrder(t, Open(t, engine))
			return
		}
		db, m, err := postgres.Open(t.Context(), CreatePostgresDatabase(t), 1)
		ok(t, err, "open with one connection")
		t.Cleanup(func() { db.Close() })
		_, err = m.Up(t.Context())
		ok(t, err, "migrate")
		testWritesTakeTurnsInOrder(t, db)
	})
}

func testWritesTakeTurnsInOrder(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	_, alice := newScope(t, db, "alice")
	mustProject(t, alice, "warm-up") // prepares the statement

	// Hold the writer, queue the writes one after another, let them go.
	tx, err := db.SQL().BeginTx(ctx, nil)
	ok(t, err, "begin")
	const writes = 16
	var wg sync.WaitGroup
	for i := range writes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := alice.ProjectCreate(ctx, flowtrack.ProjectInput{Name: flowtrack.Some(fmt.Sprintf("P%02d", i))})
			if err != nil {
				t.Error(err)
			}
		}()
		time.Sleep(20 * time.Millisecond) // until it waits its turn
	}
	ok(t, tx.Rollback(), "release the writer")
	wg.Wait()

	rows, err := db.SQL().QueryContext(ctx, `SELECT name FROM projects WHERE name <> 'warm-up' ORDER BY id`)
	ok(t, err, "read the order")
	defer rows.Close()
	var order []string
	for rows.Next() {
		var name string
		ok(t, rows.Scan(&name), "scan")
		order = append(order, name)
	}
	for i, name := range order {
		if want := fmt.Sprintf("P%02d", i); name != want {
			t.Fatalf("writes ran in the order %v, not the order they came", order)
		}
	}
	same(t, "writes", len(order), writes)
}
