package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowtrack/flowtrack/sqlite"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fakeEnv returns a getenv over a map.
func fakeEnv(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestRunRejectsBadSettings(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "x.db")
	cases := []struct {
		name, variable, value string
	}{
		{"address", "FLOWTRACK_ADDR", "nonsense"},
		{"port", "FLOWTRACK_ADDR", "127.0.0.1:99999"},
		{"database scheme", "FLOWTRACK_DATABASE_URL", "mysql://x"},
		{"empty sqlite path", "FLOWTRACK_DATABASE_URL", "sqlite:"},
		{"short key", "FLOWTRACK_SECRET_KEY", "short"},
		{"access lifetime", "FLOWTRACK_ACCESS_TOKEN_LIFETIME", "five minutes"},
		{"negative access lifetime", "FLOWTRACK_ACCESS_TOKEN_LIFETIME", "-5m"},
		{"refresh lifetime", "FLOWTRACK_REFRESH_TOKEN_LIFETIME", "0"},
		{"signup", "FLOWTRACK_ALLOW_SIGNUP", "maybe"},
		{"secure cookies", "FLOWTRACK_SECURE_COOKIES", "https"},
		{"pool size", "FLOWTRACK_DATABASE_MAX_CONNS", "0"},
		{"pool size not a number", "FLOWTRACK_DATABASE_MAX_CONNS", "many"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vars := map[string]string{"FLOWTRACK_DATABASE_URL": db, "FLOWTRACK_ADDR": "127.0.0.1:0", c.variable: c.value}
			var stdout, stderr syncBuffer
			err := run(context.Background(), []string{"serve"}, fakeEnv(vars), nil, &stdout, &stderr)
			if err == nil {
				t.Fatal("run accepted a bad setting")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, c.variable+":") || strings.Contains(msg, "\n") {
				t.Errorf("error %q should be one line starting with %s:", msg, c.variable)
			}
		})
	}
	t.Run("postgres without a key", func(t *testing.T) {
		vars := map[string]string{"FLOWTRACK_DATABASE_URL": "postgres://127.0.0.1:1/none"}
		err := run(context.Background(), nil, fakeEnv(vars), nil, &syncBuffer{}, &syncBuffer{})
		if err == nil || !strings.HasPrefix(err.Error(), "FLOWTRACK_SECRET_KEY:") {
			t.Fatalf("got %v, want an error naming FLOWTRACK_SECRET_KEY", err)
		}
	})
	t.Run("unknown command", func(t *testing.T) {
		err := run(context.Background(), []string{"frobnicate"}, fakeEnv(nil), nil, &syncBuffer{}, &syncBuffer{})
		if err == nil || !strings.Contains(err.Error(), "frobnicate") {
			t.Fatalf("got %v", err)
		}
	})
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startServer runs `flowtrack serve` on port 0 and returns its base URL
// and a function that stops it (as SIGTERM does) and returns run's error.
func startServer(t *testing.T, vars map[string]string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, fakeEnv(vars), nil, &stdout, &stderr) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], func() error { cancel(); return <-done }
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve stopped: %v; stderr: %s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start; stderr: %s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// post sends a JSON POST and decodes the answer into out.
func post(base, path, access string, body any, out any) (int, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if access != "" {
		req.Header.Set("Authorization", "Bearer "+access)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if out != nil {
		json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode, nil
}

// TestServeDefaultsAndShutdown starts the whole program with only a
// database path and an address, writes tasks from many clients, stops it
// as SIGTERM would mid-writes, and checks every acknowledged task is stored.
func TestServeDefaultsAndShutdown(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "flowtrack.db")
	base, stop := startServer(t, map[string]string{
		"FLOWTRACK_ADDR": "127.0.0.1:0", "FLOWTRACK_DATABASE_URL": "sqlite:" + dbPath})

	if code, err := post(base, "/api/auth/register/", "", map[string]string{
		"username": "ann", "email": "ann@example.com", "password": "a-long-pass-phrase"}, nil); err != nil || code != 201 {
		t.Fatalf("register: %d %v", code, err)
	}
	var pair struct{ Access string }
	if code, err := post(base, "/api/auth/login/", "", map[string]string{
		"username": "ann", "password": "a-long-pass-phrase"}, &pair); err != nil || code != 200 {
		t.Fatalf("login: %d %v", code, err)
	}
	var project, workflow struct{ ID int64 }
	post(base, "/api/projects/", pair.Access, map[string]string{"name": "P"}, &project)
	post(base, "/api/workflows/", pair.Access, map[string]any{"project": project.ID, "name": "W"}, &workflow)

	var mu sync.Mutex
	acked := map[int64]bool{}
	var wg sync.WaitGroup
	var stopping atomic.Bool
	for c := 0; c < 16; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stopping.Load() || i < 1; i++ {
				var task struct{ ID int64 }
				code, err := post(base, "/api/tasks/", pair.Access, map[string]any{"workflow": workflow.ID, "title": fmt.Sprint("t", i)}, &task)
				if err != nil {
					return // the server stopped accepting: not acknowledged
				}
				if code == 201 {
					mu.Lock()
					acked[task.ID] = true
					mu.Unlock()
				} else if code >= 500 {
					t.Errorf("status %d during shutdown", code)
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	stopping.Store(true)
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v after shutdown", err)
	}
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no task was acknowledged before shutdown")
	}

	db, err := sqlite.Open(context.Background(), dbPath, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stored int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM tasks`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	for id := range acked {
		var one int
		if err := db.SQL().QueryRow(`SELECT 1 FROM tasks WHERE id = $1`, id).Scan(&one); err != nil {
			t.Errorf("acknowledged task %d is lost: %v", id, err)
		}
	}
	if stored < len(acked) {
		t.Errorf("%d tasks stored, %d acknowledged", stored, len(acked))
	}
	t.Logf("%d tasks acknowledged before shutdown, %d stored", len(acked), stored)
}

// TestServeMountsThePanel checks that serve answers the panel beside the
// API, through the same request ids and access log.
func TestServeMountsThePanel(t *testing.T) {
	base, stop := startServer(t, map[string]string{
		"FLOWTRACK_ADDR": "127.0.0.1:0", "FLOWTRACK_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "f.db")})
	defer stop()
	res, err := http.Get(base + "/admin/login/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("X-Request-Id") == "" ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /admin/login/: %d %v", res.StatusCode, res.Header)
	}
}

// TestMain lets serve, under test, start its checkpoint process from the
// test binary, as it starts it from flowtrack.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "checkpoint" {
		main()
		return
	}
	os.Exit(m.Run())
}
