package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// maxCachedStatements bounds the prepared statements kept per pool; list
// queries vary with their filters, so the set is large but finite.
const maxCachedStatements = 2000

// pool is a connection pool whose statements are prepared once and kept,
// where the engine benefits (SQLite parses and plans every statement it
// is given; pgx keeps its own cache for PostgreSQL).
type pool struct {
	db      *sql.DB
	gate    chan struct{} // see enter; nil for a pool of no set size
	cache   bool
	pipe    func(ctx context.Context, driverConn any, stmts []Statement, read func(i int, rows Rows) error) error
	count   *atomic.Int64 // statements run, shared by a store's pools
	mu      sync.RWMutex
	stmts   map[string]*sql.Stmt
	pending map[string]bool // being prepared in the background
}

func newPool(db *sql.DB, engine Engine, count *atomic.Int64) *pool {
	p := &pool{db: db, cache: engine.CacheStatements, pipe: engine.Pipeline, count: count,
		stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}}
	if n := db.Stats().MaxOpenConnections; n > 0 {
		p.gate = make(chan struct{}, n)
	}
	return p
}

// enter admits callers to take a connection from the pool in the order
// they came, at most as many at once as it has connections, and returns
// the function to call once the connection is taken. database/sql hands a
// freed connection to a random one of its waiters, so with 32 requests
// queued for SQLite's one writer some waited many turns: the p99 of
// creates was 13 times their median. A channel's waiters are served in
// order.
func (p *pool) enter(ctx context.Context) (leave func(), err error) {
	if p.gate == nil {
		return func() {}, nil
	}
	select {
	case p.gate <- struct{}{}:
		return func() { <-p.gate }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// begin starts a transaction on the pool, taking its turn, which the
// transaction keeps until it ends: call the returned leave then.
func (p *pool) begin(ctx context.Context, opts *sql.TxOptions) (tx *sql.Tx, leave func(), err error) {
	if leave, err = p.enter(ctx); err != nil {
		return nil, nil, err
	}
	if tx, err = p.db.BeginTx(ctx, opts); err != nil {
		leave()
		return nil, nil, err
	}
	return tx, leave, nil
}

// stmt returns the cached statement of query, or nil to run it unprepared.
// Outside a transaction it prepares and caches the statement at once.
// Inside one it must not: preparing takes a connection of its own, and
// with every connection held by a transaction (SQLite's writer has only
// one) that would wait forever. So there it prepares in the background,
// once a connection is free, and runs this call unprepared.
func (p *pool) stmt(ctx context.Context, query string, inTx bool) (*sql.Stmt, error) {
	if !p.cache {
		return nil, nil
	}
	p.mu.RLock()
	st, pending := p.stmts[query], p.pending[query]
	p.mu.RUnlock()
	if st != nil || pending {
		return st, nil
	}
	if inTx {
		p.mu.Lock()
		if p.pending[query] || p.stmts[query] != nil || len(p.stmts)+len(p.pending) >= maxCachedStatements {
			p.mu.Unlock()
			return nil, nil
		}
		p.pending[query] = true
		p.mu.Unlock()
		go p.prepare(context.WithoutCancel(ctx), query)
		return nil, nil
	}
	return p.prepare(ctx, query)
}

// prepare prepares query on the pool and caches it.
func (p *pool) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	leave, err := p.enter(ctx)
	if err != nil {
		return nil, err
	}
	st, err := p.db.PrepareContext(ctx, query)
	leave()
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.pending, query)
	if err != nil || p.stmts == nil {
		if st != nil {
			st.Close()
		}
		return nil, err
	}
	if cached := p.stmts[query]; cached != nil {
		st.Close()
		return cached, nil
	}
	if len(p.stmts) >= maxCachedStatements {
		st.Close()
		return nil, nil
	}
	p.stmts[query] = st
	return st, nil
}

func (p *pool) close() error {
	p.mu.Lock()
	for _, st := range p.stmts {
		st.Close()
	}
	p.stmts = nil
	p.mu.Unlock()
	return p.db.Close()
}

// conn runs statements on a pool, or in a transaction on it.
type conn struct {
	p  *pool
	tx *sql.Tx
}

var _ queryer = conn{}

// prepared returns the statement to run query with, bound to the
// transaction if there is one; nil means run it unprepared.
func (c conn) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	c.p.count.Add(1)
	st, err := c.p.stmt(ctx, query, c.tx != nil)
	if st == nil || err != nil {
		return nil, err
	}
	if c.tx != nil {
		// Reuses the statement already prepared on the transaction's connection.
		return c.tx.StmtContext(ctx, st), nil
	}
	return st, nil
}

// turnRows are a query's rows; outside a transaction they keep the query's
// turn (see enter) until they are closed, as they keep its connection.
type turnRows struct {
	*sql.Rows
	leave func()
}

// Next is sql.Rows' Next; at the end it gives back the turn.
func (r *turnRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.done()
	return false
}

// Close is sql.Rows' Close, and gives back the turn.
func (r *turnRows) Close() error {
	err := r.Rows.Close()
	r.done()
	return err
}

func (r *turnRows) done() {
	if r.leave != nil {
		r.leave()
		r.leave = nil
	}
}

// turnRow is the one row of a query. As sql.Row, it keeps its connection,
// and outside a transaction its turn, until Scan.
type turnRow struct {
	row   *sql.Row
	err   error
	leave func()
	// direct, when set, runs the query at Scan on the driver's own
	// connection; see conn.QueryRowContext.
	direct func(dest []any) error
}

// Scan copies the row's columns into dest, as sql.Row's Scan.
func (r *turnRow) Scan(dest ...any) error {
	if r.direct != nil {
		return r.direct(dest)
	}
	if leave := r.leave; leave != nil {
		r.leave = nil // the turn is given back once
		defer leave()
	}
	if r.err != nil {
		return r.err
	}
	return r.row.Scan(dest...)
}

// turn takes the query's turn outside a transaction; leave is nil inside one.
func (c conn) turn(ctx context.Context) (leave func(), err error) {
	if c.tx != nil {
		return nil, nil
	}
	return c.p.enter(ctx)
}

func (c conn) QueryContext(ctx context.Context, query string, args ...any) (*turnRows, error) {
	st, err := c.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	leave, err := c.turn(ctx)
	if err != nil {
		return nil, err
	}
	var rows *sql.Rows
	switch {
	case st != nil:
		rows, err = st.QueryContext(ctx, args...)
	case c.tx != nil:
		rows, err = c.tx.QueryContext(ctx, query, args...)
	default:
		rows, err = c.p.db.QueryContext(ctx, query, args...)
	}
	if err != nil {
		if leave != nil {
			leave()
		}
		return nil, err
	}
	return &turnRows{Rows: rows, leave: leave}, nil
}

// QueryRowContext runs a query for one row, as sql.DB's. Outside a
// transaction, on an engine with a pipeline (PostgreSQL), the query runs on
// the driver's connection itself, as a pipeline of one: database/sql would
// start a goroutine per query to watch ctx. On a server pinned to one core
// those goroutines kept Go's run queue from ever emptying, so goroutines
// whose network reads were ready waited in the global queue for up to 40
// ms (execution trace), and the p99 of reading a task was 2.2-3.6 times
// the bare handler's (1.0-1.2 since). The driver watches ctx without a goroutine
// (context.AfterFunc), so cancelling the request still cancels the query.
func (c conn) QueryRowContext(ctx context.Context, query string, args ...any) *turnRow {
	if c.tx == nil && c.p.pipe != nil {
		return &turnRow{direct: func(dest []any) error {
			return c.pipeline(ctx, []Statement{{SQL: query, Args: args}}, func(_ int, rows Rows) error {
				return scanOne(rows, dest...)
			})
		}}
	}
	st, err := c.prepared(ctx, query)
	if err != nil {
		return &turnRow{err: err}
	}
	leave, err := c.turn(ctx)
	if err != nil {
		return &turnRow{err: err}
	}
	r := &turnRow{leave: leave}
	switch {
	case st != nil:
		r.row = st.QueryRowContext(ctx, args...)
	case c.tx != nil:
		r.row = c.tx.QueryRowContext(ctx, query, args...)
	default:
		r.row = c.p.db.QueryRowContext(ctx, query, args...)
	}
	return r
}

func (c conn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := c.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	leave, err := c.turn(ctx)
	if err != nil {
		return nil, err
	}
	if leave != nil {
		defer leave()
	}
	switch {
	case st != nil:
		return st.ExecContext(ctx, args...)
	case c.tx != nil:
		return c.tx.ExecContext(ctx, query, args...)
	}
	return c.p.db.ExecContext(ctx, query, args...)
}

// pipeline runs stmts and hands each one's rows to read, in order: in one
// round trip on one connection where the engine can (a list's count and
// page cost PostgreSQL's server one exchange, not two), else one after
// another. read must not keep rows.
func (c conn) pipeline(ctx context.Context, stmts []Statement, read func(i int, rows Rows) error) error {
	if c.p.pipe == nil || c.tx != nil {
		for i, st := range stmts {
			rows, err := c.QueryContext(ctx, st.SQL, st.Args...)
			if err != nil {
				return err
			}
			err = read(i, rows)
			if cerr := rows.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	c.p.count.Add(int64(len(stmts)))
	leave, err := c.p.enter(ctx)
	if err != nil {
		return err
	}
	defer leave()
	sc, err := c.p.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer sc.Close()
	return sc.Raw(func(driverConn any) error { return c.p.pipe(ctx, driverConn, stmts, read) })
}
