package flowtrack

import "time"

// WorkflowNameMax is the longest workflow name, in characters.
const WorkflowNameMax = 200

// WorkflowStatuses are the statuses a workflow can have, the first the default.
var WorkflowStatuses = []string{"active", "paused", "completed", "archived"}

// Workflow is a sequence of tasks inside a project.
type Workflow struct {
	ID        int64
	OwnerID   int64
	ProjectID int64
	Name      string
	Status    string
	TaskCount int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// WorkflowInput is a create or a change of a workflow; unset fields are kept.
type WorkflowInput struct {
	ProjectID Opt[int64]
	Name      Opt[string]
	Status    Opt[string]
}

// Check validates the set fields; with full, required ones must be set.
// That ProjectID names one of the caller's projects is the store's check.
func (in *WorkflowInput) Check(p *Problems, full bool) {
	if full && !in.ProjectID.Set && !p.Has("project") {
		p.Add("project", MsgRequired)
	}
	checkText(p, "name", &in.Name, full, false, WorkflowNameMax)
	checkChoice(p, "status", &in.Status, WorkflowStatuses)
}
