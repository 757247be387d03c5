package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// The driver's SQLite is built with SQLITE_ENABLE_MEMORY_MANAGEMENT, so
// the page caches of all the connections in a process take their pages
// from one pool, as large as their cache sizes added up, and a connection
// whose cache is full takes the pool's least recently used page, whoever
// holds it. Once the pool is full, a connection that has lost pages that
// way keeps none at all: each page it reads is allocated over the pool's
// size and freed as soon as the statement lets go of it. It stays so
// until pages are freed elsewhere. A commit frees them (each reader drops
// its cache when the file has changed), so only long stretches of reads
// showed it: after the list benchmarks at 100,000 tasks, a cursor page
// read about 60 pages from the file instead of none and the server
// served 2,300-2,400 of them a second instead of 5,500, for as long as it
// was left. Emptying the caches now and then gives every connection its
// share back; it costs each one its hot pages again, a few hundred reads
// of pages the operating system holds, once a second.

// releaseEvery is how often the page caches are emptied.
const releaseEvery = time.Second

// cacheRelease empties the process's page caches every releaseEvery; its
// maintain is called from the store's maintenance loop, never
// concurrently.
type cacheRelease struct {
	read *sql.DB
	last time.Time
}

func (r *cacheRelease) maintain(ctx context.Context) {
	if now := time.Now(); now.Sub(r.last) >= releaseEvery {
		r.last = now
		releaseCaches(ctx, r.read)
	}
}

// releaseCaches empties the page caches of every connection in the
// process: on one connection, SQLite frees the shared pool's unused pages
// whichever connection's they are.
func releaseCaches(ctx context.Context, db *sql.DB) error {
	_, err := db.ExecContext(ctx, "PRAGMA shrink_memory")
	return err
}
