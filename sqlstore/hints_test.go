package sqlstore

import (
	"fmt"
	"testing"
)

func TestHintsRememberAndStayBounded(t *testing.T) {
	var c recent[int64]
	if _, ok := c.get(1); ok {
		t.Fatal("a figure known before any was put")
	}
	for owner := range int64(3 * hintsMax) {
		c.put(owner, owner*10)
	}
	if len(c.m) > hintsMax {
		t.Errorf("%d figures kept, at most %d allowed", len(c.m), hintsMax)
	}
	last := int64(3*hintsMax - 1)
	if n, ok := c.get(last); !ok || n != last*10 {
		t.Errorf("last owner's figure: %d, %v", n, ok)
	}
	var none *planHints
	if _, ok := none.size(1); ok {
		t.Error("no hints know a size")
	}
	if _, ok := none.rows(1, "f"); ok {
		t.Error("no hints know a filter's rows")
	}
}

// TestSparseHintsStayAnOwners checks that an owner's many filters replace
// the owner's own oldest hints, not another owner's.
func TestSparseHintsStayAnOwners(t *testing.T) {
	var h planHints
	h.probed(1, "mine", 3)
	h.probed(2, "f0", 7)
	for i := range 3 * sparseFilters {
		h.probed(2, fmt.Sprint("f", i), int64(i))
	}
	if n, ok := h.rows(1, "mine"); !ok || n != 3 {
		t.Errorf("owner 1's filter: %d, %v", n, ok)
	}
	for i := range 3 * sparseFilters {
		n, ok := h.rows(2, fmt.Sprint("f", i))
		if want := i >= 2*sparseFilters; ok != want || ok && n != int64(i) {
			t.Errorf("owner 2's filter %d: %d, %v", i, n, ok)
		}
	}
	// A filter probed again keeps its slot.
	h.probed(1, "mine", 4)
	h.probed(1, "other", 1)
	if n, ok := h.rows(1, "mine"); !ok || n != 4 {
		t.Errorf("owner 1's filter, probed again: %d, %v", n, ok)
	}
}
