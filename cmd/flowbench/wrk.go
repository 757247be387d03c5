package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// load is one wrk run's result.
type load struct {
	rps      float64
	p50, p99 time.Duration
	errors   int // non-2xx/3xx responses and socket errors
	requests int
}

// scenario is a request wrk repeats.
type scenario struct {
	name   string
	method string
	path   string
	body   string
	conns  int
	token  string // the access token sent, if any
	// ids, when set, spread the requests over these objects: path holds
	// a %d for the id, and each request takes one at random.
	ids []int64
	// bare is the bare handler's scenario this one is compared with.
	bare *scenario
	// small, when set, is the same request by the small user, measured
	// on FlowTrack in turn with this one: how the cost grows with the
	// user's data, free of the drift between sizes measured minutes apart.
	small *scenario
}

// wrkScript writes the Lua script that gives wrk the scenario's method,
// body and headers.
func wrkScript(dir string, sc scenario) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "wrk.method = %q\n", sc.method)
	if sc.body != "" {
		fmt.Fprintf(&b, "wrk.body = %q\n", sc.body)
		b.WriteString("wrk.headers[\"Content-Type\"] = \"application/json\"\n")
	}
	if sc.token != "" {
		fmt.Fprintf(&b, "wrk.headers[\"Authorization\"] = %q\n", "Bearer "+sc.token)
	}
	if len(sc.ids) > 0 {
		ids := make([]string, len(sc.ids))
		for i, id := range sc.ids {
			ids[i] = strconv.FormatInt(id, 10)
		}
		fmt.Fprintf(&b, "local ids = {%s}\n", strings.Join(ids, ","))
		fmt.Fprintf(&b, "request = function() return wrk.format(nil, string.format(%q, ids[math.random(#ids)])) end\n", sc.path)
	}
	path := filepath.Join(dir, sc.name+".lua")
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}

// runWrk drives url for d with wrk pinned to the second core.
func runWrk(ctx context.Context, url, script string, conns int, d time.Duration) (load, error) {
	args := []string{"-c", "1", "wrk", "-t1", "-c", strconv.Itoa(conns), "-d", fmt.Sprintf("%ds", int(d.Seconds())),
		"--timeout", "10s", "--latency", "-s", script, url}
	out, err := exec.CommandContext(ctx, "taskset", args...).CombinedOutput()
	if err != nil {
		return load{}, fmt.Errorf("wrk: %v: %s", err, out)
	}
	return parseWrk(string(out))
}

var (
	wrkRPS      = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkPct      = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
)

func parseWrk(out string) (load, error) {
	var l load
	m := wrkRPS.FindStringSubmatch(out)
	if m == nil {
		return l, fmt.Errorf("wrk printed no Requests/sec: %s", out)
	}
	l.rps, _ = strconv.ParseFloat(m[1], 64)
	for _, p := range wrkPct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(p[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[p[3]]
		d := time.Duration(v * float64(unit))
		if p[1] == "50" {
			l.p50 = d
		} else {
			l.p99 = d
		}
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		l.errors, _ = strconv.Atoi(m[1])
	}
	if m := wrkSocket.FindStringSubmatch(out); m != nil {
		for _, v := range m[1:] {
			n, _ := strconv.Atoi(v)
			l.errors += n
		}
	}
	if m := wrkRequests.FindStringSubmatch(out); m != nil {
		l.requests, _ = strconv.Atoi(m[1])
	}
	return l, nil
}
