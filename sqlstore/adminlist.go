package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/flowtrack/flowtrack"
)

// The admin panel's reads: lists across every owner, with the names of
// the rows they reference.

// extend adds columns to a SELECT that ends with from, and joins after it.
func extend(sel, from, columns, joins string) string {
	head, ok := strings.CutSuffix(strings.TrimSpace(sel), from)
	if !ok {
		panic("sqlstore: " + from + " does not end the select")
	}
	return head + ", " + columns + "\n\t" + from + " " + joins
}

var (
	adminProjectSelect = extend(projectSelect, "FROM projects p", "u.username",
		"JOIN users u ON u.id = p.owner_id")
	adminWorkflowSelect = extend(workflowSelect, "FROM workflows w", "u.username, p.name",
		"JOIN users u ON u.id = w.owner_id JOIN projects p ON p.id = w.project_id")
	adminTaskSelect = extend(taskSelect, "FROM tasks t", "u.username, p.name, w.name",
		"JOIN users u ON u.id = t.owner_id JOIN projects p ON p.id = t.project_id JOIN workflows w ON w.id = t.workflow_id")
	adminUserSelect = `SELECT ` + prefixed("u.", userColumns) + ` FROM users u`
	adminLogSelect  = `SELECT l.id, l.at, l.actor_id, l.actor, l.action, l.kind, l.object_id, l.object, l.changes FROM admin_log l`
)

// prefixed qualifies each column of a comma-separated list.
func prefixed(prefix, columns string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		parts[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

func scanAdminProject(row interface{ Scan(...any) error }) (*flowtrack.AdminProject, error) {
	var a flowtrack.AdminProject
	p, err := scanProject(extraScan{row, []any{&a.Owner}})
	if err != nil {
		return nil, err
	}
	a.Project = *p
	return &a, nil
}

func scanAdminWorkflow(row interface{ Scan(...any) error }) (*flowtrack.AdminWorkflow, error) {
	var a flowtrack.AdminWorkflow
	w, err := scanWorkflow(extraScan{row, []any{&a.Owner, &a.Project}})
	if err != nil {
		return nil, err
	}
	a.Workflow = *w
	return &a, nil
}

func scanAdminTask(row interface{ Scan(...any) error }) (*flowtrack.AdminTask, error) {
	var a flowtrack.AdminTask
	t, err := scanTask(extraScan{row, []any{&a.Owner, &a.Project, &a.Workflow}})
	if err != nil {
		return nil, err
	}
	a.Task = *t
	return &a, nil
}

func scanLogEntry(row interface{ Scan(...any) error }) (*flowtrack.LogEntry, error) {
	var e flowtrack.LogEntry
	var at int64
	var changes string
	if err := row.Scan(&e.ID, &at, &e.ActorID, &e.Actor, &e.Action, &e.Kind, &e.ObjectID, &e.Object, &changes); err != nil {
		return nil, err
	}
	e.At = fromMicros(at)
	if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
		return nil, fmt.Errorf("admin log %d: %w", e.ID, err)
	}
	return &e, nil
}

func (db *DB) adminProject(ctx context.Context, q queryer, id int64) (*flowtrack.AdminProject, error) {
	return scanAdminProject(q.QueryRowContext(ctx, adminProjectSelect+` WHERE p.id = $1`, id))
}

func (db *DB) adminWorkflow(ctx context.Context, q queryer, id int64) (*flowtrack.AdminWorkflow, error) {
	return scanAdminWorkflow(q.QueryRowContext(ctx, adminWorkflowSelect+` WHERE w.id = $1`, id))
}

func (db *DB) adminTask(ctx context.Context, q queryer, id int64) (*flowtrack.AdminTask, error) {
	return scanAdminTask(q.QueryRowContext(ctx, adminTaskSelect+` WHERE t.id = $1`, id))
}

// AdminProjectGet returns any user's project.
func (db *DB) AdminProjectGet(ctx context.Context, id int64) (*flowtrack.AdminProject, error) {
	return db.adminProject(ctx, db.reader(), id)
}

// AdminWorkflowGet returns any user's workflow.
func (db *DB) AdminWorkflowGet(ctx context.Context, id int64) (*flowtrack.AdminWorkflow, error) {
	return db.adminWorkflow(ctx, db.reader(), id)
}

// AdminTaskGet returns any user's task.
func (db *DB) AdminTaskGet(ctx context.Context, id int64) (*flowtrack.AdminTask, error) {
	return db.adminTask(ctx, db.reader(), id)
}

// filterKind is how a filter value becomes a statement argument.
type filterKind int

const (
	filterID filterKind = iota
	filterText
	filterBool
	filterPriority
)

type adminFilter struct {
	column string
	kind   filterKind
}

// adminListSpec describes one admin list.
type adminListSpec struct {
	sel, from string
	search    []string // columns each search term is looked for in
	filters   map[string]adminFilter
	orders    map[string]string // column name → SQL expression
	overdue   bool              // supports the overdue filter (tasks)
}

var (
	adminUsers = adminListSpec{
		sel: adminUserSelect, from: "FROM users u",
		search: []string{"u.username_key", "lower(u.email)"},
		filters: map[string]adminFilter{
			"staff": {"u.is_staff", filterBool}, "active": {"u.is_active", filterBool},
			"superuser": {"u.is_superuser", filterBool}},
		orders: map[string]string{"id": "u.id", "username": "u.username_key", "email": "lower(u.email)",
			"date_joined": "u.date_joined", "last_login": "COALESCE(u.last_login, 0)",
			"is_staff": "u.is_staff", "is_active": "u.is_active"},
	}
	adminProjects = adminListSpec{
		sel: adminProjectSelect, from: "FROM projects p JOIN users u ON u.id = p.owner_id",
		search:  []string{"p.name_fold", "p.description_fold", "u.username_key"},
		filters: map[string]adminFilter{"owner": {"p.owner_id", filterID}},
		orders: map[string]string{"id": "p.id", "name": "p.name", "owner": "u.username_key",
			"created_at": "p.created_at", "updated_at": "p.updated_at"},
	}
	adminWorkflows = adminListSpec{
		sel:    adminWorkflowSelect,
		from:   "FROM workflows w JOIN users u ON u.id = w.owner_id JOIN projects p ON p.id = w.project_id",
		search: []string{"w.name_fold", "p.name_fold", "u.username_key"},
		filters: map[string]adminFilter{"owner": {"w.owner_id", filterID}, "project": {"w.project_id", filterID},
			"status": {"w.status", filterText}},
		orders: map[string]string{"id": "w.id", "name": "w.name", "owner": "u.username_key", "project": "p.name",
			"status": "w.status", "created_at": "w.created_at", "updated_at": "w.updated_at"},
	}
	adminTasks = adminListSpec{
		sel: adminTaskSelect,
		from: "FROM tasks t JOIN users u ON u.id = t.owner_id JOIN projects p ON p.id = t.project_id " +
			"JOIN workflows w ON w.id = t.workflow_id",
		search: []string{"t.title_fold", "t.description_fold"},
		filters: map[string]adminFilter{"owner": {"t.owner_id", filterID}, "project": {"t.project_id", filterID},
			"workflow": {"t.workflow_id", filterID}, "status": {"t.status", filterText},
			"priority": {"t.priority", filterPriority}},
		orders: map[string]string{"id": "t.id", "title": "t.title", "owner": "u.username_key", "project": "p.name",
			"workflow": "w.name", "status": "t.status", "priority": "t.priority",
			"due_date": dueKey, "created_at": "t.created_at", "updated_at": "t.updated_at"},
		overdue: true,
	}
	adminLog = adminListSpec{
		sel: adminLogSelect, from: "FROM admin_log l",
		search: []string{"lower(l.object)", "lower(l.actor)"},
		filters: map[string]adminFilter{"actor": {"l.actor_id", filterID}, "action": {"l.action", filterText},
			"kind": {"l.kind", filterText}, "object": {"l.object_id", filterID}},
		orders: map[string]string{"id": "l.id", "at": "l.id"},
	}
)

// adminList runs a list: its count, then the page, newest first unless
// q.Order names a column of spec.
func adminList[T any](ctx context.Context, db *DB, spec adminListSpec, q flowtrack.AdminQuery,
	scan func(interface{ Scan(...any) error }) (*T, error)) ([]T, int, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	for _, term := range flowtrack.SplitSearch(q.Search) {
		var alts []string
		for _, col := range spec.search {
			v := flowtrack.Fold(term)
			if !strings.HasSuffix(col, "_fold") {
				v = strings.ToLower(term)
			}
			alts = append(alts, db.engine.Contains(col, arg(v)))
		}
		where = append(where, "("+strings.Join(alts, " OR ")+")")
	}
	names := make([]string, 0, len(q.Filters))
	for name := range q.Filters {
		names = append(names, name)
	}
	// A fixed order keeps the statement text, and so its cached plan, stable.
	slices.Sort(names)
	for _, name := range names {
		value := q.Filters[name]
		if name == "overdue" && spec.overdue {
			if value == "1" {
				where = append(where, "t.due_date < "+arg(string(q.Today))+" AND t.status <> 'done'")
			}
			continue
		}
		f, ok := spec.filters[name]
		if !ok {
			return nil, 0, fmt.Errorf("admin list: unknown filter %q", name)
		}
		var v any = value
		switch f.kind {
		case filterID:
			id, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return nil, 0, fmt.Errorf("admin list: filter %s: %w", name, err)
			}
			v = id
		case filterBool:
			v = value == "1"
		case filterPriority:
			v = flowtrack.PriorityRank(value)
		}
		where = append(where, f.column+" = "+arg(v))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if !q.NoCount {
		if err := db.reader().QueryRowContext(ctx, "SELECT count(*) "+spec.from+cond, args...).Scan(&total); err != nil {
			return nil, 0, err
		}
	}
	field, desc := strings.CutPrefix(q.Order, "-")
	expr, ok := spec.orders[field]
	if !ok {
		expr, desc = spec.orders["id"], true
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	order := " ORDER BY " + expr + dir
	if expr != spec.orders["id"] {
		order += ", " + spec.orders["id"] + dir
	}
	rows, err := collect(ctx, db.reader(), scan,
		spec.sel+cond+order+" LIMIT "+arg(q.Limit)+" OFFSET "+arg(q.Offset), args...)
	return rows, total, err
}

// AdminUserList lists users.
func (db *DB) AdminUserList(ctx context.Context, q flowtrack.AdminQuery) ([]flowtrack.User, int, error) {
	return adminList(ctx, db, adminUsers, q, scanUser)
}

// AdminProjectList lists every user's projects.
func (db *DB) AdminProjectList(ctx context.Context, q flowtrack.AdminQuery) ([]flowtrack.AdminProject, int, error) {
	return adminList(ctx, db, adminProjects, q, scanAdminProject)
}

// AdminWorkflowList lists every user's workflows.
func (db *DB) AdminWorkflowList(ctx context.Context, q flowtrack.AdminQuery) ([]flowtrack.AdminWorkflow, int, error) {
	return adminList(ctx, db, adminWorkflows, q, scanAdminWorkflow)
}

// AdminTaskList lists every user's tasks.
func (db *DB) AdminTaskList(ctx context.Context, q flowtrack.AdminQuery) ([]flowtrack.AdminTask, int, error) {
	return adminList(ctx, db, adminTasks, q, scanAdminTask)
}

// AdminLogList lists the action log, newest first.
func (db *DB) AdminLogList(ctx context.Context, q flowtrack.AdminQuery) ([]flowtrack.LogEntry, int, error) {
	return adminList(ctx, db, adminLog, q, scanLogEntry)
}

// AdminCounts counts everything the dashboard shows.
func (db *DB) AdminCounts(ctx context.Context, today flowtrack.Date) (*flowtrack.AdminCounts, error) {
	c := &flowtrack.AdminCounts{TasksByStatus: map[string]int64{}}
	for _, s := range flowtrack.TaskStatuses {
		c.TasksByStatus[s] = 0
	}
	r := db.reader()
	err := r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM users), (SELECT count(*) FROM users WHERE is_staff),
		(SELECT count(*) FROM projects), (SELECT count(*) FROM workflows),
		(SELECT count(*) FROM tasks WHERE due_date < $1 AND status <> 'done')`, string(today)).
		Scan(&c.Users, &c.Staff, &c.Projects, &c.Workflows, &c.Overdue)
	if err != nil {
		return nil, err
	}
	rows, err := r.QueryContext(ctx, `SELECT status, count(*) FROM tasks GROUP BY status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var n int64
		if err := rows.Scan(&status, &n); err != nil {
			return nil, err
		}
		c.TasksByStatus[status] = n
		c.Tasks += n
	}
	return c, rows.Err()
}

// impactParents are the column that ties children to an object of each kind.
var impactParents = map[string]string{
	flowtrack.KindUser: "owner_id", flowtrack.KindProject: "project_id", flowtrack.KindWorkflow: "workflow_id",
}

// AdminImpact counts and names what deleting an object takes with it.
func (db *DB) AdminImpact(ctx context.Context, kind string, id int64) (*flowtrack.Impact, error) {
	return db.impact(ctx, db.reader(), kind, id, flowtrack.ImpactNames)
}

// impact counts what an object holds and names up to names of them.
func (db *DB) impact(ctx context.Context, r conn, kind string, id int64, names int) (*flowtrack.Impact, error) {
	im := &flowtrack.Impact{}
	col, ok := impactParents[kind]
	if !ok {
		return im, nil
	}
	parts := []struct {
		table, name, label string
		n                  *int64
	}{
		{"projects", "name", "Project", &im.Projects},
		{"workflows", "name", "Workflow", &im.Workflows},
		{"tasks", "title", "Task", &im.Tasks},
	}
	for _, p := range parts {
		if p.table == "projects" && kind != flowtrack.KindUser || p.table == "workflows" && kind == flowtrack.KindWorkflow {
			continue
		}
		if err := r.QueryRowContext(ctx, `SELECT count(*) FROM `+p.table+` WHERE `+col+` = $1`, id).Scan(p.n); err != nil {
			return nil, err
		}
		left := names - len(im.Names)
		if left <= 0 || *p.n == 0 {
			continue
		}
		names, err := collect(ctx, r, func(row interface{ Scan(...any) error }) (*string, error) {
			var s string
			err := row.Scan(&s)
			return &s, err
		}, `SELECT `+p.name+` FROM `+p.table+` WHERE `+col+` = $1 ORDER BY id LIMIT `+strconv.Itoa(left), id)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			im.Names = append(im.Names, p.label+": "+n)
		}
	}
	return im, nil
}
