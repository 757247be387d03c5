package flowtrack

import (
	"errors"
	"fmt"
	"sort"
)

// ErrNotFound is returned, wrapped in a *NotFoundError, when an object does
// not exist or belongs to another user: the two cases are one.
var ErrNotFound = errors.New("not found")

// ErrUserNotFound and ErrUserInactive are what a caller's Scope returns
// once the account it was opened for is deleted or deactivated: the
// caller's token stops working at once.
var (
	ErrUserNotFound = errors.New("user not found")
	ErrUserInactive = errors.New("user is inactive")
)

// NotFoundError names the kind of object that was not found, for the
// DRF-style message "No Task matches the given query.".
type NotFoundError struct {
	Resource string // "Project", "Workflow", "Task" or "User"
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("No %s matches the given query.", e.Resource)
}

// Unwrap lets errors.Is(err, ErrNotFound) match.
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// NotFound returns the not-found error of a resource.
func NotFound(resource string) error { return &NotFoundError{Resource: resource} }

// NonFieldErrors is the key of errors that belong to no field.
const NonFieldErrors = "non_field_errors"

// FieldError is the list of messages of one input field.
type FieldError struct {
	Field    string
	Messages []string
}

// ValidationError reports every invalid input field at once, in the order
// the fields were checked.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	if len(e.Fields) == 0 {
		return "invalid input"
	}
	return fmt.Sprintf("invalid %s: %s", e.Fields[0].Field, e.Fields[0].Messages[0])
}

// Messages returns the messages of one field, or nil.
func (e *ValidationError) Messages(field string) []string {
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Messages
		}
	}
	return nil
}

// Problems collects validation messages field by field; its Err is nil
// when nothing was added.
type Problems struct {
	fields []FieldError
}

// Add records a message for a field.
func (p *Problems) Add(field, message string) {
	for i := range p.fields {
		if p.fields[i].Field == field {
			p.fields[i].Messages = append(p.fields[i].Messages, message)
			return
		}
	}
	p.fields = append(p.fields, FieldError{Field: field, Messages: []string{message}})
}

// Has tells whether a field has a message already.
func (p *Problems) Has(field string) bool {
	for _, f := range p.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// SortBy puts the fields in the given order, as a serializer lists its
// fields; fields not named keep their place after those that are.
func (p *Problems) SortBy(order []string) {
	rank := func(field string) int {
		for i, f := range order {
			if f == field {
				return i
			}
		}
		return len(order)
	}
	sort.SliceStable(p.fields, func(i, j int) bool { return rank(p.fields[i].Field) < rank(p.fields[j].Field) })
}

// Empty tells whether no message was added.
func (p *Problems) Empty() bool { return len(p.fields) == 0 }

// Err returns a *ValidationError of the collected messages, or nil.
func (p *Problems) Err() error {
	if len(p.fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: p.fields}
}

// Invalid returns a validation error of one field and one message.
func Invalid(field, message string) error {
	return &ValidationError{Fields: []FieldError{{Field: field, Messages: []string{message}}}}
}

// ErrPrecondition is returned when a write's precondition (If-Match) does
// not hold; nothing was changed.
var ErrPrecondition = errors.New("precondition failed")
