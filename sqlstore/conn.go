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
	count   *atomic.Int64 // statements run, shared by a store's pools
	mu      sync.RWMutex
	stmts   map[string]*sql.Stmt
	pending map[string]bool // being prepared in the background
}

func newPool(db *sql.DB, cache bool, count *atomic.Int64) *pool {
	p := &pool{db: db, cache: cache, count: count, stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}}
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

// begin starts a transaction on the pool, taking its turn.
func (p *pool) begin(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	leave, err := p.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	return p.db.BeginTx(ctx, opts)
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

func (c conn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := c.prepared(ctx, query)
	if err == nil && c.tx == nil {
		var leave func()
		if leave, err = c.p.enter(ctx); err == nil {
			defer leave()
		}
	}
	switch {
	case err != nil:
		return nil, err
	case st != nil:
		return st.QueryContext(ctx, args...)
	case c.tx != nil:
		return c.tx.QueryContext(ctx, query, args...)
	}
	return c.p.db.QueryContext(ctx, query, args...)
}

func (c conn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := c.prepared(ctx, query)
	if c.tx == nil {
		// Without its turn (the context ended) the query reports the
		// context's error from Scan.
		if leave, err := c.p.enter(ctx); err == nil {
			defer leave()
		}
	}
	switch {
	case err != nil:
		// database/sql has no way to build a Row holding an error; the
		// unprepared query reports the same error from Scan.
		break
	case st != nil:
		return st.QueryRowContext(ctx, args...)
	}
	if c.tx != nil {
		return c.tx.QueryRowContext(ctx, query, args...)
	}
	return c.p.db.QueryRowContext(ctx, query, args...)
}

func (c conn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := c.prepared(ctx, query)
	if err == nil && c.tx == nil {
		var leave func()
		if leave, err = c.p.enter(ctx); err == nil {
			defer leave()
		}
	}
	switch {
	case err != nil:
		return nil, err
	case st != nil:
		return st.ExecContext(ctx, args...)
	case c.tx != nil:
		return c.tx.ExecContext(ctx, query, args...)
	}
	return c.p.db.ExecContext(ctx, query, args...)
}
