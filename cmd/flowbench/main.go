// Command flowbench is FlowTrack's load benchmark. For each data size it
// seeds a fresh database, starts `flowtrack serve` and a bare reference
// handler pinned to the first core, drives each scenario with wrk pinned
// to the second, and prints requests/s, latency, errors and peak memory,
// each as a ratio to the bare handler measured in the same run.
//
//	flowbench -flowtrack bin/flowtrack -db sqlite -sizes 100,100000,1000000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/flowtrack/flowtrack/token"
)

// benchKey signs the tokens of both servers.
const benchKey = "flowbench-secret-key-0123456789abcdef"

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == "bare" {
		err = serveBare(os.Args[2:])
	} else {
		err = bench(os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "flowbench:", err)
		os.Exit(1)
	}
}

type options struct {
	flowtrack string
	db        string
	sizes     []int
	duration  time.Duration
	warmup    time.Duration
	runs      int
	only      []string
	hold      bool
	logs      string
}

func bench(args []string) error {
	flags := flag.NewFlagSet("flowbench", flag.ContinueOnError)
	var o options
	var sizes, only string
	flags.StringVar(&o.flowtrack, "flowtrack", "bin/flowtrack", "the flowtrack binary to measure")
	flags.StringVar(&o.db, "db", "sqlite", `"sqlite", or the URL of a PostgreSQL server to create databases on`)
	flags.StringVar(&sizes, "sizes", "100,100000,1000000", "tasks of the measured user, comma-separated")
	flags.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measured run")
	flags.DurationVar(&o.warmup, "warmup", 3*time.Second, "length of the warm-up before each scenario")
	flags.IntVar(&o.runs, "runs", 3, "runs per scenario; the median is reported")
	flags.StringVar(&only, "scenarios", "", "only these scenarios, comma-separated (default all)")
	flags.BoolVar(&o.hold, "hold", false, "seed the first size, start both servers and keep them up for probing until interrupted; measure nothing")
	flags.StringVar(&o.logs, "logs", "", "keep the servers' logs (FlowTrack's has each request's duration) in this directory, as SIZE-flowtrack.log and SIZE-bare.log")
	if err := flags.Parse(args); err != nil {
		return err
	}
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-sizes: %q is not a positive number", s)
		}
		o.sizes = append(o.sizes, n)
	}
	if only != "" {
		o.only = strings.Split(only, ",")
	}
	for _, tool := range []string{"wrk", "taskset"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed (make bench installs it)", tool)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Printf("flowbench: %s on %s, wrk -t1 -c32 -d%v after %v warm-up, median of %d runs; server on core 0, wrk on core 1\n\n",
		o.flowtrack, engineName(o.db), o.duration, o.warmup, o.runs)
	for _, n := range o.sizes {
		if err := benchSize(ctx, o, n); err != nil {
			return err
		}
		if o.hold {
			break
		}
	}
	return nil
}

func engineName(db string) string {
	if db == "sqlite" {
		return "SQLite"
	}
	return "PostgreSQL"
}

// run is a scenario's median run and the server's peak memory.
type run struct {
	load
	peakKB int64
}

// result is a FlowTrack scenario's run and, when it has them, those of the
// bare scenario and of the small user's measured in turn with it.
type result struct {
	scenario
	run
	bare, small *run
}

func benchSize(ctx context.Context, o options, n int) error {
	dir, err := os.MkdirTemp("", "flowbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.logs != "" {
		// Deferred before the servers' stops, so it runs after them.
		defer keepLogs(dir, o.logs, n)
	}
	ds, err := seed(ctx, o.db, dir, n)
	if err != nil {
		return err
	}
	defer ds.cleanup()
	issuer := token.NewIssuer([]byte(benchKey), 2*time.Hour, 2*time.Hour)
	access, _, err := issuer.Issue(token.Access, ds.userID, time.Now())
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	env := append(os.Environ(), "FLOWTRACK_SECRET_KEY="+benchKey)

	writer, _, err := issuer.Issue(token.Access, ds.writerID, time.Now())
	if err != nil {
		return err
	}
	small, _, err := issuer.Issue(token.Access, ds.smallID, time.Now())
	if err != nil {
		return err
	}
	const cursorPath = "/api/tasks/?cursor=&status=todo&ordering=-priority"
	bareList := &scenario{name: "bare list", method: "GET", path: "/bare/tasks/", conns: 32, token: access}
	bareRead := &scenario{name: "bare read", method: "GET", path: fmt.Sprintf("/bare/tasks/%d/", ds.task), conns: 32, token: access}
	bareInsert := &scenario{name: "bare insert", method: "POST", path: "/bare/tasks/", conns: 32, token: writer,
		body: fmt.Sprintf(`{"workflow":%d,"project":%d,"title":"Bench task"}`, ds.writerWorkflow, ds.writerProject)}
	// Reads first, then writes, which go to the writer's workflow.
	scenarios := []scenario{
		{name: "list tasks", method: "GET", path: "/api/tasks/", conns: 32, token: access, bare: bareList},
		{name: "list filtered", method: "GET", path: "/api/tasks/?status=todo&search=alpha&ordering=-priority", conns: 32, token: access, bare: bareList},
		// The measured user has few blocked tasks (see rareBlocked).
		{name: "list rare filter", method: "GET", path: "/api/tasks/?status=blocked&ordering=-priority", conns: 32, token: access, bare: bareList},
		{name: "cursor filtered", method: "GET", path: cursorPath, conns: 32, token: access, bare: bareList,
			small: &scenario{name: "cursor, small user", method: "GET", path: cursorPath, conns: 32, token: small}},
		{name: "read task", method: "GET", path: fmt.Sprintf("/api/tasks/%d/", ds.task), conns: 32, token: access, bare: bareRead},
		{name: "list projects", method: "GET", path: "/api/projects/", conns: 32, token: access, bare: bareList},
		{name: "create task", method: "POST", path: "/api/tasks/", conns: 32, token: writer, bare: bareInsert,
			body: fmt.Sprintf(`{"workflow":%d,"title":"Bench task","priority":"high"}`, ds.writerWorkflow)},
		// Updates spread over many tasks: 32 clients renaming one task
		// would measure the wait for its row lock, not the server.
		{name: "update task", method: "PATCH", path: "/api/tasks/%d/", ids: ds.tasks, conns: 32, token: access, bare: bareInsert,
			body: `{"title":"Renamed task"}`},
		{name: "login", method: "POST", path: "/api/auth/login/", conns: 64,
			body: fmt.Sprintf(`{"username":%q,"password":%q}`, benchUser, benchPassword)},
	}

	// Both servers run for the whole size; only the one under load works.
	if ds.bareURL, err = bareDatabase(ds.url, dir); err != nil {
		return err
	}
	bareSrv, err := start(ctx, dir, "bare", self, []string{"bare", "-db", ds.bareURL, "-addr", "127.0.0.1:8190"}, env, "127.0.0.1:8190")
	if err != nil {
		return err
	}
	defer bareSrv.stop()
	ftEnv := append(env, "FLOWTRACK_DATABASE_URL="+ds.url, "FLOWTRACK_ADDR=127.0.0.1:8191")
	ftSrv, err := start(ctx, dir, "flowtrack", o.flowtrack, []string{"serve"}, ftEnv, "127.0.0.1:8191")
	if err != nil {
		return err
	}
	defer ftSrv.stop()
	if o.hold {
		fmt.Printf("holding: database %s (bare: %s)\nflowtrack http://%s, bare http://%s\nmeasured user's token: %s\nwriter's token: %s\nsmall user's token: %s\ntask %d, workflow %d\n",
			ds.url, ds.bareURL, ftSrv.addr, bareSrv.addr, access, writer, small, ds.task, ds.workflow)
		<-ctx.Done()
		return nil
	}
	results, err := measure(ctx, o, dir, ftSrv, bareSrv, scenarios, ds.restore)
	if err != nil {
		return err
	}
	report(os.Stdout, n, results)
	return nil
}

// measure runs each scenario against FlowTrack and its bare counterpart
// in turn, run for run, so that a ratio compares two servers that met
// the machine (and its neighbours) in the same state: measured minutes
// apart, the same code's figures moved by a third. After a scenario that
// writes it calls restore, so that every scenario meets the same data
// (and, on PostgreSQL, fresh planner statistics).
func measure(ctx context.Context, o options, dir string, ft, bare *process, list []scenario,
	restore func(context.Context) error) ([]result, error) {
	var out []result
	for _, sc := range list {
		if len(o.only) > 0 && !slices.Contains(o.only, sc.name) {
			continue
		}
		ftTarget, err := newTarget(dir, ft, sc)
		if err != nil {
			return nil, err
		}
		// The counterparts measured in turn with FlowTrack's scenario, and
		// where each one's median goes.
		r := result{scenario: sc}
		targets := []target{ftTarget}
		var into []**run // into[i] is for targets[i+1]
		for _, c := range []struct {
			sc   *scenario
			srv  *process
			into **run
		}{{sc.bare, bare, &r.bare}, {sc.small, ft, &r.small}} {
			if c.sc == nil {
				continue
			}
			t, err := newTarget(dir, c.srv, *c.sc)
			if err != nil {
				return nil, err
			}
			targets, into = append(targets, t), append(into, c.into)
		}
		runs := make([][]load, len(targets))
		for _, t := range targets {
			if _, err := runWrk(ctx, t.url, t.script, t.sc.conns, o.warmup); err != nil {
				return nil, err
			}
			t.srv.resetPeak()
		}
		for range o.runs {
			for i, t := range targets {
				// Each run starts with what the last one left dirty written
				// out: the first fsync of a run paid for the run before it,
				// up to 350 ms when that was the other server's.
				syscall.Sync()
				l, err := runWrk(ctx, t.url, t.script, t.sc.conns, o.duration)
				if err != nil {
					return nil, err
				}
				runs[i] = append(runs[i], l)
			}
		}
		r.run = median(runs[0], ft)
		line := fmt.Sprintf("  %-16s %8.0f req/s  p50 %-9v p99 %-9v errors %d  peak %d MB",
			sc.name, r.rps, r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.errors, r.peakKB/1024)
		for i, t := range targets[1:] {
			m := median(runs[i+1], t.srv)
			*into[i] = &m
			line += fmt.Sprintf("  | %s %8.0f req/s  p99 %-9v errors %d", t.sc.name, m.rps, m.p99.Round(10*time.Microsecond), m.errors)
		}
		fmt.Fprintln(os.Stderr, line)
		out = append(out, r)
		if sc.method != "GET" || (sc.bare != nil && sc.bare.method != "GET") {
			if err := restore(ctx); err != nil {
				return nil, fmt.Errorf("restore after %s: %w", sc.name, err)
			}
		}
	}
	return out, nil
}

// target is a scenario aimed at one server.
type target struct {
	sc          scenario
	srv         *process
	url, script string
}

func newTarget(dir string, srv *process, sc scenario) (target, error) {
	script, err := wrkScript(dir, sc)
	if err != nil {
		return target{}, err
	}
	path := sc.path
	if len(sc.ids) > 0 {
		path = fmt.Sprintf(sc.path, sc.ids[0])
	}
	return target{sc: sc, srv: srv, url: "http://" + srv.addr + path, script: script}, nil
}

// median returns the run of median throughput, with the most errors of
// any run and the server's peak memory since its last reset.
func median(runs []load, srv *process) run {
	sorted := slices.Clone(runs)
	slices.SortFunc(sorted, func(a, b load) int { return int(a.rps - b.rps) })
	r := run{load: sorted[len(sorted)/2], peakKB: srv.peakKB()}
	for _, l := range runs {
		r.errors = max(r.errors, l.errors)
	}
	return r
}

// keepLogs copies the servers' logs of size n from dir into logs.
func keepLogs(dir, logs string, n int) {
	if err := os.MkdirAll(logs, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "flowbench: -logs:", err)
		return
	}
	for _, name := range []string{"flowtrack", "bare"} {
		// A run before may have left its log of this size there.
		to := filepath.Join(logs, fmt.Sprintf("%d-%s.log", n, name))
		if err := os.Remove(to); err != nil && !errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintln(os.Stderr, "flowbench: -logs:", err)
			continue
		}
		if err := copyFile(filepath.Join(dir, name+".log"), to); err != nil {
			fmt.Fprintln(os.Stderr, "flowbench: -logs:", err)
		}
	}
}

// process is a server under test, pinned to the first core.
type process struct {
	cmd  *exec.Cmd
	addr string
}

func start(ctx context.Context, dir, name, bin string, args, env []string, addr string) (*process, error) {
	logf, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("taskset", append([]string{"-c", "0", bin}, args...)...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, addr: addr}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return p, nil
		}
		if ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.stop()
	log, _ := os.ReadFile(logf.Name())
	return nil, fmt.Errorf("%s did not start: %s", name, log)
}

func (p *process) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

// resetPeak clears the kernel's record of the process's peak resident set.
func (p *process) resetPeak() {
	os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.cmd.Process.Pid), []byte("5"), 0)
}

// peakKB is the peak resident set since the last reset, in KiB, with
// the memory of the processes the server started (SQLite's checkpoint
// process): their own, anonymous memory, as the binary's pages they map
// are the server's too and are counted once.
func (p *process) peakKB() int64 {
	pid := p.cmd.Process.Pid
	kb := statusKB(pid, "VmHWM")
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, t := range tasks {
		b, _ := os.ReadFile(t)
		for _, child := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(child); err == nil {
				kb += statusKB(n, "RssAnon")
			}
		}
	}
	return kb
}

// statusKB reads a field in KiB from a process's /proc status, 0 if it
// cannot.
func statusKB(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// report prints one size's results as a Markdown table: each FlowTrack
// scenario beside the bare one measured in turn with it.
func report(w io.Writer, n int, results []result) {
	fmt.Fprintf(w, "\n%d tasks for the measured user:\n\n", n)
	fmt.Fprintln(w, "| scenario | req/s | bare | ratio | p50 | p99 | bare p99 | p99 ratio | errors | peak RSS | bare RSS |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	// A run in which no request was answered has no latencies: say so
	// rather than print zeros.
	ms := func(l load, d time.Duration) string {
		if l.requests == 0 {
			return "none answered"
		}
		return d.Round(10 * time.Microsecond).String()
	}
	mb := func(kb int64) string { return fmt.Sprintf("%.1f MB", float64(kb)/1024) }
	for _, r := range results {
		bareRPS, ratio, bareP99, p99ratio, bareRSS := "", "", "", "", ""
		if b := r.bare; b != nil && b.rps > 0 {
			bareRPS, bareP99, bareRSS = fmt.Sprintf("%.0f", b.rps), ms(b.load, b.p99), mb(b.peakKB)
			ratio = fmt.Sprintf("%.2f", r.rps/b.rps)
			if r.requests > 0 {
				p99ratio = fmt.Sprintf("%.2f", float64(r.p99)/float64(b.p99))
			}
		}
		errors := strconv.Itoa(r.errors)
		if r.bare != nil {
			errors += " / " + strconv.Itoa(r.bare.errors)
		}
		fmt.Fprintf(w, "| %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.name, r.rps, bareRPS, ratio,
			ms(r.load, r.p50), ms(r.load, r.p99), bareP99, p99ratio, errors, mb(r.peakKB), bareRSS)
	}
	fmt.Fprintln(w)
	for _, r := range results {
		if m := r.small; m != nil && m.rps > 0 {
			fmt.Fprintf(w, "%s, in the same minutes: %.0f req/s for the user with %d tasks, %.0f req/s (p99 %s) for a user with %d in the same database: %.2f.\n\n",
				r.name, r.rps, n, m.rps, ms(m.load, m.p99), smallTasks, r.rps/m.rps)
		}
	}
}
