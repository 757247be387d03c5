// Package storetest opens throwaway stores on every engine for tests, and
// holds the conformance suite that every engine must pass.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to create databases

	"github.com/flowtrack/flowtrack/postgres"
	"github.com/flowtrack/flowtrack/sqlite"
	"github.com/flowtrack/flowtrack/sqlstore"
)

// PostgresEnv names the variable holding the URL of a PostgreSQL server on
// which tests may create and drop databases. Unset, only SQLite is tested.
const PostgresEnv = "FLOWTRACK_TEST_POSTGRES"

// Engines returns the engines to test: SQLite, and PostgreSQL when
// PostgresEnv is set.
func Engines() []string {
	if os.Getenv(PostgresEnv) == "" {
		return []string{"sqlite"}
	}
	return []string{"sqlite", "postgres"}
}

// EachEngine runs f as a parallel subtest named after each engine under test.
func EachEngine(t *testing.T, f func(t *testing.T, engine string)) {
	t.Helper()
	for _, engine := range Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			f(t, engine)
		})
	}
}

// Open returns an empty, migrated store of the engine that is deleted
// when the test ends. A PostgreSQL server that cannot be reached fails the
// test: it never skips.
func Open(t testing.TB, engine string) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	switch engine {
	case "sqlite":
		db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "flowtrack.db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	case "postgres":
		dbURL := CreatePostgresDatabase(t)
		db, m, err := postgres.Open(ctx, dbURL, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		return db
	}
	t.Fatalf("unknown engine %q", engine)
	return nil
}

// CreatePostgresDatabase creates a database with a random name on the
// server of PostgresEnv, drops it when the test ends, and returns its URL.
func CreatePostgresDatabase(t testing.TB) string {
	t.Helper()
	serverURL := os.Getenv(PostgresEnv)
	if serverURL == "" {
		t.Fatalf("%s is not set", PostgresEnv)
	}
	admin, err := sql.Open("pgx", serverURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 8)
	rand.Read(b)
	name := "flowtrack_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
