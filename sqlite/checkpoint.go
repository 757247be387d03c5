package sqlite

import (
	"bufio"
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"log/slog"
	"os/exec"
	"sync"
	"time"
)

// Checkpointing copies the WAL into the database in the background, five
// times a second. The checkpoint each commit would run can copy only up
// to the oldest snapshot a reader holds, and with readers always about it
// never finishes; and SQLite runs it only when a write statement steps to
// its end, which an INSERT ... RETURNING read with QueryRow never does
// (database/sql resets the statement after its row: 5,000 such inserts
// left a 21 MB WAL and the database untouched, where Execs kept a 4 MB
// WAL). So the WAL, and the cost of every read and write through it, grew
// without end: creates fell from about 3,300 to 1,400 a second over 20 s
// of load. A PASSIVE checkpoint on its own connection copies the WAL
// beside the writer. Once the WAL is long and fully copied, a RESTART
// lets the next write start it over; it runs on the writer's connection,
// taken in turn like any write, because from another connection it made
// the writes waiting behind it back off in ever longer sleeps (up to 25
// ms each), which put 150 ms into the p99 of creates. It waits 20 ms at
// most for old readers.
//
// The PASSIVE copy is best run in a checkpoint process of its own
// (Options.Checkpointer, RunCheckpointer): its fsyncs take 1-13 ms, and a
// Go program on one core has one P, which a goroutine blocked in fsync
// holds until the runtime's monitor takes it back, so the whole server
// stalled behind each one. Create p99 under load, in paired runs: 55-67 ms
// with the copy in process, 17-23 ms without, as the bare handler's.

// checkpointEvery is how often the WAL is copied, in either process.
const checkpointEvery = 200 * time.Millisecond

// restartFrames is the WAL's length, in pages, past which it is
// restarted: 64 MiB, about 600 ms of creates at full speed. At 16 MiB the
// writer was held for a RESTART every 200 ms, 5-10 % of the time, which
// showed in the p99 of writes.
const restartFrames = 16384

// restartLine is what the checkpoint process writes when the WAL should
// be restarted.
const restartLine = "restart"

// openCheckpointer opens the connection the PASSIVE copies run on; it
// waits 20 ms at most for a lock.
func openCheckpointer(path string) (*sql.DB, error) {
	ckpt, err := sql.Open("sqlite", fileName(path)+"?_pragma=busy_timeout(20)")
	if err != nil {
		return nil, err
	}
	ckpt.SetMaxOpenConns(1)
	return ckpt, nil
}

// copyWAL runs a PASSIVE checkpoint and reports whether the WAL is now
// long enough, and copied, to be restarted.
func copyWAL(ctx context.Context, ckpt *sql.DB, restartAt int) bool {
	var busy, frames, copied int
	err := ckpt.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
	if err != nil || frames < restartAt || copied != frames {
		return false
	}
	// Copy again what was written while the first copy ran (tens of
	// milliseconds under load), so that the RESTART, which holds the
	// writer, has little left to copy: it held it 9-17 ms, now 5-10.
	ckpt.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
	return true
}

// restartWAL runs a RESTART checkpoint on the writer's connection,
// waiting 20 ms at most for readers instead of the writer's usual timeout.
func restartWAL(ctx context.Context, write *sql.DB) {
	conn, err := write.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 20"); err != nil {
		return
	}
	conn.ExecContext(ctx, "PRAGMA wal_checkpoint(RESTART)")
	// Put the writer's timeout back, or the connection is of no more use.
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA busy_timeout = "+busyTimeout); err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// RunCheckpointer is the checkpoint process's work: it copies the WAL of
// the database at path every checkpointEvery and writes a line to out
// whenever the WAL should be restarted, until in ends (the store closes
// its end of the pipe, or dies) or ctx does. `flowtrack checkpoint` runs
// it for `flowtrack serve`.
func RunCheckpointer(ctx context.Context, path string, in io.Reader, out io.Writer) error {
	return runCheckpointer(ctx, path, in, out, restartFrames)
}

func runCheckpointer(ctx context.Context, path string, in io.Reader, out io.Writer, restartAt int) error {
	ckpt, err := openCheckpointer(path)
	if err != nil {
		return err
	}
	defer ckpt.Close()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		io.Copy(io.Discard, in)
		stop()
	}()
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if copyWAL(ctx, ckpt, restartAt) {
				if _, err := io.WriteString(out, restartLine+"\n"); err != nil {
					return err
				}
			}
		}
	}
}

// checkpointing is the store's side of checkpointing: the PASSIVE copies
// run in a checkpoint process while it lives, and on ckpt, in process,
// without one (none configured, or it could not start or has ended).
type checkpointing struct {
	ckpt      *sql.DB
	restartAt int
	restart   func(ctx context.Context) // restartWAL on the writer
	process   *checkpointProcess        // nil without one
}

// maintain is the store's Maintain: it copies the WAL while no
// checkpoint process does.
func (c *checkpointing) maintain(ctx context.Context) {
	if c.process != nil && c.process.running() {
		return
	}
	if copyWAL(ctx, c.ckpt, c.restartAt) {
		c.restart(ctx)
	}
}

// release ends the checkpoint process, if any, and closes ckpt.
func (c *checkpointing) release() error {
	if c.process != nil {
		c.process.stop()
	}
	return c.ckpt.Close()
}

// checkpointProcess is a running checkpoint process.
type checkpointProcess struct {
	cmd      *exec.Cmd
	stdin    io.Closer          // closing it ends the process
	cancel   context.CancelFunc // ends a restart under way
	ended    chan struct{}      // closed once it has ended
	stopped  chan struct{}      // closed by stop, so the end it brings is not reported
	stopOnce sync.Once
}

// startCheckpointProcess starts cmd, which must run RunCheckpointer on
// the store's file and return once its standard input ends, and calls
// restart each time it asks for a RESTART. It calls it at once, not at
// the next maintain: the process asks just after copying the WAL, and
// every frame written since is one more for the RESTART to copy and
// sync while it holds the writer. Run up to 200 ms later, its fsync of
// the WAL took 14-40 ms (strace, creates at full speed), at once about
// 1 ms; the p99 of the time a create spent in the server fell from 26 ms
// to under 1. log hears if the process ends while the store is open.
func startCheckpointProcess(cmd *exec.Cmd, log *slog.Logger, restart func(ctx context.Context)) (*checkpointProcess, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		stdin.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		stdin.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &checkpointProcess{cmd: cmd, stdin: stdin, cancel: cancel,
		ended: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(p.ended)
		defer cancel() // also when the process ends by itself
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if lines.Text() == restartLine && ctx.Err() == nil {
				restart(ctx)
			}
		}
		err := cmd.Wait()
		if log != nil && !p.stopping() {
			log.Warn("the checkpoint process ended; checkpointing in this process", slog.Any("error", err))
		}
	}()
	return p, nil
}

func (p *checkpointProcess) running() bool { return !closed(p.ended) }

// stop ends the process: it returns once its standard input ends, or
// is killed if it has not within stopWait.
func (p *checkpointProcess) stop() {
	p.stopOnce.Do(func() { close(p.stopped) })
	p.cancel()
	p.stdin.Close()
	select {
	case <-p.ended:
	case <-time.After(stopWait):
		p.cmd.Process.Kill()
		<-p.ended
	}
}

// stopWait is how long a checkpoint process is given to finish its copy.
const stopWait = 10 * time.Second

// stopping reports whether stop has been called.
func (p *checkpointProcess) stopping() bool { return closed(p.stopped) }

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
