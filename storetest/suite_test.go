package storetest

import (
	"testing"

	"github.com/flowtrack/flowtrack/sqlstore"
)

// TestConformance runs the conformance suite on every engine under test.
func TestConformance(t *testing.T) {
	for _, engine := range Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			Run(t, func(t *testing.T) *sqlstore.DB { return Open(t, engine) })
		})
	}
}
