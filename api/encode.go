package api

import (
	"slices"
	"strconv"
	"time"
)

// jsonAppender is a response body that appends its own JSON, the same
// bytes marshal's reflection would write. Reflecting over every field of
// a page of tasks, and re-validating what each stamp's MarshalJSON
// returned, took an eighth of a list request's CPU time.
type jsonAppender interface {
	appendJSON(b []byte) ([]byte, error)
}

// appendValue appends v as marshal encodes it.
func appendValue(b []byte, v any) ([]byte, error) {
	if a, ok := v.(jsonAppender); ok {
		return a.appendJSON(b)
	}
	body, err := marshalReflect(v)
	return append(b, body...), err
}

// appendString appends s as a JSON string. Text that needs no escaping
// (printable ASCII but for " and \) is copied; anything else is left to
// encoding/json, so that control characters, invalid UTF-8 and U+2028 come
// out exactly as marshal writes them.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			quoted, _ := marshalReflect(s) // a string always encodes
			return append(b, quoted...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendNullString appends s, or null for nil.
func appendNullString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// appendResults appends a page's results as a JSON array.
func appendResults(b []byte, results []any) ([]byte, error) {
	if results == nil {
		return append(b, "null"...), nil
	}
	// A task takes about 300 bytes; one allocation, not a doubling series.
	b = slices.Grow(b, 320*len(results))
	b = append(b, '[')
	for i, v := range results {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendValue(b, v); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

func (p pageBody) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"count":`...)
	b = appendInt(b, int64(p.Count))
	b = append(b, `,"next":`...)
	b = appendNullString(b, p.Next)
	b = append(b, `,"previous":`...)
	b = appendNullString(b, p.Previous)
	b = append(b, `,"results":`...)
	b, err := appendResults(b, p.Results)
	return append(b, '}'), err
}

func (p cursorBody) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"next":`...)
	b = appendNullString(b, p.Next)
	b = append(b, `,"previous":`...)
	b = appendNullString(b, p.Previous)
	b = append(b, `,"results":`...)
	b, err := appendResults(b, p.Results)
	return append(b, '}'), err
}

func (p projectJSON) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendInt(b, p.ID)
	b = append(b, `,"name":`...)
	b = appendString(b, p.Name)
	b = append(b, `,"description":`...)
	b = appendString(b, p.Description)
	b = append(b, `,"owner":`...)
	b = appendInt(b, p.Owner)
	b = append(b, `,"workflow_count":`...)
	b = appendInt(b, p.WorkflowCount)
	b = append(b, `,"task_count":`...)
	b = appendInt(b, p.TaskCount)
	b = append(b, `,"created_at":`...)
	b = appendStamp(b, time.Time(p.CreatedAt))
	b = append(b, `,"updated_at":`...)
	b = appendStamp(b, time.Time(p.UpdatedAt))
	return append(b, '}'), nil
}

func (w workflowJSON) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendInt(b, w.ID)
	b = append(b, `,"project":`...)
	b = appendInt(b, w.Project)
	b = append(b, `,"name":`...)
	b = appendString(b, w.Name)
	b = append(b, `,"status":`...)
	b = appendString(b, w.Status)
	b = append(b, `,"task_count":`...)
	b = appendInt(b, w.TaskCount)
	b = append(b, `,"created_at":`...)
	b = appendStamp(b, time.Time(w.CreatedAt))
	b = append(b, `,"updated_at":`...)
	b = appendStamp(b, time.Time(w.UpdatedAt))
	return append(b, '}'), nil
}

func (t taskJSON) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendInt(b, t.ID)
	b = append(b, `,"workflow":`...)
	b = appendInt(b, t.Workflow)
	b = append(b, `,"project":`...)
	b = appendInt(b, t.Project)
	b = append(b, `,"title":`...)
	b = appendString(b, t.Title)
	b = append(b, `,"description":`...)
	b = appendString(b, t.Description)
	b = append(b, `,"status":`...)
	b = appendString(b, t.Status)
	b = append(b, `,"priority":`...)
	b = appendString(b, t.Priority)
	b = append(b, `,"due_date":`...)
	if t.DueDate == nil {
		b = append(b, "null"...)
	} else {
		b = appendString(b, string(*t.DueDate))
	}
	b = append(b, `,"completed_at":`...)
	if t.CompletedAt == nil {
		b = append(b, "null"...)
	} else {
		b = appendStamp(b, time.Time(*t.CompletedAt))
	}
	b = append(b, `,"created_at":`...)
	b = appendStamp(b, time.Time(t.CreatedAt))
	b = append(b, `,"updated_at":`...)
	b = appendStamp(b, time.Time(t.UpdatedAt))
	return append(b, '}'), nil
}
