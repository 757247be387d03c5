package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/flowtrack/flowtrack/postgres"
	"github.com/flowtrack/flowtrack/sqlite"
	"github.com/flowtrack/flowtrack/sqlstore"
)

// config is FlowTrack's configuration, read from the environment.
type config struct {
	addr        string
	engine      string // "sqlite" or "postgres"
	dsn         string // the SQLite path or the PostgreSQL URL
	maxConns    int    // connections for reads and writes (SQLite: readers), 0 for the default
	secretKey   []byte
	accessTTL   time.Duration
	refreshTTL  time.Duration
	allowSignup bool
	// secureCookies marks the panel's cookies Secure when a proxy in
	// front terminates TLS, so the process itself sees plain HTTP.
	secureCookies bool
}

// minSecretKey is the shortest secret key accepted: HS256 wants 256 bits.
const minSecretKey = 32

// loadConfig reads and checks every variable; the error names the first
// bad one in a single line.
func loadConfig(getenv func(string) string) (*config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	c := &config{addr: env("FLOWTRACK_ADDR", "127.0.0.1:8000")}
	if _, port, err := net.SplitHostPort(c.addr); err != nil || !validPort(port) {
		return nil, fmt.Errorf("FLOWTRACK_ADDR: %q is not a host:port address", c.addr)
	}
	dbURL := env("FLOWTRACK_DATABASE_URL", "sqlite:flowtrack.db")
	switch {
	case strings.HasPrefix(dbURL, "sqlite:"):
		c.engine, c.dsn = "sqlite", strings.TrimPrefix(strings.TrimPrefix(dbURL, "sqlite:"), "//")
		if c.dsn == "" {
			return nil, errors.New("FLOWTRACK_DATABASE_URL: sqlite: needs a file path, as in sqlite:flowtrack.db")
		}
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		c.engine, c.dsn = "postgres", dbURL
	default:
		return nil, errors.New("FLOWTRACK_DATABASE_URL: must start with sqlite: or postgres://")
	}
	if v := getenv("FLOWTRACK_DATABASE_MAX_CONNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return nil, fmt.Errorf("FLOWTRACK_DATABASE_MAX_CONNS: %q is not a number of connections from 1 to 10000", v)
		}
		c.maxConns = n
	}
	var err error
	if c.accessTTL, err = duration(getenv, "FLOWTRACK_ACCESS_TOKEN_LIFETIME", "5m"); err != nil {
		return nil, err
	}
	if c.refreshTTL, err = duration(getenv, "FLOWTRACK_REFRESH_TOKEN_LIFETIME", "24h"); err != nil {
		return nil, err
	}
	signup := env("FLOWTRACK_ALLOW_SIGNUP", "true")
	if c.allowSignup, err = strconv.ParseBool(signup); err != nil {
		return nil, fmt.Errorf("FLOWTRACK_ALLOW_SIGNUP: %q is not true or false", signup)
	}
	secure := env("FLOWTRACK_SECURE_COOKIES", "false")
	if c.secureCookies, err = strconv.ParseBool(secure); err != nil {
		return nil, fmt.Errorf("FLOWTRACK_SECURE_COOKIES: %q is not true or false", secure)
	}
	if key := getenv("FLOWTRACK_SECRET_KEY"); key != "" {
		if len(key) < minSecretKey {
			return nil, fmt.Errorf("FLOWTRACK_SECRET_KEY: must be at least %d characters", minSecretKey)
		}
		c.secretKey = []byte(key)
	} else if c.engine == "postgres" {
		return nil, errors.New("FLOWTRACK_SECRET_KEY: required with PostgreSQL, so that every process signs alike")
	}
	return c, nil
}

func validPort(port string) bool {
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535
}

func duration(getenv func(string) string, name, def string) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		v = def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s: %q is not a positive Go duration such as 5m or 24h", name, v)
	}
	return d, nil
}

// loadSecretKey returns the configured key or, for SQLite, the key kept in
// a 0600 file beside the database, generating it on first use.
func (c *config) loadSecretKey() ([]byte, error) {
	if c.secretKey != nil {
		return c.secretKey, nil
	}
	path := c.dsn + ".secret"
	key, err := os.ReadFile(path)
	if err == nil {
		if len(strings.TrimSpace(string(key))) < minSecretKey {
			return nil, fmt.Errorf("secret key file %s: shorter than %d characters", path, minSecretKey)
		}
		return []byte(strings.TrimSpace(string(key))), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	b := make([]byte, 32)
	rand.Read(b)
	key = []byte(hex.EncodeToString(b))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	// Write a temporary file and link it into place: the link fails if
	// another process made the key first, and nobody reads a partial key.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".flowtrack-secret-*")
	if err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(key, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), path)
	}
	if errors.Is(err, fs.ErrExist) {
		return c.loadSecretKey()
	}
	if err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	return key, nil
}

// deriveKey makes a key for one purpose from the secret key, so no key
// serves two purposes.
func deriveKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// openStore opens the configured database. SQLite is migrated on open;
// PostgreSQL is returned with its migrations for the caller to apply or
// check. sqliteOpts is for SQLite, with its readers set from the config.
func (c *config) openStore(ctx context.Context, sqliteOpts sqlite.Options) (*sqlstore.DB, *sqlstore.Migrations, error) {
	if c.engine == "sqlite" {
		sqliteOpts.Readers = c.maxConns
		db, err := sqlite.Open(ctx, c.dsn, sqliteOpts)
		return db, nil, err
	}
	return postgres.Open(ctx, c.dsn, c.maxConns)
}

// openCurrentStore opens the configured database for serving: SQLite is
// migrated, PostgreSQL must have been migrated already.
func (c *config) openCurrentStore(ctx context.Context, sqliteOpts sqlite.Options) (*sqlstore.DB, error) {
	db, migrations, err := c.openStore(ctx, sqliteOpts)
	if err != nil {
		return nil, err
	}
	if migrations != nil {
		if err := migrations.Check(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// version is the module version the binary was built from.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " (" + s.Value[:12] + ")"
		}
	}
	return v
}
