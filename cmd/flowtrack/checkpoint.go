package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/flowtrack/flowtrack/sqlite"
)

// checkpoint is `flowtrack checkpoint PATH`, the process serve starts on
// SQLite to copy the WAL into the database (see sqlite.Options). It lives
// as long as its standard input, the pipe from serve, stays open: serve
// ends it by closing the pipe, and a serve that dies closes it too. It
// ignores the interrupt a terminal sends to both, so that serve, which
// drains its requests first, stops it last.
func checkpoint(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("checkpoint takes the database file's path; serve starts it")
	}
	signal.Ignore(os.Interrupt, syscall.SIGTERM)
	// The process keeps under 1 MB live and each copy leaves a little
	// garbage, about 5 KB a second. At the runtime's default the heap grew
	// to its 4 MB floor before the first collection, which took the
	// process from 2.5 MB to 5.7 MB resident over eight minutes of a
	// benchmark; collecting at 10 % growth (after returning what start-up
	// left) kept it at 3.8-4.6 MB, for a collection of a small heap every
	// minute or two. A GOGC set by the operator stands.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(10)
		debug.FreeOSMemory()
	}
	return sqlite.RunCheckpointer(context.WithoutCancel(ctx), args[0], stdin, stdout)
}

// checkpointCommand returns the command that starts this program's
// checkpoint process, its errors going to stderr; nil if the program
// cannot find itself, and SQLite then checkpoints in process.
func checkpointCommand(stderr io.Writer) func(path string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	return func(path string) *exec.Cmd {
		cmd := exec.Command(exe, "checkpoint", path)
		cmd.Stderr = stderr
		return cmd
	}
}
