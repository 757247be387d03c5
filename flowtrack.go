// Package flowtrack holds FlowTrack's domain: users, projects, workflows and
// tasks, the rules their fields obey, the errors the rest of the program
// speaks, and the store contracts that the database engines implement.
package flowtrack

import "time"

// Now returns the current time in UTC at the microsecond precision that the
// databases keep, so a value read back equals the value written.
func Now() time.Time {
	return time.Now().UTC().Truncate(time.Microsecond)
}

// Opt is an optional input value: Set tells whether the client sent it.
// PATCH changes only the fields that are set.
type Opt[T any] struct {
	Set   bool
	Value T
}

// Some returns a set Opt holding v.
func Some[T any](v T) Opt[T] { return Opt[T]{Set: true, Value: v} }
