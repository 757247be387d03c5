package api

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/flowtrack/flowtrack"
)

// BenchmarkDecodeTask is reading and validating a task's JSON body.
func BenchmarkDecodeTask(b *testing.B) {
	body := `{"workflow": 12, "title": "  Write the release notes  ", "description": "For the 2.0 release, with every change.",
		"status": "in_progress", "priority": "high", "due_date": "2026-12-01"}`
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("POST", "/api/tasks/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		o, err := readObject(r)
		if err != nil {
			b.Fatal(err)
		}
		var p flowtrack.Problems
		decodeTask(o, &p, true)
		if err := p.Err(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeTaskPage is writing a page of 20 tasks in the envelope.
func BenchmarkEncodeTaskPage(b *testing.B) {
	now := time.Now().UTC()
	due := flowtrack.Date("2026-12-01")
	rows := make([]flowtrack.Task, 20)
	for i := range rows {
		rows[i] = flowtrack.Task{ID: int64(i + 1), OwnerID: 1, ProjectID: 2, WorkflowID: 3, Title: "Write the release notes",
			Description: "For the 2.0 release, with every change.", Status: "todo", Priority: "high", DueDate: &due,
			CreatedAt: now, UpdatedAt: now}
	}
	next := "http://example.com/api/tasks/?page=2"
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		writeJSON(w, 200, pageBody{Count: 57, Next: &next, Results: tasks.renderAll(rows)})
	}
}
