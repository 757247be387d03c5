package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/flowtrack/flowtrack/admin"
	"github.com/flowtrack/flowtrack/api"
	"github.com/flowtrack/flowtrack/password"
	"github.com/flowtrack/flowtrack/sqlite"
	"github.com/flowtrack/flowtrack/throttle"
	"github.com/flowtrack/flowtrack/token"
)

// shutdownGrace is how long in-flight requests may take to finish once
// the server is asked to stop.
const shutdownGrace = 30 * time.Second

// serve runs the HTTP server until ctx ends, then drains it.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", args)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	logOut := newLogBuffer(stderr, logBufferSize, logFlushDelay)
	defer logOut.Close()
	log := slog.New(urgentFlush{slog.NewTextHandler(logOut, nil), logOut})
	key, err := cfg.loadSecretKey()
	if err != nil {
		return err
	}
	db, err := cfg.openCurrentStore(ctx, sqlite.Options{Checkpointer: checkpointCommand(stderr), Log: log})
	if err != nil {
		return err
	}
	defer db.Close()
	apiCfg := api.DefaultConfig
	apiCfg.AllowSignup = cfg.allowSignup
	apiCfg.CursorKey = deriveKey(key, "flowtrack list cursors")
	// One hasher, so the bound on concurrent hashing covers both logins.
	hasher := password.NewHasher(password.OWASP, runtime.NumCPU())
	// NewHasher's dummy hash leaves 19 MiB behind, still live at the
	// first collection, which set the next one's goal at twice that: an
	// idle server held 39 MB, where it holds 19 MB once this is freed.
	debug.FreeOSMemory()
	adminCfg := admin.DefaultConfig
	adminCfg.SecureCookies = cfg.secureCookies
	// One set of attempts in progress, so the API's and the panel's logins take turns together.
	apiCfg.Login.Attempts = throttle.NewAttempts()
	adminCfg.Login = apiCfg.Login
	apiServer := api.NewServer(db, token.NewIssuer(key, cfg.accessTTL, cfg.refreshTTL), hasher, log, apiCfg)
	handler := http.NewServeMux()
	handler.Handle("/admin/", apiServer.Logged(admin.New(db, hasher, log, adminCfg)))
	handler.Handle("/", apiServer)

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("FLOWTRACK_ADDR: %w", err)
	}
	srv := &http.Server{
		Handler:           yieldFirst(handler),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "flowtrack %s listening on http://%s (%s)\n", version(), ln.Addr(), db.Engine())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop accepting, let in-flight requests finish; their writes commit
	// before the database is closed.
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// yieldFirst has each writing request's goroutine yield once before it
// is served, which keeps the requests of a busy server in their order.
// Go's scheduler serves the goroutines a processor readied itself (the
// next one to take SQLite's writer, net/http's body readers) from its
// local run queue, and looks at the global one, where the runtime's
// monitor puts the goroutines whose connections have a request waiting,
// only once in 61 turns while the local one is not empty. On one core
// under a load of creates it never was: creates waited up to 140 ms
// before their request was even read (execution trace), and their p99
// was 52-105 ms. A yielding goroutine goes to the tail of the global
// queue, the local one runs dry, and the global one is served in turn:
// p99 18-23 ms, with throughput no lower. Reads do not yield: they cost
// 10-13 % of their throughput with it, and their p99 is in bounds
// without.
func yieldFirst(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			runtime.Gosched()
		}
		next.ServeHTTP(w, r)
	})
}
