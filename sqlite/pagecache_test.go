package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"modernc.org/sqlite"
)

// TestReleaseGivesAStarvedCacheItsPagesBack puts a reader's page cache
// in the state the shared pool leaves it in (see cacheRelease), where it
// reads the same pages from the file every time, and checks that a
// release ends it. The pool is the process's: the test must not run in
// parallel with others that open SQLite connections, and the package's
// tests close theirs.
func TestReleaseGivesAStarvedCacheItsPagesBack(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "caches.db")
	setup, err := sql.Open("sqlite", fileName(path)+"?"+pragmas)
	if err != nil {
		t.Fatal(err)
	}
	defer setup.Close()
	// 4,000 rows of 1,000 bytes: about 1,000 pages, where a cache of
	// 500 KiB (cacheSize) holds about 120.
	for _, stmt := range []string{
		"CREATE TABLE big (id INTEGER PRIMARY KEY, b BLOB)",
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000) INSERT INTO big SELECT i, randomblob(1000) FROM n",
	} {
		if _, err := setup.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	if err := setup.Close(); err != nil {
		t.Fatal(err)
	}

	// Every connection is open from the start: opening one adds its
	// cache's size to the pool's limit, which would end the state too.
	release, err := openCacheRelease(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { release.close() })
	if err := release.release(ctx); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", readerName(path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() }) // after the connections' cleanups
	db.SetMaxOpenConns(3)
	db.SetMaxIdleConns(3)
	conn := func() *sql.Conn {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	run := func(c *sql.Conn, query string) {
		var n int64
		if err := c.QueryRowContext(ctx, query).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	const scan = "SELECT sum(length(b)) FROM big"
	const few = "SELECT sum(length(b)) FROM big WHERE id <= 40" // about ten pages
	// cacheMisses returns c's cache misses since the last call.
	cacheMisses := func(c *sql.Conn) int {
		var n int
		err := c.Raw(func(dc any) error {
			var err error
			n, _, err = dc.(sqlite.DBStatus).Status(sqlite.DBStatusCacheMiss, true)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// misses reads few twice on conn and returns the cache misses of
	// the second time: none while conn keeps the pages it reads.
	misses := func(conn *sql.Conn) int {
		run(conn, few)
		cacheMisses(conn)
		run(conn, few)
		return cacheMisses(conn)
	}

	a, b, c := conn(), conn(), conn()
	readers := []*sql.Conn{a, b, c}
	// mostMissed returns the most misses of a second read among readers.
	mostMissed := func() int {
		most := 0
		for _, r := range readers {
			most = max(most, misses(r))
		}
		return most
	}
	if n := mostMissed(); n != 0 {
		t.Fatalf("a fresh cache missed %d pages it had just read", n)
	}
	// Each scan, once its connection's cache is full, takes the pool's
	// least recently used pages, the other connections'; within a few
	// rounds the pool is at its limit and some connection has lost its
	// pages.
	starved := 0
	for round := 0; round < 5 && starved < 5; round++ {
		run(a, scan)
		run(c, scan)
		run(b, scan)
		starved = mostMissed()
	}
	t.Logf("a starved reader's second read of about ten pages missed %d", starved)
	if starved < 5 {
		t.Fatalf("no reader's cache missed more than %d pages it had just read; the starved state is not reproduced: another SQLite connection is open in the process, or the driver's SQLite no longer shares one pool among connections (and cacheRelease can go)", starved)
	}
	if err := release.release(ctx); err != nil {
		t.Fatal(err)
	}
	if n := mostMissed(); n != 0 {
		t.Errorf("after the release a reader's cache missed %d pages it had just read", n)
	}
}
