package admin

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/flowtrack/flowtrack"
)

// The lists of the panel: what each shows, filters and sorts by.

var users, projects, workflows, tasks, actions *kind

func init() {
	users = &kind{path: "users", name: flowtrack.KindUser, title: "Users", noun: "user",
		search: "username and email",
		columns: []column{{"Username", "username"}, {"Email", "email"}, {"Active", "is_active"},
			{"Staff", "is_staff"}, {"Superuser", ""}, {"Joined", "date_joined"}, {"Last login", "last_login"}},
		filters: []filter{{"staff", "Staff", yesNo}, {"superuser", "Superuser", yesNo}, {"active", "Active", yesNo}},
		list:    userRows,
		label: func(ctx context.Context, p *Panel, id int64) (string, error) {
			u, err := p.store.UserGet(ctx, id)
			if err != nil {
				return "", err
			}
			return u.Username, nil
		},
	}
	projects = &kind{path: "projects", name: flowtrack.KindProject, title: "Projects", noun: "project",
		search:  "name, description and owner",
		columns: []column{{"Name", "name"}, {"Owner", "owner"}, {"Workflows", ""}, {"Tasks", ""}, {"Created", "created_at"}, {"Updated", "updated_at"}},
		filters: []filter{{"owner", "Owner", ownerChoices}},
		list:    projectRows,
		label: func(ctx context.Context, p *Panel, id int64) (string, error) {
			pr, err := p.store.AdminProjectGet(ctx, id)
			if err != nil {
				return "", err
			}
			return pr.Name, nil
		},
		form: projectForm,
	}
	workflows = &kind{path: "workflows", name: flowtrack.KindWorkflow, title: "Workflows", noun: "workflow",
		search: "name, project and owner",
		columns: []column{{"Name", "name"}, {"Project", "project"}, {"Owner", "owner"}, {"Status", "status"},
			{"Tasks", ""}, {"Created", "created_at"}},
		filters: []filter{{"owner", "Owner", ownerChoices}, {"project", "Project", projectChoices},
			{"status", "Status", choices(flowtrack.WorkflowStatuses...)}},
		list: workflowRows,
		label: func(ctx context.Context, p *Panel, id int64) (string, error) {
			w, err := p.store.AdminWorkflowGet(ctx, id)
			if err != nil {
				return "", err
			}
			return w.Name, nil
		},
		form: workflowForm,
	}
	tasks = &kind{path: "tasks", name: flowtrack.KindTask, title: "Tasks", noun: "task",
		search: "title and description",
		columns: []column{{"Title", "title"}, {"Workflow", "workflow"}, {"Project", "project"}, {"Owner", "owner"},
			{"Status", "status"}, {"Priority", "priority"}, {"Due", "due_date"}, {"Updated", "updated_at"}},
		filters: []filter{{"owner", "Owner", ownerChoices}, {"project", "Project", projectChoices},
			{"workflow", "Workflow", workflowChoices}, {"status", "Status", choices(flowtrack.TaskStatuses...)},
			{"priority", "Priority", choices(flowtrack.TaskPriorities...)},
			{"overdue", "Overdue", func(context.Context, *Panel) ([]option, error) {
				return []option{{Value: "1", Label: "Overdue"}}, nil
			}}},
		list: taskRows,
		label: func(ctx context.Context, p *Panel, id int64) (string, error) {
			t, err := p.store.AdminTaskGet(ctx, id)
			if err != nil {
				return "", err
			}
			return t.Title, nil
		},
		form: taskForm,
	}
	actions = &kind{path: "log", title: "Action log", noun: "entry",
		search:  "object and staff member",
		columns: []column{{"When", "at"}, {"Staff member", ""}, {"Action", ""}, {"Object", ""}, {"Changes", ""}},
		filters: []filter{{"actor", "Staff member", staffChoices}, {"action", "Action",
			choices(flowtrack.ActionCreate, flowtrack.ActionChange, flowtrack.ActionDelete)},
			{"kind", "Kind", choices(flowtrack.KindUser, flowtrack.KindProject, flowtrack.KindWorkflow, flowtrack.KindTask)},
			{"object", "Object", nil}},
		list: logRows,
	}
}

// kindByName finds a kind by its action-log name.
func kindByName(name string) *kind {
	for _, k := range []*kind{users, projects, workflows, tasks} {
		if k.name == name {
			return k
		}
	}
	return nil
}

func id(v int64) string { return strconv.FormatInt(v, 10) }

// when formats a time for a table.
func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

// short is a cell whose value is never broken over lines: dates, flags, choices.
func short(text string) cell { return cell{Text: text, Short: true} }

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// filtered links to a list filtered by one value.
func filtered(k *kind, name string, v int64) string {
	return "/admin/" + k.path + "/?" + name + "=" + id(v)
}

func userRows(ctx context.Context, p *Panel, q flowtrack.AdminQuery) ([][]cell, int, error) {
	list, total, err := p.store.AdminUserList(ctx, q)
	rows := make([][]cell, len(list))
	for i, u := range list {
		last := "never"
		if u.LastLogin != nil {
			last = when(*u.LastLogin)
		}
		rows[i] = []cell{{Text: u.Username, URL: "/admin/users/" + id(u.ID) + "/"}, {Text: u.Email}, short(yes(u.IsActive)),
			short(yes(u.IsStaff)), short(yes(u.IsSuperuser)), short(when(u.DateJoined)), short(last)}
	}
	return rows, total, err
}

func projectRows(ctx context.Context, p *Panel, q flowtrack.AdminQuery) ([][]cell, int, error) {
	list, total, err := p.store.AdminProjectList(ctx, q)
	rows := make([][]cell, len(list))
	for i, pr := range list {
		rows[i] = []cell{{Text: pr.Name, URL: "/admin/projects/" + id(pr.ID) + "/"}, {Text: pr.Owner, URL: filtered(projects, "owner", pr.OwnerID)},
			{Text: id(pr.WorkflowCount), URL: filtered(workflows, "project", pr.ID)}, {Text: id(pr.TaskCount), URL: filtered(tasks, "project", pr.ID)},
			short(when(pr.CreatedAt)), short(when(pr.UpdatedAt))}
	}
	return rows, total, err
}

func workflowRows(ctx context.Context, p *Panel, q flowtrack.AdminQuery) ([][]cell, int, error) {
	list, total, err := p.store.AdminWorkflowList(ctx, q)
	rows := make([][]cell, len(list))
	for i, w := range list {
		rows[i] = []cell{{Text: w.Name, URL: "/admin/workflows/" + id(w.ID) + "/"}, {Text: w.Project, URL: filtered(workflows, "project", w.ProjectID)},
			{Text: w.Owner, URL: filtered(workflows, "owner", w.OwnerID)}, short(w.Status),
			{Text: id(w.TaskCount), URL: filtered(tasks, "workflow", w.ID)}, short(when(w.CreatedAt))}
	}
	return rows, total, err
}

func taskRows(ctx context.Context, p *Panel, q flowtrack.AdminQuery) ([][]cell, int, error) {
	list, total, err := p.store.AdminTaskList(ctx, q)
	rows := make([][]cell, len(list))
	for i, t := range list {
		due := ""
		if t.DueDate != nil {
			due = string(*t.DueDate)
		}
		rows[i] = []cell{{Text: t.Title, URL: "/admin/tasks/" + id(t.ID) + "/"}, {Text: t.Workflow, URL: filtered(tasks, "workflow", t.WorkflowID)},
			{Text: t.Project, URL: filtered(tasks, "project", t.ProjectID)}, {Text: t.Owner, URL: filtered(tasks, "owner", t.OwnerID)},
			short(t.Status), short(t.Priority), short(due), short(when(t.UpdatedAt))}
	}
	return rows, total, err
}

func logRows(ctx context.Context, p *Panel, q flowtrack.AdminQuery) ([][]cell, int, error) {
	list, total, err := p.store.AdminLogList(ctx, q)
	rows := make([][]cell, len(list))
	for i, e := range list {
		rows[i] = logCells(e)
	}
	return rows, total, err
}

// logCells shows an action-log entry.
func logCells(e flowtrack.LogEntry) []cell {
	actor := cell{Text: e.Actor}
	if e.ActorID != nil {
		actor.URL = filtered(actions, "actor", *e.ActorID)
	}
	object := cell{Text: fmt.Sprintf("%s “%s” (#%d)", e.Kind, e.Object, e.ObjectID)}
	if k := kindByName(e.Kind); k != nil && e.Action != flowtrack.ActionDelete {
		object.URL = "/admin/" + k.path + "/" + id(e.ObjectID) + "/"
	}
	var changes []string
	for _, c := range e.Changes {
		switch {
		case c.Along && e.Action == flowtrack.ActionDelete:
			changes = append(changes, c.Field+" deleted with it: "+c.To)
		case c.Along:
			changes = append(changes, c.Field+" moved with it: "+c.To)
		case e.Action == flowtrack.ActionCreate:
			if c.To != "" {
				changes = append(changes, c.Field+": "+c.To)
			}
		case c.Field == "password":
			changes = append(changes, "password changed")
		default:
			changes = append(changes, fmt.Sprintf("%s: %s → %s", c.Field, orEmpty(c.From), orEmpty(c.To)))
		}
	}
	if e.Action == flowtrack.ActionChange && len(changes) == 0 {
		changes = append(changes, "no fields changed")
	}
	return []cell{short(e.At.UTC().Format("2006-01-02 15:04:05")), actor, short(e.Action), object,
		{Text: strings.Join(changes, "\n")}}
}

// orEmpty shows an empty value as such.
func orEmpty(v string) string {
	if v == "" {
		return "(empty)"
	}
	return v
}

// staffChoices are the staff members, for the action log's filter.
func staffChoices(ctx context.Context, p *Panel) ([]option, error) {
	list, _, err := p.store.AdminUserList(ctx, flowtrack.AdminQuery{Order: "username", Limit: maxChoices, NoCount: true,
		Filters: map[string]string{"staff": "1"}})
	if err != nil {
		return nil, err
	}
	opts := make([]option, len(list))
	for i, u := range list {
		opts[i] = option{Value: id(u.ID), Label: u.Username}
	}
	return opts, nil
}
