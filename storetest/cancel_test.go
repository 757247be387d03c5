package storetest

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestCancelledReadStopsOnTheServer checks that a read outside a
// transaction, which on PostgreSQL runs on the driver's own connection
// rather than through database/sql, still ends when its context does: the
// caller gets the context's error at once, the server stops the query,
// and the store goes on. A table lock held by the test makes the read
// wait. SQLite's readers never wait for a lock (WAL), so it has no such
// case.
func TestCancelledReadStopsOnTheServer(t *testing.T) {
	if os.Getenv(PostgresEnv) == "" {
		t.Skip("PostgreSQL only: set " + PostgresEnv)
	}
	db := Open(t, "postgres")
	_, s := newScope(t, db, "alice")
	task := mustTask(t, s, mustWorkflow(t, s, mustProject(t, s, "P").ID, "W").ID, "T")

	lock, err := db.SQL().BeginTx(t.Context(), nil)
	ok(t, err, "begin")
	defer lock.Rollback()
	_, err = lock.Exec(`LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE`)
	ok(t, err, "lock tasks")

	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := s.TaskGet(ctx, task.ID)
		done <- err
	}()
	select {
	case err := <-done:
		wantIs(t, "read past its deadline", err, context.DeadlineExceeded)
	case <-time.After(5 * time.Second):
		lock.Rollback()
		t.Fatal("the read did not end with its context")
	}

	waiting := func() int {
		var n int
		ok(t, db.SQL().QueryRowContext(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n), "waiting queries")
		return n
	}
	for deadline := time.Now().Add(5 * time.Second); waiting() > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the server still runs the read whose context ended")
		}
	}

	ok(t, lock.Rollback(), "unlock")
	got, err := s.TaskGet(t.Context(), task.ID)
	ok(t, err, "read after the cancelled one")
	same(t, "task read after the cancelled one", got.ID, task.ID)
}
