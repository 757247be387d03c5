//go:build unix

package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// checkpointPathEnv, set, makes the test binary a checkpoint process for
// the file it names, as `flowtrack checkpoint` is for serve.
const checkpointPathEnv = "FLOWTRACK_TEST_CHECKPOINT_PATH"

func TestMain(m *testing.M) {
	if path := os.Getenv(checkpointPathEnv); path != "" {
		if err := RunCheckpointer(context.Background(), path, os.Stdin, os.Stdout); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// lockedBuffer is a log destination safe for the store's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// openWithProcess opens a store whose checkpoint process is this test
// binary, and returns the process's command and the store's log.
func openWithProcess(t *testing.T, path string) (*exec.Cmd, *lockedBuffer, func() error) {
	t.Helper()
	var cmd *exec.Cmd
	logs := &lockedBuffer{}
	db, err := Open(t.Context(), path, Options{
		Checkpointer: func(p string) *exec.Cmd {
			cmd = exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), checkpointPathEnv+"="+p)
			cmd.Stderr = os.Stderr
			return cmd
		},
		Log: slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return cmd, logs, db.Close
}

// filler writes to the database at path beside the store: in WAL mode a
// write reaches the database file only when a checkpoint copies it.
func filler(t *testing.T, path string) func() {
	t.Helper()
	db, err := sql.Open("sqlite", fileName(path)+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("CREATE TABLE filler (b BLOB)"); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if _, err := db.Exec("INSERT INTO filler VALUES (randomblob(200000))"); err != nil {
			t.Fatal(err)
		}
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

// waitStopped waits until the process pid is stopped by a signal, as
// Linux's /proc tells; elsewhere it gives the signal a moment.
func waitStopped(t *testing.T, pid int) {
	t.Helper()
	stat := filepath.Join("/proc", strconv.Itoa(pid), "stat")
	if _, err := os.Stat(stat); err != nil {
		time.Sleep(100 * time.Millisecond)
		return
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		b, err := os.ReadFile(stat)
		if err != nil {
			t.Fatal(err)
		}
		// The state follows the command's name, which is in parentheses.
		if fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:])); len(fields) > 0 && fields[0] == "T" {
			return
		}
	}
	t.Fatal("the checkpoint process did not stop")
}

// waitForCopy waits until the database file is larger than before: a
// checkpoint has copied the WAL into it.
func waitForCopy(t *testing.T, path string, before int64, by string) int64 {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if size := fileSize(t, path); size > before {
			return size
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the WAL was not copied into the database %s", by)
	return 0
}

func TestCheckpointProcessCopiesTheWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flowtrack.db")
	cmd, logs, _ := openWithProcess(t, path)
	write := filler(t, path)

	write()
	size := waitForCopy(t, path, fileSize(t, path), "by the checkpoint process")

	// While the process lives, the store leaves the copying to it: with
	// the process frozen, nothing is copied. The size is taken once it is
	// frozen, as a copy it had begun may have grown the file since.
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitStopped(t, cmd.Process.Pid)
	size = fileSize(t, path)
	write()
	time.Sleep(5 * checkpointEvery)
	if got := fileSize(t, path); got != size {
		t.Fatalf("the database grew from %d to %d bytes while the checkpoint process was stopped: the store copied too", size, got)
	}
	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	size = waitForCopy(t, path, size, "once the checkpoint process went on")

	// A process that dies leaves the copying to the store, which says so.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	write()
	waitForCopy(t, path, size, "by the store after its checkpoint process died")
	if !strings.Contains(logs.String(), "the checkpoint process ended") {
		t.Errorf("the store's log does not say its checkpoint process ended: %q", logs.String())
	}
}

func TestCloseEndsTheCheckpointProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flowtrack.db")
	cmd, logs, closeStore := openWithProcess(t, path)
	if err := closeStore(); err != nil {
		t.Fatal(err)
	}
	if cmd.ProcessState == nil || !cmd.ProcessState.Exited() || cmd.ProcessState.ExitCode() != 0 {
		t.Fatalf("after Close the checkpoint process is %v, want exited with 0", cmd.ProcessState)
	}
	if logs.String() != "" {
		t.Errorf("a checkpoint process stopped by Close was reported: %q", logs.String())
	}
}

func TestStoreWithoutCheckpointProcessCopies(t *testing.T) {
	for name, opts := range map[string]Options{
		"none configured":  {},
		"one cannot start": {Checkpointer: func(string) *exec.Cmd { return exec.Command(filepath.Join(t.TempDir(), "missing")) }},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "flowtrack.db")
			db, err := Open(t.Context(), path, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			write := filler(t, path)
			before := fileSize(t, path)
			write()
			waitForCopy(t, path, before, "by the store")
		})
	}
}

func TestCheckpointerAsksForRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flowtrack.db")
	write := filler(t, path)

	in, stdin := io.Pipe()
	stdout, out := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- runCheckpointer(context.Background(), path, in, out, 1) }()
	write()
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || lines.Text() != restartLine {
		t.Fatalf("the checkpointer wrote %q, want %q once the WAL is long and copied", lines.Text(), restartLine)
	}
	go io.Copy(io.Discard, stdout)
	stdin.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the checkpointer went on after its input ended")
	}
}

// withScriptedProcess returns checkpointing whose checkpoint process is
// the shell script, which stands in for RunCheckpointer, and whose
// restarts call restart.
func withScriptedProcess(t *testing.T, script string, restart func(context.Context)) *checkpointing {
	t.Helper()
	ckpt, err := openCheckpointer(filepath.Join(t.TempDir(), "flowtrack.db"))
	if err != nil {
		t.Fatal(err)
	}
	c := &checkpointing{ckpt: ckpt, restartAt: restartFrames}
	if c.process, err = startCheckpointProcess(exec.Command("sh", "-c", script), nil, restart); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStoreRunsTheRestartsItIsAskedForAtOnce(t *testing.T) {
	ran := make(chan struct{}, 10)
	// A process that asks for two restarts and then waits for its input
	// to end: the store runs each as it is asked, without a maintain.
	c := withScriptedProcess(t, "echo restart; echo other; echo restart; cat >/dev/null",
		func(context.Context) { ran <- struct{}{} })
	for i := range 2 {
		select {
		case <-ran:
		case <-time.After(5 * time.Second):
			t.Fatalf("the store ran %d of the 2 restarts its checkpoint process asked for", i)
		}
	}
	select {
	case <-ran:
		t.Fatal("the store ran a restart it was not asked for")
	case <-time.After(100 * time.Millisecond):
	}
	if err := c.release(); err != nil {
		t.Fatal(err)
	}
	if c.process.running() {
		t.Fatal("release left the checkpoint process running")
	}
}

func TestReleaseEndsARestartUnderWay(t *testing.T) {
	started := make(chan struct{})
	// A restart that waits for the writer as long as its context lets it.
	c := withScriptedProcess(t, "echo restart; cat >/dev/null",
		func(ctx context.Context) { close(started); <-ctx.Done() })
	<-started
	released := make(chan error, 1)
	go func() { released <- c.release() }()
	select {
	case err := <-released:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("release waited for a restart under way")
	}
}
