package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// TestQueriesKeepTheirTurn checks that a query keeps its turn until its
// rows are read, and a transaction until it ends: a query let in while
// they still hold their connections would wait for one inside
// database/sql, which serves its waiters in no order.
func TestQueriesKeepTheirTurn(t *testing.T) {
	drivers := map[string]string{"sqlite": "file::memory:"}
	if url := os.Getenv("FLOWTRACK_TEST_POSTGRES"); url != "" {
		drivers["pgx"] = url
	}
	for driver, source := range drivers {
		t.Run(driver, func(t *testing.T) {
			db, err := sql.Open(driver, source)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(2)
			p := newPool(db, Engine{}, new(atomic.Int64))
			c := conn{p: p}
			ctx := t.Context()

			rows, err := c.QueryContext(ctx, `SELECT 1 UNION ALL SELECT 2`)
			if err != nil {
				t.Fatal(err)
			}
			row := c.QueryRowContext(ctx, `SELECT 3`)
			waitsForTurn(t, c)

			// Read to the end, rows give back their turn without Close.
			for rows.Next() {
			}
			var n int
			if err := row.Scan(&n); err != nil || n != 3 {
				t.Fatalf("row: %d, %v", n, err)
			}
			if len(p.gate) != 0 {
				t.Fatalf("%d turns still held after the rows were read", len(p.gate))
			}

			tx, leave, err := p.begin(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			other, leaveOther, err := p.begin(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			waitsForTurn(t, c)
			tx.Rollback()
			leave()
			other.Rollback()
			leaveOther()
			if _, err := c.ExecContext(ctx, `SELECT 4`); err != nil {
				t.Fatalf("after the transactions: %v", err)
			}
		})
	}
}

// waitsForTurn checks that, with every turn held, a query waits for its
// turn and never for a connection.
func waitsForTurn(t *testing.T, c conn) {
	t.Helper()
	before := c.p.db.Stats().WaitCount
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	var n int
	err := c.QueryRowContext(ctx, `SELECT 5`).Scan(&n)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a query with every turn held: %v, want it to wait", err)
	}
	if waits := c.p.db.Stats().WaitCount - before; waits != 0 {
		t.Fatalf("a query waited %d times for a connection inside database/sql", waits)
	}
}
