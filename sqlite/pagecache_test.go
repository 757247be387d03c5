package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"modernc.org/sqlite"
)

// TestReleaseGivesAStarvedCacheItsPagesBack puts a reader's page cache
// in the state the shared pool leaves it in (see pagecache.go), where it
// reads the same pages from the file on every pass, and checks that
// releaseCaches ends it.
func TestReleaseGivesAStarvedCacheItsPagesBack(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "caches.db")
	setup, err := sql.Open("sqlite", fileName(path)+"?"+pragmas)
	if err != nil {
		t.Fatal(err)
	}
	// 4,000 rows of 1,000 bytes: about 1,000 pages, where a cache of
	// 500 KiB holds about 120.
	for _, stmt := range []string{
		"CREATE TABLE big (id INTEGER PRIMARY KEY, b BLOB)",
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000) INSERT INTO big SELECT i, randomblob(1000) FROM n",
	} {
		if _, err := setup.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	setup.Close()

	db, err := sql.Open("sqlite", fileName(path)+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Three connections, all open from the start: opening one adds its
	// cache's size to the pool, which would end the starved state too.
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
	// misses reads few twice on c and returns the cache misses of the
	// second time: none while c keeps the pages it reads.
	misses := func(c *sql.Conn) int {
		run(c, few)
		cacheMisses(c)
		run(c, few)
		return cacheMisses(c)
	}

	a, b, c := conn(), conn(), conn()
	if n := misses(a); n != 0 {
		t.Fatalf("a fresh cache missed %d pages it had just read", n)
	}
	// a and c fill their caches; then b fills the pool and, once its own
	// cache is full, takes a's pages, the least recently used.
	run(a, scan)
	run(c, scan)
	run(b, scan)
	starved := misses(a)
	t.Logf("a's second read of ten pages missed %d after b took its pages", starved)
	if n := starved; n < 5 {
		t.Fatalf("a's cache missed %d pages it had just read after b took its pages; the starved state is not reproduced (if the driver's SQLite no longer shares one pool among connections, cacheRelease can go)", n)
	}
	c.Close() // releaseCaches runs on it
	if err := releaseCaches(ctx, db); err != nil {
		t.Fatal(err)
	}
	if n := misses(a); n != 0 {
		t.Errorf("after releaseCaches a's cache missed %d pages it had just read", n)
	}
}
