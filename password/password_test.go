package password

import (
	"context"
	"errors"
	"runtime"
	"testing"
)

func TestHashAndCheck(t *testing.T) {
	h := NewHasher(Params{Memory: 64, Time: 1, Threads: 1}, 1)
	ctx := context.Background()
	encoded, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Check(ctx, encoded, "correct horse"); err != nil {
		t.Errorf("Check of the right password: %v", err)
	}
	if err := h.Check(ctx, encoded, "correct horse "); !errors.Is(err, ErrMismatch) {
		t.Errorf("Check of a wrong password: %v, want ErrMismatch", err)
	}
	if err := h.Check(ctx, "", "correct horse"); !errors.Is(err, ErrMismatch) {
		t.Errorf("Check against no hash: %v, want ErrMismatch", err)
	}
}

// A hash's memory is garbage once its slot is free, so a flood of hashes
// holds no more of it than the slots allow.
func TestHashMemoryFreedWithItsSlot(t *testing.T) {
	const memory = 16 << 10 // KiB
	h := NewHasher(Params{Memory: memory, Time: 1, Threads: 1}, 1)
	ctx := context.Background()
	encoded, err := h.Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	for range 5 {
		if err := h.Check(ctx, encoded, "pw"); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc >= memory<<10 {
			t.Fatalf("after a check the heap holds %d KiB, as much as a hash's %d KiB: the hash's memory was not collected", ms.HeapAlloc>>10, memory)
		}
	}
}
