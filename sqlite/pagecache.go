package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"time"
)

// releaseEvery is how often cacheRelease frees a cache's worth of pages.
const releaseEvery = time.Second

// cacheRelease keeps the page caches of the process's connections from
// starving one another.
//
// The driver's SQLite is built with SQLITE_ENABLE_MEMORY_MANAGEMENT, so
// the page caches of all the connections in a process take their pages
// from one pool, whose limit is their cache sizes added up. A connection
// whose cache is full takes the pool's least recently used page, whoever
// holds it, and so may hold several times its own size. Once the pool is
// at its limit, a connection that has lost pages that way gets none
// back: each page it reads is allocated over the limit and freed as soon
// as it is let go of, so it reads the same pages from the file again and
// again. That lasts until pages are freed elsewhere. A commit frees them
// (a reader drops its cache when the file has changed), so only long
// stretches of reads showed it: after the list benchmarks at 100,000
// tasks a cursor page read about 60 pages from the file instead of none,
// and the server served 2,300-2,400 of them a second instead of 5,500.
//
// So every releaseEvery a connection of its own sets its cache size to 0
// and back, which frees the pool's coldest cache's worth of pages and
// leaves that much room for the starved. Emptying every cache at once
// (PRAGMA shrink_memory) did as well for the cursor pages, but froze
// every page read in the process while it freed them, 7-31 ms with five
// connections, against well under a millisecond for one cache's worth.
//
// maintain is called from the store's maintenance loop, never
// concurrently.
type cacheRelease struct {
	db   *sql.DB // one connection, which reads nothing
	last time.Time
}

// openCacheRelease opens the release's connection to the file at path,
// with the cache size every connection of the store has.
func openCacheRelease(path string) (*cacheRelease, error) {
	db, err := sql.Open("sqlite", readerName(path))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return &cacheRelease{db: db}, nil
}

func (r *cacheRelease) maintain(ctx context.Context) {
	if now := time.Now(); now.Sub(r.last) >= releaseEvery {
		r.last = now
		r.release(ctx)
	}
}

// release frees the pool's coldest cache's worth of pages. It fails only
// if the connection does, and then the next release tries again.
func (r *cacheRelease) release(ctx context.Context) error {
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA cache_size = 0"); err != nil {
		return err
	}
	// Put the size back, or the pool's limit stays a cache smaller.
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA "+cacheSize); err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
		return err
	}
	return nil
}

func (r *cacheRelease) close() error { return r.db.Close() }
