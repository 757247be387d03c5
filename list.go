package flowtrack

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/cases"
)

// ListQuery selects rows of a collection: which (Filter, Search), in
// what order (Order), and which page: by offset, or after a Cursor.
type ListQuery struct {
	Filter Filter
	// Search holds case-folded terms; each must be a substring of one of
	// the collection's searched fields.
	Search []string
	// Order is the sort order, without the id tiebreaker that the store
	// adds in the direction of the last field. Empty means newest first.
	Order []OrderBy

	Limit  int
	Offset int
	// Last selects the last page of Limit rows instead of Offset.
	Last bool
	// Cursor, when not nil, selects Limit+1 rows after (or, reversed,
	// before) a position, without counting.
	Cursor *Cursor
}

// OrderBy is one sort field of a list.
type OrderBy struct {
	Field string
	Desc  bool
}

// DefaultOrder is the order of a list that asks for none: newest first.
var DefaultOrder = []OrderBy{{Field: "created_at", Desc: true}}

// Cursor is a position in a list: the sort key of a row, and whether the
// page runs backward from it.
type Cursor struct {
	Reverse bool
	// Key holds the row's sort values in the order's fields, then its id.
	Key []any
}

// Set is a filter on a field's value: with Active, the value must be one
// of Values (none means nothing matches).
type Set struct {
	Active bool
	Values []string
}

// Filter narrows a list; the zero value keeps every row. Each collection
// uses the fields of its filters.
type Filter struct {
	CreatedFrom, CreatedTo *time.Time // inclusive
	Project, Workflow      *int64
	Status, Priority       Set
	DueFrom, DueTo         *Date // inclusive
	Overdue                *bool
	Today                  Date // the UTC date Overdue compares with
}

// PageOffset returns the offset of the page q selects among count rows.
func (q ListQuery) PageOffset(count int) int {
	if !q.Last || q.Limit <= 0 {
		return q.Offset
	}
	return max(0, (count-1)/q.Limit*q.Limit)
}

// Ordering returns the order a list runs in: q.Order or the default.
func (q ListQuery) Ordering() []OrderBy {
	if len(q.Order) == 0 {
		return DefaultOrder
	}
	return q.Order
}

// Fold returns the form of text that search compares: Unicode case
// folding, so "über" finds "Über", "ω" finds "Ω" and "strasse" finds "Straße".
func Fold(s string) string {
	return cases.Fold().String(s)
}

// NoDueDate is the sort value of a task without a due date: after every
// date, and not a date itself (there is no 32nd), so that it sorts apart
// from a task due on LastDate.
const NoDueDate = "9999-12-32"

// LastDate is the last date there is.
const LastDate = "9999-12-31"

// SortKey returns the value a task sorts by for a field of its ordering.
func (t *Task) SortKey(field string) any {
	switch field {
	case "title":
		return t.Title
	case "status":
		return t.Status
	case "priority":
		return int64(PriorityRank(t.Priority))
	case "due_date":
		if t.DueDate == nil {
			return NoDueDate
		}
		return string(*t.DueDate)
	case "created_at":
		return t.CreatedAt.UnixMicro()
	case "updated_at":
		return t.UpdatedAt.UnixMicro()
	}
	return t.ID
}

// SortKey returns the value a workflow sorts by for a field of its ordering.
func (w *Workflow) SortKey(field string) any {
	switch field {
	case "name":
		return w.Name
	case "status":
		return w.Status
	case "created_at":
		return w.CreatedAt.UnixMicro()
	case "updated_at":
		return w.UpdatedAt.UnixMicro()
	}
	return w.ID
}

// SortKey returns the value a project sorts by for a field of its ordering.
func (p *Project) SortKey(field string) any {
	switch field {
	case "name":
		return p.Name
	case "created_at":
		return p.CreatedAt.UnixMicro()
	case "updated_at":
		return p.UpdatedAt.UnixMicro()
	}
	return p.ID
}

// Limits on a search, so that no request is slow.
const (
	MaxSearchTerms = 20
	MaxSearchChars = 1000
)

// ParseSearch splits a search parameter within the limits, or returns the
// message of the limit it passes.
func ParseSearch(s string) ([]string, string) {
	if utf8.RuneCountInString(s) > MaxSearchChars {
		return nil, "Ensure this value has at most " + strconv.Itoa(MaxSearchChars) + " characters."
	}
	terms := SplitSearch(s)
	if len(terms) > MaxSearchTerms {
		return nil, "Ensure this value has at most " + strconv.Itoa(MaxSearchTerms) + " terms."
	}
	return terms, ""
}

// SplitSearch splits a search parameter as DRF's SearchFilter does: on
// white space and commas, keeping double-quoted phrases whole. NUL
// characters are dropped. Terms are returned case-folded.
func SplitSearch(s string) []string {
	// As Django decodes a query string: invalid UTF-8 becomes U+FFFD.
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	isSep := func(r rune) bool { return r == ',' || isPythonSpace(r) }
	var terms []string
	for {
		s = strings.TrimLeftFunc(s, isSep)
		if s == "" {
			return terms
		}
		if s[0] == '"' {
			if end := strings.IndexByte(s[1:], '"'); end >= 0 {
				if phrase := s[1 : end+1]; strings.TrimFunc(phrase, isPythonSpace) != "" {
					terms = append(terms, Fold(phrase))
				}
				s = s[end+2:]
				continue
			}
		}
		// An unclosed quote is an ordinary character of its term.
		end := strings.IndexFunc(s, isSep)
		if end < 0 {
			end = len(s)
		}
		terms = append(terms, Fold(s[:end]))
		s = s[end:]
	}
}
