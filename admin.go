package flowtrack

import (
	"context"
	"errors"
	"time"
)

// Admin is the unscoped store of the staff panel: it sees every user's
// data. Only the admin package holds one, behind a staff session. Every
// change it makes is written to the action log in the same transaction.
type Admin interface {
	// AdminCounts counts users, projects, workflows, tasks by status, and
	// the tasks overdue on today.
	AdminCounts(ctx context.Context, today Date) (*AdminCounts, error)

	// The lists return a page and the total count of rows matching q.
	AdminUserList(ctx context.Context, q AdminQuery) ([]User, int, error)
	AdminProjectList(ctx context.Context, q AdminQuery) ([]AdminProject, int, error)
	AdminWorkflowList(ctx context.Context, q AdminQuery) ([]AdminWorkflow, int, error)
	AdminTaskList(ctx context.Context, q AdminQuery) ([]AdminTask, int, error)
	AdminLogList(ctx context.Context, q AdminQuery) ([]LogEntry, int, error)

	// The getters return a *NotFoundError for a missing object.
	AdminProjectGet(ctx context.Context, id int64) (*AdminProject, error)
	AdminWorkflowGet(ctx context.Context, id int64) (*AdminWorkflow, error)
	AdminTaskGet(ctx context.Context, id int64) (*AdminTask, error)

	// AdminUserCreate adds a user (a taken username is a *ValidationError).
	AdminUserCreate(ctx context.Context, actor *User, u *User) error
	// AdminUserUpdate stores a user's email and flags; only a superuser
	// actor changes the staff flags. It decides on the stored user, not
	// on u: ErrManageStaff when actor may not manage them.
	AdminUserUpdate(ctx context.Context, actor *User, u *User) error
	// AdminUserSetPassword replaces a password hash and revokes the user's
	// refresh tokens and admin sessions; ErrManageStaff as AdminUserUpdate.
	AdminUserSetPassword(ctx context.Context, actor *User, id int64, hash string) error

	// AdminProjectSave creates a project for owner (id 0) or changes one;
	// a new owner takes the project's workflows and tasks along.
	AdminProjectSave(ctx context.Context, actor *User, id, owner int64, in ProjectInput) (*Project, error)
	// AdminWorkflowSave creates or changes a workflow; a workflow moved to
	// another user's project takes its tasks to that user.
	AdminWorkflowSave(ctx context.Context, actor *User, id int64, in WorkflowInput) (*Workflow, error)
	// AdminTaskSave creates or changes a task, in any user's workflow.
	AdminTaskSave(ctx context.Context, actor *User, id int64, in TaskInput) (*Task, error)

	// AdminImpact counts what deleting an object takes with it and names
	// up to ImpactNames of its children.
	AdminImpact(ctx context.Context, kind string, id int64) (*Impact, error)
	// AdminDelete deletes a user, project, workflow or task and what it
	// holds, and logs how many of each went with it; ErrManageStaff for a
	// user actor may not manage.
	AdminDelete(ctx context.Context, actor *User, kind string, id int64) error

	// AdminSessionCreate records a new panel session.
	AdminSessionCreate(ctx context.Context, s *AdminSession) error
	// AdminSessionGet returns the live session with that key hash and its
	// user, or a *NotFoundError once it expired or was deleted.
	AdminSessionGet(ctx context.Context, keyHash string, now time.Time) (*AdminSession, *User, error)
	// AdminSessionFlash sets the message the session's next page shows.
	AdminSessionFlash(ctx context.Context, keyHash, message string) error
	// AdminSessionDelete ends a session.
	AdminSessionDelete(ctx context.Context, keyHash string) error
}

// ErrManageStaff is the refusal of a change to a staff account by a staff
// member who is not a superuser.
var ErrManageStaff = errors.New("Only superusers can change staff accounts.")

// MayManage tells whether a staff member may change or delete a user's
// account: only superusers manage other staff accounts, so that staff
// cannot raise themselves through another staff account.
func (u *User) MayManage(target *User) bool {
	return u.IsSuperuser || u.ID == target.ID || !target.IsStaff && !target.IsSuperuser
}

// The kinds of object the panel manages, as the action log names them.
const (
	KindUser     = "user"
	KindProject  = "project"
	KindWorkflow = "workflow"
	KindTask     = "task"
)

// Actions of the action log.
const (
	ActionCreate = "create"
	ActionChange = "change"
	ActionDelete = "delete"
)

// AdminQuery is a page of an admin list. Filters holds validated values
// by name: owner, project, workflow (ids), status, priority, overdue
// ("1"), staff and active ("1" or "0"), and for the log actor, action and
// kind. Order is a column name, "-" first for descending.
type AdminQuery struct {
	Search  string
	Filters map[string]string
	Order   string
	Offset  int
	Limit   int
	Today   Date
	// NoCount skips the total, for a select's choices: the lists return 0.
	NoCount bool
}

// AdminCounts are the totals the dashboard shows.
type AdminCounts struct {
	Users, Staff, Projects, Workflows, Tasks int64
	TasksByStatus                            map[string]int64
	Overdue                                  int64
}

// AdminProject is a project with its owner's name.
type AdminProject struct {
	Project
	Owner string
}

// AdminWorkflow is a workflow with its owner's and project's names.
type AdminWorkflow struct {
	Workflow
	Owner, Project string
}

// AdminTask is a task with its owner's, project's and workflow's names.
type AdminTask struct {
	Task
	Owner, Project, Workflow string
}

// ImpactNames is how many children a delete confirmation names.
const ImpactNames = 20

// Impact is what a delete takes with it.
type Impact struct {
	Projects, Workflows, Tasks int64
	// Names are "kind: name" of the first children, workflows before tasks.
	Names []string
}

// AdminSession is a staff member's signed-in panel session. Only the hash
// of its key is stored, so a database leak does not open sessions.
type AdminSession struct {
	KeyHash   string
	UserID    int64
	CSRF      string
	Flash     string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// LogEntry is one change made in the panel.
type LogEntry struct {
	ID       int64
	At       time.Time
	ActorID  *int64 // nil once the actor's account is deleted
	Actor    string
	Action   string
	Kind     string
	ObjectID int64
	Object   string // the object's name when the change was made
	Changes  []FieldChange
}

// FieldChange is one field's old and new value in the action log, or,
// with Along, how many children (Field: "tasks") went along with the
// object, deleted or moved to another owner, in To.
type FieldChange struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
	Along bool   `json:"along,omitempty"`
}

// Changes lists the fields whose values differ between before and after,
// in the order of after; both hold field, value pairs.
func Changes(before, after []string) []FieldChange {
	old := map[string]string{}
	for i := 0; i+1 < len(before); i += 2 {
		old[before[i]] = before[i+1]
	}
	var out []FieldChange
	for i := 0; i+1 < len(after); i += 2 {
		if from, ok := old[after[i]]; !ok || from != after[i+1] {
			out = append(out, FieldChange{Field: after[i], From: old[after[i]], To: after[i+1]})
		}
	}
	return out
}
