package sqlstore

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowtrack/flowtrack"
)

// TestCountCacheSharesAndCancels checks that concurrent requests for one
// count share a single take, that a remembered count serves only its
// version, and that a take nobody waits for any more is cancelled.
func TestCountCacheSharesAndCancels(t *testing.T) {
	var c countCache
	ctx := t.Context()
	var takes atomic.Int32
	release := make(chan struct{})
	slow := func(ctx context.Context) (int64, int64, error) {
		takes.Add(1)
		select {
		case <-release:
			return 42, 7, nil
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		}
	}

	// Three requests at once, one take.
	results := make(chan int64, 3)
	for range 3 {
		go func() {
			n, err := c.get(ctx, "k", 7, slow)
			if err != nil {
				t.Error(err)
			}
			results <- n
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	for range 3 {
		if n := <-results; n != 42 {
			t.Fatalf("count %d, want 42", n)
		}
	}
	if n := takes.Load(); n != 1 {
		t.Fatalf("%d takes for three concurrent requests, want 1", n)
	}

	// Remembered at version 7 only.
	n, err := c.get(ctx, "k", 7, func(context.Context) (int64, int64, error) { return 0, 0, errors.New("taken again") })
	if err != nil || n != 42 {
		t.Fatalf("remembered count: %d, %v", n, err)
	}
	n, err = c.get(ctx, "k", 8, func(context.Context) (int64, int64, error) { return 43, 8, nil })
	if err != nil || n != 43 {
		t.Fatalf("count at a new version: %d, %v; want 43", n, err)
	}

	// The only waiter leaves: the take's context ends.
	cancelled := make(chan struct{})
	leave, stop := context.WithCancel(ctx)
	go func() {
		time.Sleep(20 * time.Millisecond)
		stop()
	}()
	_, err = c.get(leave, "k", 9, func(ctx context.Context) (int64, int64, error) {
		<-ctx.Done()
		close(cancelled)
		return 0, 0, ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("abandoned request: %v, want context.Canceled", err)
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the count kept running after its last waiter left")
	}

	// One of two waiters leaves: the other still gets the count.
	release2 := make(chan struct{})
	first, stopFirst := context.WithCancel(ctx)
	go func() {
		time.Sleep(20 * time.Millisecond)
		stopFirst()
	}()
	got := make(chan int64, 1)
	take := func(ctx context.Context) (int64, int64, error) {
		select {
		case <-release2:
			return 44, 10, nil
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		}
	}
	go func() {
		n, err := c.get(ctx, "k", 10, take)
		if err != nil {
			t.Error(err)
		}
		got <- n
	}()
	if _, err := c.get(first, "k", 10, take); !errors.Is(err, context.Canceled) {
		t.Fatalf("leaving waiter: %v", err)
	}
	close(release2)
	if n := <-got; n != 44 {
		t.Fatalf("the remaining waiter got %d, want 44", n)
	}
}

// TestCountKeysAreBounded checks that the key of a remembered count is a
// fixed size however long the search, and differs with the owner and the
// search.
func TestCountKeysAreBounded(t *testing.T) {
	long := strings.Repeat("é", flowtrack.MaxSearchChars)
	lq := func(terms ...string) flowtrack.ListQuery { return flowtrack.ListQuery{Search: terms, Limit: 20} }
	contains := func(c, p string) string { return "instr(" + c + ", " + p + ") > 0" }
	key := buildList(taskList, contains, 1, true, lq(long, long)).cacheKey
	if len(key) != sha256.Size {
		t.Fatalf("key of %d bytes for a long search, want %d", len(key), sha256.Size)
	}
	for _, other := range []string{
		buildList(taskList, contains, 2, true, lq(long, long)).cacheKey,
		buildList(taskList, contains, 1, true, lq(long)).cacheKey,
		buildList(taskList, contains, 1, false, lq(long, long)).cacheKey,
	} {
		if other == key {
			t.Fatal("two different counts share a key")
		}
	}
}
