package flowtrack

import "time"

// Task field limits.
const (
	TaskTitleMax       = 255
	TaskDescriptionMax = 10000
)

// TaskStatuses are the statuses a task can have, the first the default.
var TaskStatuses = []string{"todo", "in_progress", "blocked", "done"}

// TaskDone is the status that sets a task's CompletedAt.
const TaskDone = "done"

// TaskPriorities are the priorities from lowest to highest rank.
var TaskPriorities = []string{"low", "medium", "high", "urgent"}

// TaskDefaultPriority is the priority of a task created without one.
const TaskDefaultPriority = "medium"

// PriorityRank returns the rank of a priority (low is 0), or -1.
func PriorityRank(priority string) int {
	for i, p := range TaskPriorities {
		if p == priority {
			return i
		}
	}
	return -1
}

// Task is a unit of work in a workflow.
type Task struct {
	ID          int64
	OwnerID     int64
	ProjectID   int64
	WorkflowID  int64
	Title       string
	Description string
	Status      string
	Priority    string
	DueDate     *Date
	CompletedAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TaskInput is a create or a change of a task; unset fields are kept.
type TaskInput struct {
	WorkflowID  Opt[int64]
	Title       Opt[string]
	Description Opt[string]
	Status      Opt[string]
	Priority    Opt[string]
	DueDate     Opt[*Date]
}

// Check validates the set fields; with full, required ones must be set.
// That WorkflowID names one of the caller's workflows is the store's check.
func (in *TaskInput) Check(p *Problems, full bool) {
	if full && !in.WorkflowID.Set && !p.Has("workflow") {
		p.Add("workflow", MsgRequired)
	}
	checkText(p, "title", &in.Title, full, false, TaskTitleMax)
	checkText(p, "description", &in.Description, false, true, TaskDescriptionMax)
	checkChoice(p, "status", &in.Status, TaskStatuses)
	checkChoice(p, "priority", &in.Priority, TaskPriorities)
}
