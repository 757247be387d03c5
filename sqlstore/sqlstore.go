// Package sqlstore implements FlowTrack's store contract in SQL that
// SQLite and PostgreSQL both speak. The engine packages open the
// connections, apply their migrations and tell sqlstore how their driver
// reports constraint violations; everything else is shared here, so both
// engines run the same statements.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/flowtrack/flowtrack"
)

// Engine is what differs between the database engines.
type Engine struct {
	Name string
	// IsUniqueViolation tells whether err is a unique constraint failure.
	IsUniqueViolation func(error) bool
	// LockRow is appended to a SELECT of a row about to be changed, and
	// LockShare to one of a row that must not change until commit; empty
	// where the write transaction already excludes other writers.
	LockRow, LockShare string
	// IsTransient tells whether a transaction failed only because of a
	// concurrent one (a deadlock), so that running it again may succeed.
	IsTransient func(error) bool
	// CacheStatements keeps statements prepared, for engines that do not.
	CacheStatements bool
	// Contains returns the condition "column contains the text of the
	// placeholder", taken literally.
	Contains func(column, placeholder string) string
	// Explain prefixes a statement to get its query plan.
	Explain string
	// Ready reports whether the schema is current.
	Ready func(ctx context.Context) error
	// Maintain, when set, runs in the background every maintainEvery
	// while the store is open; ctx ends when the store closes.
	Maintain func(ctx context.Context)
	// Release, when set, frees what Maintain works with, once it has
	// stopped for good.
	Release func() error
	// Pipeline, when set, sends statements over driverConn (a connection
	// of the pool, from sql.Conn's Raw) in one round trip and hands each
	// one's rows to read, in order. Without it they run one after another.
	Pipeline func(ctx context.Context, driverConn any, stmts []Statement, read func(i int, rows Rows) error) error
}

// Statement is a statement's text and its arguments.
type Statement struct {
	SQL  string
	Args []any
}

// Rows are a statement's result rows, as both database/sql and pgx
// return them.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// maintainEvery is how often Engine.Maintain runs.
const maintainEvery = 200 * time.Millisecond

// DB is a FlowTrack store over database/sql. Reads and writes may use
// separate pools: SQLite allows one writer at a time, so its write pool
// has one connection and readers never wait behind it.
type DB struct {
	read, write *pool
	engine      Engine
	statements  atomic.Int64
	counts      countCache         // see countCache
	hints       planHints          // see planHints
	stop        context.CancelFunc // ends Maintain
	maintained  chan struct{}      // closed when Maintain returned
}

// New returns a store reading from read and writing to write (which may
// be the same pool).
func New(read, write *sql.DB, engine Engine) *DB {
	db := &DB{engine: engine}
	db.read = newPool(read, engine, &db.statements)
	db.write = db.read
	if write != read {
		db.write = newPool(write, engine, &db.statements)
	}
	if engine.Maintain != nil {
		ctx, stop := context.WithCancel(context.Background())
		db.stop, db.maintained = stop, make(chan struct{})
		go func() {
			defer close(db.maintained)
			tick := time.NewTicker(maintainEvery)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
					engine.Maintain(ctx)
				}
			}
		}()
	}
	return db
}

// reader and writer run single statements outside a transaction.
func (db *DB) reader() conn { return conn{p: db.read} }
func (db *DB) writer() conn { return conn{p: db.write} }

var _ flowtrack.Store = (*DB)(nil)

// Close closes both pools.
func (db *DB) Close() error {
	var err error
	if db.stop != nil {
		db.stop()
		<-db.maintained
	}
	if db.engine.Release != nil {
		err = db.engine.Release()
	}
	err = errors.Join(err, db.write.close())
	if db.read != db.write {
		err = errors.Join(err, db.read.close())
	}
	return err
}

// Ready returns nil when the database answers and its schema is current.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.read.db.PingContext(ctx); err != nil {
		return err
	}
	if db.engine.Ready != nil {
		return db.engine.Ready(ctx)
	}
	return nil
}

// Engine returns the name of the database engine.
func (db *DB) Engine() string { return db.engine.Name }

// ForUser returns the data of one user.
func (db *DB) ForUser(userID int64) flowtrack.Scope {
	return &scope{db: db, owner: userID}
}

// queryer is what a transaction and a pool have in common.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *turnRow
	QueryContext(ctx context.Context, query string, args ...any) (*turnRows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// inTx runs fn in a transaction on the write pool and commits it if fn
// returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx conn) error) error {
	tx, leave, err := db.write.begin(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer leave()
	if err := fn(conn{p: db.write, tx: tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// inReadTx runs fn in a read-only snapshot, so a count and its page agree.
func (db *DB) inReadTx(ctx context.Context, fn func(tx conn) error) error {
	tx, leave, err := db.read.begin(ctx, &sql.TxOptions{ReadOnly: db.engine.Name == "postgres"})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer leave()
	defer tx.Rollback()
	return fn(conn{p: db.read, tx: tx})
}

// micros converts a time to the stored form.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros converts the stored form to a UTC time.
func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// nullMicros converts a nullable stored time.
func nullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// affectedOne turns a result that changed no row into a not-found error.
func affectedOne(res sql.Result, resource string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return flowtrack.NotFound(resource)
	}
	return nil
}

// collect runs a query on c and scans every row with scan. It is a
// pipeline of one, so that outside a transaction on PostgreSQL it runs on
// the driver's connection (see conn.QueryRowContext).
func collect[T any](ctx context.Context, c conn, scan func(interface{ Scan(...any) error }) (*T, error), query string, args ...any) ([]T, error) {
	var list []T
	err := c.pipeline(ctx, []Statement{{SQL: query, Args: args}}, func(_ int, rows Rows) error {
		var err error
		list, err = scanAll(rows, scan)
		return err
	})
	return list, err
}

// scanOne scans the first of rows into dest; no row is sql.ErrNoRows.
func scanOne(rows Rows, dest ...any) error {
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	return rows.Scan(dest...)
}

// scanAll scans every one of rows.
func scanAll[T any](rows Rows, scan func(interface{ Scan(...any) error }) (*T, error)) ([]T, error) {
	list := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, *v)
	}
	return list, rows.Err()
}

// Statements returns how many statements the store has run, so tests can
// check that a request's cost in queries does not grow with its data.
func (db *DB) Statements() int64 { return db.statements.Load() }

// SQL returns the write pool, for tests and tools that check what the
// database itself enforces. The API never sees it.
func (db *DB) SQL() *sql.DB { return db.write.db }

// ReadStats reports on the pool that runs reads (on SQLite the readers',
// beside the one writer; on PostgreSQL the one pool).
func (db *DB) ReadStats() sql.DBStats { return db.read.db.Stats() }
