package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to create databases

	"github.com/flowtrack/flowtrack"
	"github.com/flowtrack/flowtrack/password"
	"github.com/flowtrack/flowtrack/postgres"
	"github.com/flowtrack/flowtrack/sqlite"
	"github.com/flowtrack/flowtrack/sqlstore"
)

// benchUser is the measured user; benchPassword is its password.
const (
	benchUser     = "bench"
	benchPassword = "bench-password-123"
)

// dataset is a seeded database and what the scenarios need from it.
type dataset struct {
	url string // FLOWTRACK_DATABASE_URL
	// bareURL is the bare handler's database, see bareDatabase.
	bareURL string
	userID  int64
	// smallID is a user with smallTasks tasks in the same database, for
	// comparing a list's cost at the measured size with its cost at the
	// smallest, in the same minutes.
	smallID  int64
	project  int64
	workflow int64
	task     int64   // a task of the measured user
	tasks    []int64 // up to 1,000 tasks of the measured user, for updates
	// The writer is a separate user whose workflow the create scenarios
	// fill, so that writes do not change the measured user's data size.
	writerID, writerProject, writerWorkflow int64
	cleanup                                 func()
	restore                                 func(context.Context) error
}

// createDatabase makes a fresh database: a SQLite file in dir, or a new
// database on the PostgreSQL server at server.
func createDatabase(ctx context.Context, server, dir string) (string, func(), error) {
	if server == "sqlite" {
		return "sqlite:" + filepath.Join(dir, "bench.db"), func() {}, nil
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "flowbench_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, err
	}
	u, err := url.Parse(server)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		admin.Exec("DROP DATABASE " + name + " WITH (FORCE)")
		admin.Close()
	}, nil
}

// openStore opens and migrates the database at url.
func openStore(ctx context.Context, dbURL string) (*sqlstore.DB, error) {
	if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
		return sqlite.Open(ctx, path, sqlite.Options{})
	}
	db, m, err := postgres.Open(ctx, dbURL, 0)
	if err != nil {
		return nil, err
	}
	if _, err := m.Up(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// smallTasks is the number of tasks of the small user.
const smallTasks = 100

// seed creates the measured user with n tasks in 10 projects of 4
// workflows each, two other users with n/10 tasks each around them, a
// small user with smallTasks and the writer.
// Users, projects and workflows go through the store; tasks are written
// in bulk by SQL, with the same columns the store writes.
func seed(ctx context.Context, server, dir string, n int) (*dataset, error) {
	dbURL, cleanup, err := createDatabase(ctx, server, dir)
	if err != nil {
		return nil, err
	}
	db, err := openStore(ctx, dbURL)
	if err != nil {
		cleanup()
		return nil, err
	}
	defer db.Close()
	hash, err := password.NewHasher(password.OWASP, 1).Hash(ctx, benchPassword)
	if err != nil {
		return nil, err
	}
	ds := &dataset{url: dbURL, cleanup: cleanup}
	start := time.Now()
	for i, count := range []int{n, max(1, n/10), max(1, n/10), 1, smallTasks} {
		name := benchUser
		switch i {
		case 4:
			name = "small"
		case 3:
			name = "writer"
		case 1, 2:
			name = fmt.Sprintf("neighbour%d", i)
		}
		u := &flowtrack.User{Username: name, Email: name + "@example.com", PasswordHash: hash, IsActive: true, DateJoined: flowtrack.Now()}
		if err := db.UserCreate(ctx, u); err != nil {
			return nil, err
		}
		sc := db.ForUser(u.ID)
		var workflows []int64
		var firstProject int64
		for p := range 10 {
			pr, err := sc.ProjectCreate(ctx, flowtrack.ProjectInput{Name: flowtrack.Some(fmt.Sprintf("Project %d", p))})
			if err != nil {
				return nil, err
			}
			if p == 0 {
				firstProject = pr.ID
			}
			for w := range 4 {
				wf, err := sc.WorkflowCreate(ctx, flowtrack.WorkflowInput{ProjectID: flowtrack.Some(pr.ID), Name: flowtrack.Some(fmt.Sprintf("Stage %d", w))})
				if err != nil {
					return nil, err
				}
				workflows = append(workflows, wf.ID)
			}
		}
		// The measured user has few blocked tasks, for the scenario of a
		// filter that matches few rows.
		blockedEvery := 4
		if i == 0 {
			blockedEvery = rareBlocked
		}
		if err := bulkTasks(ctx, db.SQL(), u.ID, workflows, count, blockedEvery); err != nil {
			return nil, err
		}
		if i == 4 {
			ds.smallID = u.ID
		}
		if i == 3 {
			ds.writerID, ds.writerProject, ds.writerWorkflow = u.ID, firstProject, workflows[0]
		}
		if i == 0 {
			ds.userID, ds.project, ds.workflow = u.ID, firstProject, workflows[0]
			rows, err := db.SQL().QueryContext(ctx, `SELECT id FROM tasks WHERE owner_id = $1 ORDER BY id DESC LIMIT 1000`, u.ID)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return nil, err
				}
				ds.tasks = append(ds.tasks, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
			ds.task = ds.tasks[0]
		}
	}
	// PostgreSQL vacuums as well, as autovacuum would have after a bulk
	// load (some servers run without it): a table never vacuumed has no
	// visibility map, and its first readers set every row's hint bits.
	if _, err := db.SQL().ExecContext(ctx, analyzeStatement(dbURL)); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(dbURL, "sqlite:") {
		// Write out what the load and the vacuum dirtied now, not during
		// the first scenario. It takes a superuser (or pg_checkpoint);
		// without, the run goes on and says so.
		if _, err := db.SQL().ExecContext(ctx, "CHECKPOINT"); err != nil {
			fmt.Fprintf(os.Stderr, "no checkpoint after the seed (%v): the first scenario may meet one\n", err)
		}
	}
	ds.restore = func(ctx context.Context) error {
		if err := restore(ctx, dbURL, ds.writerID); err != nil || ds.bareURL == dbURL {
			return err
		}
		return restore(ctx, ds.bareURL, ds.writerID)
	}
	fmt.Fprintf(os.Stderr, "seeded %d tasks for the measured user (+%d around) in %v\n", n, 2*max(1, n/10)+smallTasks+1, time.Since(start).Round(time.Millisecond))
	return ds, nil
}

// rareBlocked is how many of the measured user's tasks there are for each
// blocked one: 1 in 100 tasks, 1 in 100,000 and 10 in 1,000,000.
const rareBlocked = 100000

// bulkTasks inserts count tasks spread over workflows (whose projects it
// looks up), in chunks, as the store would write them. Status, priority,
// due date and title cycle with periods 4, 16, 5 and 3, so every
// combination occurs evenly and no filter is correlated with an order;
// but only one task in blockedEvery (a multiple of 4) is blocked, the
// rest of their quarter done.
func bulkTasks(ctx context.Context, db *sql.DB, owner int64, workflows []int64, count, blockedEvery int) error {
	const chunk = 50000
	now := time.Now().Add(-time.Duration(count) * time.Millisecond).UnixMicro()
	for done := 0; done < count; done += chunk {
		size := min(chunk, count-done)
		wf := workflows[(done/chunk)%len(workflows)]
		_, err := db.ExecContext(ctx, `
			WITH RECURSIVE seq(n) AS (SELECT CAST($1 AS BIGINT) UNION ALL SELECT n + 1 FROM seq WHERE n < CAST($2 AS BIGINT))
			INSERT INTO tasks (owner_id, project_id, workflow_id, title, description, status, priority, due_date,
				created_at, updated_at, title_fold, description_fold)
			SELECT w.owner_id, w.project_id, w.id,
				CASE n % 3 WHEN 0 THEN 'Alpha task ' ELSE 'Beta task ' END || n, 'Details of task ' || n,
				CASE n % 4 WHEN 0 THEN 'todo' WHEN 1 THEN 'in_progress'
					WHEN 2 THEN CASE n % CAST($6 AS BIGINT) WHEN 2 THEN 'blocked' ELSE 'done' END ELSE 'done' END,
				(n / 4) % 4,
				CASE n % 5 WHEN 0 THEN NULL WHEN 1 THEN '2025-03-01' WHEN 2 THEN '2026-06-15' WHEN 3 THEN '2026-12-01' ELSE '2027-01-31' END,
				CAST($3 AS BIGINT) + n * 1000, CAST($3 AS BIGINT) + n * 1000,
				CASE n % 3 WHEN 0 THEN 'alpha task ' ELSE 'beta task ' END || n, 'details of task ' || n
			FROM seq, workflows w WHERE w.id = CAST($4 AS BIGINT) AND w.owner_id = CAST($5 AS BIGINT)`,
			done+1, done+size, now, wf, owner, blockedEvery)
		if err != nil {
			return fmt.Errorf("seed tasks: %w", err)
		}
	}
	return nil
}

// bareDatabase returns the database the bare handler serves, once seed
// has closed dbURL's: on SQLite a copy of its file, so that FlowTrack's
// checkpoint process, which copies its database's WAL five times a
// second, leaves the bare handler's alone while it is measured (before,
// it copied the bare handler's WAL too, on the bare handler's core, and
// held the checkpoint lock the bare handler's own checkpoints need); on
// PostgreSQL the same database.
func bareDatabase(dbURL, dir string) (string, error) {
	path, ok := strings.CutPrefix(dbURL, "sqlite:")
	if !ok {
		return dbURL, nil
	}
	bare := filepath.Join(dir, "bare.db")
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(path+suffix, bare+suffix); err != nil && !(suffix != "" && errors.Is(err, fs.ErrNotExist)) {
			return "", err
		}
	}
	return "sqlite:" + bare, nil
}

// copyFile copies the file at from to a new file at to.
func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	if err == nil {
		// Written out now, not by the kernel during the first scenario.
		err = dst.Sync()
	}
	return errors.Join(err, dst.Close())
}

// restore removes what the create scenarios added (all but the writer's
// seeded task) and refreshes the planner's statistics, so that the reads
// measured next see the seeded data and not tens of thousands of extra
// rows with stale statistics.
func restore(ctx context.Context, dbURL string, writer int64) error {
	db, err := openStore(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.SQL().ExecContext(ctx, `DELETE FROM tasks WHERE owner_id = $1 AND id > (SELECT min(id) FROM tasks WHERE owner_id = $1)`, writer); err != nil {
		return err
	}
	_, err = db.SQL().ExecContext(ctx, analyzeStatement(dbURL))
	return err
}

// analyzeStatement refreshes the planner's statistics of the database at
// dbURL and, on PostgreSQL, vacuums it.
func analyzeStatement(dbURL string) string {
	if strings.HasPrefix(dbURL, "sqlite:") {
		return "ANALYZE"
	}
	return "VACUUM ANALYZE"
}
