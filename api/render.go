package api

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/flowtrack/flowtrack"
)

// stamp is a time written as DRF writes it: UTC, microseconds only when
// not zero, Z for the zone.
type stamp time.Time

func (t stamp) MarshalJSON() ([]byte, error) {
	return appendStamp(nil, time.Time(t)), nil
}

func appendStamp(b []byte, t time.Time) []byte {
	t = t.UTC()
	b = append(b, '"')
	b = t.AppendFormat(b, "2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		b = append(b, '.')
		s := strconv.Itoa(us)
		for i := len(s); i < 6; i++ {
			b = append(b, '0')
		}
		b = append(b, s...)
	}
	return append(b, 'Z', '"')
}

func stampPtr(t *time.Time) *stamp {
	if t == nil {
		return nil
	}
	s := stamp(*t)
	return &s
}

type projectJSON struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	Description   string `json:"description"`
	Owner         int64  `json:"owner"`
	WorkflowCount int64  `json:"workflow_count"`
	TaskCount     int64  `json:"task_count"`
	CreatedAt     stamp  `json:"created_at"`
	UpdatedAt     stamp  `json:"updated_at"`
}

func renderProject(p *flowtrack.Project) any {
	return projectJSON{ID: p.ID, Name: p.Name, Description: p.Description, Owner: p.OwnerID,
		WorkflowCount: p.WorkflowCount, TaskCount: p.TaskCount, CreatedAt: stamp(p.CreatedAt), UpdatedAt: stamp(p.UpdatedAt)}
}

type workflowJSON struct {
	ID        int64  `json:"id"`
	Project   int64  `json:"project"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	TaskCount int64  `json:"task_count"`
	CreatedAt stamp  `json:"created_at"`
	UpdatedAt stamp  `json:"updated_at"`
}

func renderWorkflow(w *flowtrack.Workflow) any {
	return workflowJSON{ID: w.ID, Project: w.ProjectID, Name: w.Name, Status: w.Status, TaskCount: w.TaskCount,
		CreatedAt: stamp(w.CreatedAt), UpdatedAt: stamp(w.UpdatedAt)}
}

type taskJSON struct {
	ID          int64           `json:"id"`
	Workflow    int64           `json:"workflow"`
	Project     int64           `json:"project"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Status      string          `json:"status"`
	Priority    string          `json:"priority"`
	DueDate     *flowtrack.Date `json:"due_date"`
	CompletedAt *stamp          `json:"completed_at"`
	CreatedAt   stamp           `json:"created_at"`
	UpdatedAt   stamp           `json:"updated_at"`
}

func renderTask(t *flowtrack.Task) any {
	return taskJSON{ID: t.ID, Workflow: t.WorkflowID, Project: t.ProjectID, Title: t.Title, Description: t.Description,
		Status: t.Status, Priority: t.Priority, DueDate: t.DueDate, CompletedAt: stampPtr(t.CompletedAt),
		CreatedAt: stamp(t.CreatedAt), UpdatedAt: stamp(t.UpdatedAt)}
}

// Field orders of the serializers, for the order of validation errors.
var (
	projectFields  = []string{"name", "description"}
	workflowFields = []string{"project", "name", "status"}
	taskFields     = []string{"workflow", "title", "description", "status", "priority", "due_date"}
)

func decodeProject(o object, p *flowtrack.Problems, full bool) flowtrack.ProjectInput {
	in := flowtrack.ProjectInput{Name: o.str(p, "name"), Description: o.str(p, "description")}
	in.Check(p, full)
	p.SortBy(projectFields)
	return in
}

func decodeWorkflow(o object, p *flowtrack.Problems, full bool) flowtrack.WorkflowInput {
	in := flowtrack.WorkflowInput{ProjectID: o.pk(p, "project"), Name: o.str(p, "name"), Status: o.choice(p, "status")}
	in.Check(p, full)
	p.SortBy(workflowFields)
	return in
}

// refProblem records a reference as invalid if get finds no such object.
func refProblem(p *flowtrack.Problems, field string, id flowtrack.Opt[int64], order []string, get func(int64) error) error {
	if !id.Set || p.Has(field) {
		return nil
	}
	err := get(id.Value)
	if errors.Is(err, flowtrack.ErrNotFound) {
		p.Add(field, flowtrack.MsgInvalidPK(strconv.FormatInt(id.Value, 10)))
		p.SortBy(order)
		return nil
	}
	return err
}

func workflowRefs(sc flowtrack.Scope, ctx context.Context, in flowtrack.WorkflowInput, p *flowtrack.Problems) error {
	return refProblem(p, "project", in.ProjectID, workflowFields, func(id int64) error {
		_, err := sc.ProjectGet(ctx, id)
		return err
	})
}

func taskRefs(sc flowtrack.Scope, ctx context.Context, in flowtrack.TaskInput, p *flowtrack.Problems) error {
	return refProblem(p, "workflow", in.WorkflowID, taskFields, func(id int64) error {
		_, err := sc.WorkflowGet(ctx, id)
		return err
	})
}

func decodeTask(o object, p *flowtrack.Problems, full bool) flowtrack.TaskInput {
	in := flowtrack.TaskInput{WorkflowID: o.pk(p, "workflow"), Title: o.str(p, "title"), Description: o.str(p, "description"),
		Status: o.choice(p, "status"), Priority: o.choice(p, "priority"), DueDate: o.date(p, "due_date")}
	in.Check(p, full)
	p.SortBy(taskFields)
	return in
}
