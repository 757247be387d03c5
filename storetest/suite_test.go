package storetest

import (
	"testing"

	"github.com/flowtrack/flowtrack/sqlstore"
)

// TestConformance runs the conformance suite on every engine under test.
func TestConformance(t *testing.T) {
	EachEngine(t, func(t *testing.T, engine string) {
		Run(t, func(t *testing.T) *sqlstore.DB { return Open(t, engine) })
	})
}
