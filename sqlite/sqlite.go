// Package sqlite opens FlowTrack's store on a SQLite file, through the
// pure-Go modernc.org/sqlite driver, and applies its migrations.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/flowtrack/flowtrack/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// pragmas give every connection WAL (readers never wait for the writer),
// foreign keys, and a busy timeout for the moments a checkpoint holds the file.
const pragmas = "_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(" + busyTimeout + ")"

// busyTimeout is how many milliseconds a statement waits for a lock.
const busyTimeout = "10000"

// DefaultReaders is the size of the readers' pool when none is
// configured: two connections per core, at least four.
func DefaultReaders() int { return max(4, 2*runtime.NumCPU()) }

// Open opens (creating it if needed) the SQLite database at path, applies
// its pending migrations and returns the store. It keeps one writer and
// up to readers connections for reads (DefaultReaders when 0).
func Open(ctx context.Context, path string, readers int) (*sqlstore.DB, error) {
	name := "file:" + (&url.URL{Path: path}).EscapedPath()
	// One writer connection whose transactions take the write lock at
	// BEGIN: writes queue in Go instead of failing with "database is locked".
	write, err := sql.Open("sqlite", name+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	// Each reader caches 500 KiB of pages, not SQLite's default 2 MiB: a
	// count walking 100,000 rows filled every reader's cache and took the
	// server from 26 MB to 48 MB, with no throughput to show for it
	// (the operating system caches the file as well).
	read, err := sql.Open("sqlite", name+"?"+pragmas+"&_pragma=query_only(1)&_pragma=cache_size(-500)")
	if err != nil {
		write.Close()
		return nil, err
	}
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
	// The checkpointer's own connection, so that copying the WAL into the
	// database never holds the writer; it waits 20 ms at most for a lock.
	ckpt, err := sql.Open("sqlite", name+"?_pragma=busy_timeout(20)")
	if err != nil {
		write.Close()
		read.Close()
		return nil, err
	}
	ckpt.SetMaxOpenConns(1)
	return sqlstore.New(read, write, sqlstore.Engine{
		Name:              "sqlite",
		IsUniqueViolation: isUniqueViolation,
		Explain:           "EXPLAIN QUERY PLAN",
		CacheStatements:   true,
		// instr, unlike LIKE, takes every character literally and keeps
		// the statement from being re-planned for each bound pattern.
		Contains: func(column, placeholder string) string { return "instr(" + column + ", " + placeholder + ") > 0" },
		Maintain: func(ctx context.Context) { checkpoint(ctx, ckpt, write) },
		Release:  ckpt.Close,
	}), nil
}

// checkpoint copies the WAL into the database; the store runs it in the
// background five times a second. The checkpoint each commit would run can copy only up to
// the oldest snapshot a reader holds, and with readers always about it
// never finishes, so the WAL, and the cost of every read and write through
// it, grew without end: creates fell from about 3,300 to 1,400 a second
// over 20 s of load. A PASSIVE checkpoint on its own connection copies the
// WAL beside the writer. Once the WAL is long and fully copied, a RESTART
// lets the next write start it over; it runs on the writer's connection,
// taken in turn like any write, because from another connection it made
// the writes waiting behind it back off in ever longer sleeps (up to 25 ms
// each), which put 150 ms into the p99 of creates. It waits 20 ms at most
// for old readers.
func checkpoint(ctx context.Context, ckpt, write *sql.DB) {
	var busy, frames, copied int
	err := ckpt.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
	if err == nil && frames >= restartFrames && copied == frames {
		// Copy again what was written while the first copy ran (tens of
		// milliseconds under load), so that the RESTART, which holds the
		// writer, has little left to copy: it held it 9-17 ms, now 5-10.
		ckpt.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
		restart(ctx, write)
	}
}

// restart runs a RESTART checkpoint on the writer's connection, waiting
// 20 ms at most for readers instead of the writer's usual timeout.
func restart(ctx context.Context, write *sql.DB) {
	conn, err := write.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 20"); err != nil {
		return
	}
	conn.ExecContext(ctx, "PRAGMA wal_checkpoint(RESTART)")
	// Put the writer's timeout back, or the connection is of no more use.
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA busy_timeout = "+busyTimeout); err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// restartFrames is the WAL's length, in pages, past which it is
// restarted: 64 MiB, about 600 ms of creates at full speed. At 16 MiB the
// writer was held for a RESTART every 200 ms, 5-10 % of the time, which
// showed in the p99 of writes.
const restartFrames = 16384

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
