package sqlstore

import (
	"testing"

	"github.com/flowtrack/flowtrack"
)

// BenchmarkBuildList is writing the SQL of a filtered, searched, ordered
// cursor page of tasks.
func BenchmarkBuildList(b *testing.B) {
	wf := int64(7)
	lq := flowtrack.ListQuery{
		Filter: flowtrack.Filter{Workflow: &wf, Status: flowtrack.Set{Active: true, Values: []string{"todo", "blocked"}}},
		Search: []string{"release", "notes"},
		Order:  []flowtrack.OrderBy{{Field: "priority", Desc: true}, {Field: "due_date"}},
		Limit:  20,
		Cursor: &flowtrack.Cursor{Key: []any{int64(2), "2026-12-01", int64(99)}},
	}
	b.ReportAllocs()
	for b.Loop() {
		buildList(taskList, func(c, p string) string { return "instr(" + c + ", " + p + ") > 0" }, 1, true, lq)
	}
}
