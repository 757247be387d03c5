package api

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/flowtrack/flowtrack"
)

// FuzzAppendJSON checks that the bodies which append their own JSON write
// exactly the bytes encoding/json writes for them, whatever their text.
func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{"", "plain", `say "hi"`, `back\slash`, "<b>&amp;</b>", "tab\tnew\nline\r",
		"\x00\x01\x1f\x7f", "unit\x1fsep", "\b\f", "héllo wörld ✓", "emoji 🎉", "\u2028\u2029", "bad \xff\xfe utf8", "\xed\xa0\x80"} {
		f.Add(s, s, int64(1), int64(1_700_000_000_123_456))
	}
	f.Add("a", "b", int64(-1), int64(0))
	f.Add("x", "y", int64(1<<62), int64(-62_135_596_800_000_000))
	f.Fuzz(func(t *testing.T, text, other string, n, micros int64) {
		at := time.UnixMicro(micros).In(time.FixedZone("x", 3600))
		due := flowtrack.Date(other)
		task := renderTask(&flowtrack.Task{ID: n, WorkflowID: n + 1, ProjectID: n - 1, Title: text, Description: other,
			Status: text, Priority: other, DueDate: &due, CompletedAt: &at, CreatedAt: at, UpdatedAt: at.Add(time.Microsecond)})
		bare := renderTask(&flowtrack.Task{ID: n, Title: text, CreatedAt: at})
		project := renderProject(&flowtrack.Project{ID: n, Name: text, Description: other, OwnerID: n, WorkflowCount: n,
			TaskCount: -n, CreatedAt: at, UpdatedAt: at})
		workflow := renderWorkflow(&flowtrack.Workflow{ID: n, ProjectID: n, Name: text, Status: other, TaskCount: n,
			CreatedAt: at, UpdatedAt: at})
		link := "http://testserver/api/tasks/?search=" + text + "&page=2"
		bodies := []any{task, bare, project, workflow,
			pageBody{Count: int(n), Next: &link, Results: []any{task, bare, project, workflow}},
			pageBody{Previous: &other, Results: []any{}},
			pageBody{},
			cursorBody{Next: &other, Previous: &link, Results: []any{task, map[string]any{"other": text}}},
			cursorBody{Results: []any{}},
		}
		for _, body := range bodies {
			got, err := marshal(body)
			if err != nil {
				t.Fatalf("marshal(%#v): %v", body, err)
			}
			want, err := marshalReflect(body)
			if err != nil {
				t.Fatalf("marshalReflect(%#v): %v", body, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("appended JSON differs from encoding/json's\n got: %s\nwant: %s", got, want)
			}
			if !json.Valid(got) {
				t.Fatalf("invalid JSON: %s", got)
			}
		}
	})
}
