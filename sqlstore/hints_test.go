package sqlstore

import "testing"

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
	var none *recent[string]
	if _, ok := none.get("k"); ok {
		t.Error("no hints know a figure")
	}
}
