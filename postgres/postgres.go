// Package postgres opens FlowTrack's store on PostgreSQL through pgx and
// applies its migrations. Many FlowTrack processes may share one database.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/flowtrack/flowtrack/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DefaultMaxConns is a process's pool size when none is configured: two
// connections per core of this process, at least four. More made
// PostgreSQL's backends and the server contend for the same cores when
// both share a machine, with no gain in throughput.
func DefaultMaxConns() int { return max(4, 2*runtime.NumCPU()) }

// Open connects to the database at url with a pool of up to maxConns
// connections (DefaultMaxConns when 0). It does not migrate: the store's
// Ready check reports ErrMigrationsPending until `flowtrack migrate` ran.
func Open(ctx context.Context, url string, maxConns int) (*sqlstore.DB, *sqlstore.Migrations, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: %w", err)
	}
	if maxConns <= 0 {
		maxConns = DefaultMaxConns()
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("postgres: %w", err)
	}
	m, err := newMigrations(db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return sqlstore.New(db, db, sqlstore.Engine{
		Name:              "postgres",
		IsUniqueViolation: isUniqueViolation,
		Explain:           "EXPLAIN",
		Contains:          func(column, placeholder string) string { return "strpos(" + column + ", " + placeholder + ") > 0" },
		LockRow:           " FOR UPDATE",
		LockShare:         " FOR SHARE",
		IsTransient:       isTransient,
		Ready:             m.Check,
		Maintain:          func(ctx context.Context) { foldTaskCounts(ctx, db) },
		Pipeline:          pipeline,
	}), m, nil
}

// pipeline sends stmts as one batch over driverConn, a pgx connection of
// the database/sql pool, and hands each one's rows to read in order.
func pipeline(ctx context.Context, driverConn any, stmts []sqlstore.Statement, read func(int, sqlstore.Rows) error) error {
	conn := driverConn.(*stdlib.Conn).Conn()
	batch := &pgx.Batch{}
	for _, st := range stmts {
		batch.Queue(st.SQL, st.Args...)
	}
	results := conn.SendBatch(ctx, batch)
	for i := range stmts {
		rows, err := results.Query()
		if err != nil {
			results.Close()
			return err
		}
		err = read(i, rows)
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		if err != nil {
			results.Close()
			return err
		}
	}
	return results.Close()
}

// foldTaskCounts moves the task count changes that the triggers add up
// (see the migrations task_counts and task_count_slots) into the
// workflows' rows; the store runs it five times a second, so that reading
// a count sums a few rows. One statement deletes the changes and adds them
// up, so a reader sees them either here or there, never both; of
// processes folding at once, each folds only the rows it deleted. It
// takes only rows no one holds (SKIP LOCKED), so it never waits for a
// writer nor a writer's transaction for it; what it skips, and a failure,
// leave changes where they are, still counted, for the next turn. The
// changes of a deleted workflow are dropped.
func foldTaskCounts(ctx context.Context, db *sql.DB) {
	db.ExecContext(ctx, `
		WITH targets AS (
			SELECT id FROM workflows WHERE id IN (SELECT workflow_id FROM task_count_deltas) FOR NO KEY UPDATE SKIP LOCKED
		),
		moved AS (
			DELETE FROM task_count_deltas d
			USING (SELECT workflow_id, slot FROM task_count_deltas c
				WHERE c.workflow_id IN (SELECT id FROM targets)
					OR NOT EXISTS (SELECT 1 FROM workflows w WHERE w.id = c.workflow_id)
				FOR UPDATE SKIP LOCKED) free
			WHERE d.workflow_id = free.workflow_id AND d.slot = free.slot
			RETURNING d.workflow_id, d.n
		),
		summed AS (SELECT workflow_id, sum(n) AS n FROM moved GROUP BY workflow_id)
		UPDATE workflows w SET task_count = w.task_count + summed.n FROM summed WHERE w.id = summed.workflow_id`)
}

func newMigrations(db *sql.DB) (*sqlstore.Migrations, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	// The session lock lets several processes run migrate at once safely.
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return sqlstore.NewMigrations(goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker),
		goose.WithGoMigrations(sqlstore.FoldMigration()))
}

// isTransient tells a deadlock or a serialization failure, which the
// database resolved by failing one of the transactions.
func isTransient(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}
