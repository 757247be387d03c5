package sqlstore

import "testing"

func TestOwnerSizesRememberAndStayBounded(t *testing.T) {
	var c ownerSizes
	if _, ok := c.get(1); ok {
		t.Fatal("a size known before any was put")
	}
	for owner := range int64(3 * ownerSizesMax) {
		c.put(owner, owner*10)
	}
	if len(c.m) > ownerSizesMax {
		t.Errorf("%d sizes kept, at most %d allowed", len(c.m), ownerSizesMax)
	}
	last := int64(3*ownerSizesMax - 1)
	if n, ok := c.get(last); !ok || n != last*10 {
		t.Errorf("last owner's size: %d, %v", n, ok)
	}
	var none *ownerSizes
	if _, ok := none.get(1); ok {
		t.Error("no cache knows a size")
	}
}
