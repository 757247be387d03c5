// Package sqlite opens FlowTrack's store on a SQLite file, through the
// pure-Go modernc.org/sqlite driver, and applies its migrations.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os/exec"
	"runtime"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/flowtrack/flowtrack/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// pragmas give every connection WAL (readers never wait for the writer),
// foreign keys, a busy timeout for the moments a checkpoint holds the
// file, and a page cache of 500 KiB, not SQLite's default 2 MiB. A count
// walking 100,000 rows filled every reader's cache and took the server
// from 26 MB to 48 MB, and creates filled the writer's, 3 MB more, with
// no throughput to show for either: the operating system caches the file
// as well, and a reader's cache is dropped whenever the writer commits.
const pragmas = "_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(" + busyTimeout + ")&_pragma=" + cacheSize

// cacheSize is each connection's page cache: 500 KiB.
const cacheSize = "cache_size(-500)"

// busyTimeout is how many milliseconds a statement waits for a lock.
const busyTimeout = "10000"

// DefaultReaders is the size of the readers' pool when none is
// configured: two connections per core, at least four.
func DefaultReaders() int { return max(4, 2*runtime.NumCPU()) }

// Options tune Open; the zero value serves.
type Options struct {
	// Readers is the size of the readers' pool (DefaultReaders when 0).
	Readers int
	// Checkpointer, when set, returns the command of a checkpoint process
	// for the file at path: one that runs RunCheckpointer on it until its
	// standard input ends (`flowtrack checkpoint PATH`). The WAL is then
	// copied there, where the copy's fsyncs block only that process;
	// without one, or if it cannot start or ends, it is copied in this
	// process.
	Checkpointer func(path string) *exec.Cmd
	// Log hears if the checkpoint process ends early or cannot start.
	Log *slog.Logger
}

// Open opens (creating it if needed) the SQLite database at path, applies
// its pending migrations and returns the store. It keeps one writer and
// opts.Readers connections for reads.
func Open(ctx context.Context, path string, opts Options) (*sqlstore.DB, error) {
	name := fileName(path)
	// One writer connection whose transactions take the write lock at
	// BEGIN: writes queue in Go instead of failing with "database is locked".
	write, err := sql.Open("sqlite", name+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", readerName(path))
	if err != nil {
		write.Close()
		return nil, err
	}
	readers := opts.Readers
	if readers <= 0 {
		readers = DefaultReaders()
	}
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)
	if err := migrate(ctx, write); err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	ckpt, err := openCheckpointer(path)
	if err != nil {
		write.Close()
		read.Close()
		return nil, err
	}
	checkpoints := &checkpointing{ckpt: ckpt, restartAt: restartFrames,
		restart: func(ctx context.Context) { restartWAL(ctx, write) }}
	if opts.Checkpointer != nil {
		checkpoints.process, err = startCheckpointProcess(opts.Checkpointer(path), opts.Log, checkpoints.restart)
		if err != nil && opts.Log != nil {
			opts.Log.Warn("no checkpoint process; checkpointing in this process", slog.Any("error", err))
		}
	}
	caches, err := openCacheRelease(path)
	if err != nil {
		checkpoints.release()
		write.Close()
		read.Close()
		return nil, err
	}
	return sqlstore.New(read, write, sqlstore.Engine{
		Name:              "sqlite",
		IsUniqueViolation: isUniqueViolation,
		Explain:           "EXPLAIN QUERY PLAN",
		CacheStatements:   true,
		// instr, unlike LIKE, takes every character literally and keeps
		// the statement from being re-planned for each bound pattern.
		Contains: func(column, placeholder string) string { return "instr(" + column + ", " + placeholder + ") > 0" },
		Maintain: func(ctx context.Context) {
			checkpoints.maintain(ctx)
			caches.maintain(ctx)
		},
		Release: func() error {
			return errors.Join(checkpoints.release(), caches.close())
		},
	}), nil
}

// readerName is the driver's name for a connection that only reads the
// file at path, with every connection's pragmas.
func readerName(path string) string {
	return fileName(path) + "?" + pragmas + "&_pragma=query_only(1)"
}

// fileName is the driver's name for the file at path.
func fileName(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath()
}

func migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	m, err := sqlstore.NewMigrations(goose.DialectSQLite3, db, sub, goose.WithGoMigrations(sqlstore.FoldMigration()))
	if err != nil {
		return err
	}
	_, err = m.Up(ctx)
	return err
}

func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}
