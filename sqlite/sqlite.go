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
const pragmas = "_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)"

// Open opens (creating it if needed) the SQLite database at path, applies
// its pending migrations and returns the store.
func Open(ctx context.Context, path string) (*sqlstore.DB, error) {
	name := "file:" + (&url.URL{Path: path}).EscapedPath()
	// One writer connection whose transactions take the write lock at
	// BEGIN: writes queue in Go instead of failing with "database is locked".
	write, err := sql.Open("sqlite", name+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", name+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, err
	}
	n := max(4, 2*runtime.NumCPU())
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	if err := migrate(ctx, write); err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	return sqlstore.New(read, write, sqlstore.Engine{
		Name:              "sqlite",
		IsUniqueViolation: isUniqueViolation,
		Explain:           "EXPLAIN QUERY PLAN",
		CacheStatements:   true,
		// instr, unlike LIKE, takes every character literally and keeps
		// the statement from being re-planned for each bound pattern.
		Contains: func(column, placeholder string) string { return "instr(" + column + ", " + placeholder + ") > 0" },
	}), nil
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
