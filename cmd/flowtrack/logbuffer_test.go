package main

import (
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// writeRecorder keeps each Write it is given apart, and fails the ones
// asked to.
type writeRecorder struct {
	mu     sync.Mutex
	writes []string
	fail   bool
}

func (w *writeRecorder) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail {
		return 0, errors.New("disk full")
	}
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

func (w *writeRecorder) got() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.writes...)
}

func TestLogBufferHoldsLinesAndWritesThemTogether(t *testing.T) {
	out := &writeRecorder{}
	b := newLogBuffer(out, 1024, time.Hour)
	defer b.Close()
	b.Write([]byte("one\n"))
	b.Write([]byte("two\n"))
	if got := out.got(); len(got) != 0 {
		t.Fatalf("written before the delay: %q", got)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := out.got(); len(got) != 1 || got[0] != "one\ntwo\n" {
		t.Fatalf("writes %q, want the two lines in one", got)
	}
}

func TestLogBufferWritesByItselfAfterTheDelay(t *testing.T) {
	out := &writeRecorder{}
	b := newLogBuffer(out, 1024, 10*time.Millisecond)
	defer b.Close()
	for round := range 2 { // the timer serves again once it has fired
		b.Write([]byte("line\n"))
		deadline := time.Now().Add(5 * time.Second)
		for len(out.got()) == round && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if got := out.got(); len(got) != round+1 {
			t.Fatalf("round %d: writes %q", round, got)
		}
	}
}

func TestLogBufferKeepsLinesWholeAndInOrder(t *testing.T) {
	out := &writeRecorder{}
	b := newLogBuffer(out, 10, time.Hour)
	defer b.Close()
	b.Write([]byte("aaaa\n"))
	b.Write([]byte("bbbb\n"))
	b.Write([]byte("cccc\n")) // does not fit: the two before go out first
	long := strings.Repeat("d", 20) + "\n"
	b.Write([]byte(long)) // larger than the buffer: through, after "cccc"
	want := []string{"aaaa\nbbbb\n", "cccc\n", long}
	if got := out.got(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("writes %q, want %q", got, want)
	}
}

func TestLogBufferGoesOnAfterAFailedWrite(t *testing.T) {
	out := &writeRecorder{fail: true}
	b := newLogBuffer(out, 1024, time.Hour)
	b.Write([]byte("lost\n"))
	if err := b.Flush(); err == nil {
		t.Fatal("a failed write was not reported")
	}
	out.mu.Lock()
	out.fail = false
	out.mu.Unlock()
	b.Write([]byte("kept\n"))
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := out.got(); len(got) != 1 || got[0] != "kept\n" {
		t.Fatalf("writes %q, want only the line after the failure", got)
	}
}

func TestWarningsAreWrittenOutAtOnce(t *testing.T) {
	out := &writeRecorder{}
	b := newLogBuffer(out, 1024, time.Hour)
	defer b.Close()
	log := slog.New(urgentFlush{slog.NewTextHandler(b, nil), b}).With("server", "test")
	log.Info("request")
	if got := out.got(); len(got) != 0 {
		t.Fatalf("an info line was written at once: %q", got)
	}
	log.WithGroup("db").Warn("slow")
	got := strings.Join(out.got(), "")
	if !strings.Contains(got, "msg=request") || !strings.Contains(got, "msg=slow") || !strings.Contains(got, "server=test") {
		t.Fatalf("after a warning the log holds %q, want both lines", got)
	}
}

func TestLogBufferWritesThroughOnceClosed(t *testing.T) {
	out := &writeRecorder{}
	b := newLogBuffer(out, 1024, time.Hour)
	b.Write([]byte("held\n"))
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b.Write([]byte("late\n"))
	if got := out.got(); strings.Join(got, "|") != "held\n|late\n" {
		t.Fatalf("writes %q, want the held line on Close and the late one at once", got)
	}
}
