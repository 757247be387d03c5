package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowtrack/flowtrack/postgres"
	"github.com/flowtrack/flowtrack/sqlite"
	"github.com/flowtrack/flowtrack/storetest"
)

func TestConfigDefaults(t *testing.T) {
	c, err := loadConfig(fakeEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.addr != "127.0.0.1:8000" || c.engine != "sqlite" || c.dsn != "flowtrack.db" ||
		c.accessTTL.String() != "5m0s" || c.refreshTTL.String() != "24h0m0s" || !c.allowSignup || c.secretKey != nil {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestSecretKeyFile(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "flowtrack.db")
	c := &config{engine: "sqlite", dsn: dsn}
	key, err := c.loadSecretKey()
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(dsn + ".secret")
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("secret key file mode %v, want 0600", info.Mode().Perm())
	}
	again, err := c.loadSecretKey()
	if err != nil || !bytes.Equal(key, again) || len(key) < minSecretKey {
		t.Fatalf("second load: %q %v; first %q", again, err, key)
	}
}

// TestPostgresMigrationGate checks that serve refuses a PostgreSQL
// database whose migrations are behind, and that migrate brings it up.
func TestPostgresMigrationGate(t *testing.T) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		t.Skip("PostgreSQL tests are off: " + storetest.PostgresEnv + " is not set")
	}
	vars := map[string]string{
		"FLOWTRACK_DATABASE_URL": storetest.CreatePostgresDatabase(t),
		"FLOWTRACK_SECRET_KEY":   strings.Repeat("k", 40),
		"FLOWTRACK_ADDR":         "127.0.0.1:0",
	}
	err := run(context.Background(), []string{"serve"}, fakeEnv(vars), nil, &syncBuffer{}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "flowtrack migrate") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("serve on an unmigrated database: %v", err)
	}
	var out syncBuffer
	if err := run(context.Background(), []string{"migrate"}, fakeEnv(vars), nil, &out, &syncBuffer{}); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	_, stop := startServer(t, vars)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestCreateSuperuser(t *testing.T) {
	vars := map[string]string{
		"FLOWTRACK_DATABASE_URL":       "sqlite:" + filepath.Join(t.TempDir(), "f.db"),
		"FLOWTRACK_SUPERUSER_PASSWORD": "staff-pass-phrase",
	}
	var out syncBuffer
	err := run(context.Background(), []string{"createsuperuser", "--username", "root", "--email", "root@example.com"}, fakeEnv(vars), nil, &out, &syncBuffer{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `Superuser "root" created`) {
		t.Fatalf("output %q", out.String())
	}
	err = run(context.Background(), []string{"createsuperuser", "--username", "ROOT", "--email", "bad"}, fakeEnv(vars), nil, &out, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "--email: Enter a valid email address.") {
		t.Fatalf("bad email: %v", err)
	}
	err = run(context.Background(), []string{"createsuperuser", "--username", "ROOT", "--email", "r@example.com"}, fakeEnv(vars), nil, &out, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "--username: A user with that username already exists.") {
		t.Fatalf("duplicate: %v", err)
	}
	delete(vars, "FLOWTRACK_SUPERUSER_PASSWORD")
	err = run(context.Background(), []string{"createsuperuser", "--username", "piped", "--email", "p@example.com"}, fakeEnv(vars),
		strings.NewReader("piped-pass-phrase\n"), &out, &syncBuffer{})
	if err != nil {
		t.Fatalf("password from standard input: %v", err)
	}
}

func TestDatabaseMaxConns(t *testing.T) {
	type poolCase struct {
		engine, value string
		want          int
	}
	cases := []poolCase{{"sqlite", "", sqlite.DefaultReaders()}, {"sqlite", "3", 3}}
	if os.Getenv(storetest.PostgresEnv) != "" {
		cases = append(cases, poolCase{"postgres", "", postgres.DefaultMaxConns()}, poolCase{"postgres", "3", 3})
	}
	for _, c := range cases {
		url := "sqlite:" + filepath.Join(t.TempDir(), "x.db")
		if c.engine == "postgres" {
			url = storetest.CreatePostgresDatabase(t)
		}
		cfg, err := loadConfig(fakeEnv(map[string]string{
			"FLOWTRACK_DATABASE_URL":       url,
			"FLOWTRACK_SECRET_KEY":         strings.Repeat("k", 40),
			"FLOWTRACK_DATABASE_MAX_CONNS": c.value,
		}))
		if err != nil {
			t.Fatal(err)
		}
		db, _, err := cfg.openStore(t.Context(), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// On SQLite the setting sizes the readers' pool.
		if got := db.ReadStats().MaxOpenConnections; got != c.want {
			t.Errorf("%s, FLOWTRACK_DATABASE_MAX_CONNS=%q: pool of %d connections, want %d", c.engine, c.value, got, c.want)
		}
		db.Close()
	}
}
