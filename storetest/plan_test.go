package storetest

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowtrack/flowtrack"
	"github.com/flowtrack/flowtrack/sqlstore"
)

// planUsers and planTasks size the data of the plan test: enough rows that
// both planners choose as they would in production, few enough for CI.
const (
	planUsers = 10
	planTasks = 20000 // per user
)

// TestListPlans checks that every list is an index range scan of one
// user's rows, and that a cursor page also needs no sort: its cost does
// not grow with the user's data.
func TestListPlans(t *testing.T) {
	EachEngine(t, func(t *testing.T, engine string) {
		db := Open(t, engine)
		user := seedPlanData(t, db)
		fullScan, sort := planPatterns(engine)

		check := func(name, collection string, lq flowtrack.ListQuery, noSort bool) {
			t.Helper()
			plans, err := db.ListPlan(context.Background(), user, collection, lq)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			// A narrowed page's walk is what runs in order; the page
			// after it runs only when the filter matches many rows.
			ordered := "page"
			if slices.ContainsFunc(plans, func(p sqlstore.StatementPlan) bool { return p.Name == "walk" }) {
				ordered = "walk"
			}
			for _, plan := range plans {
				text := strings.Join(plan.Plan, "\n")
				if fullScan(text) {
					t.Errorf("%s, %s: full scan of tasks:\n%s", name, plan.Name, text)
				}
				if noSort && strings.HasSuffix(plan.Name, ordered) && sort.MatchString(text) {
					t.Errorf("%s, %s: sorts the user's rows:\n%s", name, plan.Name, text)
				}
				// A narrowed page's probe and sort read the filter's index,
				// a LIMIT on each of its values, whatever the planner
				// expects of them.
				if (strings.HasSuffix(plan.Name, "probe") || strings.HasSuffix(plan.Name, "sorted")) && !filterIndex.MatchString(text) {
					t.Errorf("%s, %s: does not read the filter's index:\n%s", name, plan.Name, text)
				}
			}
		}
		narrowed := func(name string, lq flowtrack.ListQuery) {
			t.Helper()
			check(name, "tasks", lq, lq.Cursor != nil)
			plans, err := db.ListPlan(context.Background(), user, "tasks", lq)
			ok(t, err, name)
			var names []string
			for _, plan := range plans {
				names = append(names, plan.Name)
			}
			for _, want := range []string{"walk", "probe", "sorted"} {
				if !slices.Contains(names, want) {
					t.Errorf("%s: not narrowed: plans of %v", name, names)
				}
			}
		}

		wf := int64(1)
		cases := map[string]flowtrack.Filter{
			"no filter":   {},
			"workflow":    {Workflow: &wf},
			"project":     {Project: &wf},
			"status":      {Status: flowtrack.Set{Active: true, Values: []string{"todo", "done"}}},
			"priority":    {Priority: flowtrack.Set{Active: true, Values: []string{"high"}}},
			"due range":   {DueFrom: date("2026-01-01"), DueTo: date("2026-12-31")},
			"due from":    {DueFrom: date("2027-01-01")},
			"overdue":     {Overdue: boolPtr(true), Today: "2026-06-01"},
			"not overdue": {Overdue: boolPtr(false), Today: "2026-06-01"},
		}
		orders := []string{"title", "status", "priority", "due_date", "created_at", "updated_at"}
		for name, f := range cases {
			check("tasks page, "+name, "tasks", flowtrack.ListQuery{Filter: f, Limit: 20}, false)
			check("tasks search, "+name, "tasks", flowtrack.ListQuery{Filter: f, Search: []string{"task 1"}, Limit: 20}, false)
		}
		for _, field := range orders {
			for _, desc := range []bool{false, true} {
				order := []flowtrack.OrderBy{{Field: field, Desc: desc}}
				name := fmt.Sprintf("tasks ordered by %s desc=%v", field, desc)
				check(name, "tasks", flowtrack.ListQuery{Order: order, Limit: 20}, false)
				// Cursor pages: the first, and one from a position, both ways.
				check(name+", first cursor page", "tasks", flowtrack.ListQuery{Order: order, Limit: 20, Cursor: &flowtrack.Cursor{}}, true)
				key := []any{sampleKey(field), int64(5)}
				for _, reverse := range []bool{false, true} {
					check(fmt.Sprintf("%s, cursor reverse=%v", name, reverse), "tasks",
						flowtrack.ListQuery{Order: order, Limit: 20, Cursor: &flowtrack.Cursor{Key: key, Reverse: reverse}}, true)
				}
				check(name+", cursor with search and status", "tasks", flowtrack.ListQuery{Order: order, Limit: 20,
					Search: []string{"task"}, Filter: cases["status"], Cursor: &flowtrack.Cursor{Key: key}}, true)
			}
		}
		// Filters whose index is not the order's narrow the page.
		byPriority := []flowtrack.OrderBy{{Field: "priority", Desc: true}}
		narrowed("tasks of a status by priority", flowtrack.ListQuery{Filter: cases["status"], Order: byPriority, Limit: 20})
		narrowed("tasks of a priority by title, cursor", flowtrack.ListQuery{Filter: cases["priority"],
			Order: []flowtrack.OrderBy{{Field: "title"}}, Limit: 20, Cursor: &flowtrack.Cursor{Key: []any{"task 5", int64(5)}}})
		narrowed("tasks of a workflow by priority, cursor", flowtrack.ListQuery{Filter: cases["workflow"], Order: byPriority,
			Limit: 20, Cursor: &flowtrack.Cursor{Key: []any{int64(1), int64(5)}}})
		narrowed("tasks of a project by due date, searched", flowtrack.ListQuery{Filter: cases["project"], Search: []string{"task 1"},
			Order: []flowtrack.OrderBy{{Field: "due_date"}}, Limit: 20})
		// Due dates narrow to their own index.
		for name, lq := range map[string]flowtrack.ListQuery{
			"tasks due in a range by priority": {Filter: cases["due range"], Order: byPriority, Limit: 20},
			"tasks due from a date by title":   {Filter: cases["due from"], Order: []flowtrack.OrderBy{{Field: "title"}}, Limit: 20},
		} {
			narrowed(name, lq)
			plans, err := db.ListPlan(context.Background(), user, "tasks", lq)
			ok(t, err, name)
			for _, plan := range plans {
				if strings.HasSuffix(plan.Name, "probe") && !slices.ContainsFunc(plan.Plan, func(l string) bool { return strings.Contains(l, "tasks_owner_due_key_scoped") }) {
					t.Errorf("%s, %s: does not read the due date's index:\n%s", name, plan.Name, strings.Join(plan.Plan, "\n"))
				}
			}
		}
		// A workflow's or a project's page in another order, walked when
		// it holds many tasks, checks them in the order's index.
		for name, lq := range map[string]flowtrack.ListQuery{
			"tasks of a workflow by priority": {Filter: cases["workflow"], Order: byPriority, Limit: 20},
			"tasks of a project by update, cursor": {Filter: cases["project"], Order: []flowtrack.OrderBy{{Field: "updated_at", Desc: true}},
				Limit: 20, Cursor: &flowtrack.Cursor{}},
		} {
			plans, err := db.ListPlan(context.Background(), user, "tasks", lq)
			ok(t, err, name)
			for _, plan := range plans {
				if text := strings.Join(plan.Plan, "\n"); strings.HasSuffix(plan.Name, "page") && !scopedWalk(engine, text) {
					t.Errorf("%s, %s: does not check the workflow or project in the order's index:\n%s", name, plan.Name, text)
				}
			}
		}
		narrowed("overdue tasks by title, cursor", flowtrack.ListQuery{Filter: cases["overdue"],
			Order: []flowtrack.OrderBy{{Field: "title"}}, Limit: 20, Cursor: &flowtrack.Cursor{}})
		// In due date order, the due date's bounds are the index's: the
		// walk seeks to them, both ways.
		for _, desc := range []bool{false, true} {
			for _, name := range []string{"due range", "overdue", "due from"} {
				label := fmt.Sprintf("%s by due date desc=%v, cursor", name, desc)
				lq := flowtrack.ListQuery{Filter: cases[name], Order: []flowtrack.OrderBy{{Field: "due_date", Desc: desc}}, Limit: 20, Cursor: &flowtrack.Cursor{}}
				check(label, "tasks", lq, true)
				plans, err := db.ListPlan(context.Background(), user, "tasks", lq)
				ok(t, err, label)
				for _, plan := range plans {
					if text := strings.Join(plan.Plan, "\n"); !dueSeek.MatchString(text) {
						t.Errorf("%s, %s: does not seek to the due date:\n%s", label, plan.Name, text)
					} else if name == "due from" && !dueBounded.MatchString(text) {
						t.Errorf("%s, %s: does not stop at the last date:\n%s", label, plan.Name, text)
					}
				}
			}
		}
		check("tasks of a workflow, cursor", "tasks", flowtrack.ListQuery{Filter: cases["workflow"], Limit: 20,
			Cursor: &flowtrack.Cursor{Key: []any{int64(100), int64(5)}}}, true)
		for _, field := range []string{"name", "created_at", "updated_at"} {
			order := []flowtrack.OrderBy{{Field: field, Desc: true}}
			check("projects by "+field, "projects", flowtrack.ListQuery{Order: order, Limit: 20}, false)
			check("workflows by "+field, "workflows", flowtrack.ListQuery{Order: order, Limit: 20}, false)
		}
		check("workflows of a project", "workflows", flowtrack.ListQuery{Filter: cases["project"], Limit: 20}, false)
		// PostgreSQL's generic plan is explained with the arguments
		// written as literals.
		check("tasks search with a quote and a backslash", "tasks", flowtrack.ListQuery{Search: []string{`it's \ 'here\'`}, Limit: 20}, false)
		if engine == "postgres" {
			// Explaining a generic plan forces them on its connection,
			// which must not serve requests afterwards.
			ctx := t.Context()
			for i := range db.SQL().Stats().MaxOpenConnections {
				c, err := db.SQL().Conn(ctx)
				ok(t, err, "connection")
				defer c.Close()
				var mode string
				ok(t, c.QueryRowContext(ctx, "SHOW plan_cache_mode").Scan(&mode), "plan_cache_mode")
				same(t, fmt.Sprint("plan_cache_mode of pooled connection ", i), mode, "auto")
			}
		}
	})
}

// planPatterns are what a plan shows for a full scan of the tasks table
// and for a sort, on each engine. (Projects and workflows are few here, so
// PostgreSQL rightly reads those small tables whole.)
func planPatterns(engine string) (fullScan func(plan string) bool, sort *regexp.Regexp) {
	if engine == "sqlite" {
		// SEARCH uses an index range; SCAN reads a whole table or index,
		// or the rows of a subquery (a co-routine) of the same name.
		scan := regexp.MustCompile(`(?m)^SCAN (t|tasks)\b(.*)$`)
		return func(plan string) bool {
			for _, m := range scan.FindAllStringSubmatch(plan, -1) {
				if m[2] != "" || !strings.Contains(plan, "CO-ROUTINE "+m[1]+"\n") {
					return true
				}
			}
			return false
		}, regexp.MustCompile(`TEMP B-TREE`)
	}
	return regexp.MustCompile(`Seq Scan on tasks`).MatchString, regexp.MustCompile(`(?m)\bSort\b`)
}

// filterIndex names the indexes a narrowed page's filter is read by.
var filterIndex = regexp.MustCompile(`tasks_owner_(status_scoped|priority_scoped|workflow_created|project_created|due_key_scoped)\b`)

// dueSeek is an index range of the due dates, on SQLite or PostgreSQL.
var dueSeek = regexp.MustCompile(`tasks_owner_due_key_scoped \(owner_id=\? AND <expr>|Index Cond: \(\(owner_id = \S+\) AND \(COALESCE\(due_date`)

// dueBounded is a range of due dates bounded from both ends, so that one
// from a date stops before the tasks with none. (A filter from a date has
// no other upper bound than the last date, which PostgreSQL's generic
// plan shows as a parameter.)
var dueBounded = regexp.MustCompile(`tasks_owner_due_key_scoped \(owner_id=\? AND <expr>>\? AND <expr><\?\)|Index Cond: .*COALESCE\(due_date, '9999-12-32'::text\) <= ('9999-12-31'::text|\$\d+)`)

// A walk of an order's index that carries the task's workflow and
// project: SQLite's plan shows only the index (it checks a condition on
// an index's columns before it reads the row); PostgreSQL's also shows
// the filter on them among the index's conditions.
var (
	scopedWalkSQLite   = regexp.MustCompile(`USING INDEX tasks_owner_(priority|updated)_scoped \(owner_id=\?\)`)
	scopedWalkPostgres = regexp.MustCompile(`Index Scan (Backward )?using tasks_owner_(priority|updated)_scoped on tasks`)
	scopedCond         = regexp.MustCompile(`Index Cond: .*\((workflow|project)_id = `)
)

// scopedWalk tells whether a plan on engine is such a walk.
func scopedWalk(engine, plan string) bool {
	if engine == "sqlite" {
		return scopedWalkSQLite.MatchString(plan)
	}
	return scopedWalkPostgres.MatchString(plan) && scopedCond.MatchString(plan)
}

func sampleKey(field string) any {
	switch field {
	case "title":
		return "task 5"
	case "status":
		return "todo"
	case "due_date":
		return "2026-06-15"
	case "priority":
		return int64(1)
	}
	return int64(1000)
}

func date(s string) *flowtrack.Date { d := flowtrack.Date(s); return &d }
func boolPtr(b bool) *bool          { return &b }

// seedPlanData creates planUsers users with planTasks tasks each, written
// in bulk by SQL, and refreshes the planner's statistics. It returns the
// first user's id.
func seedPlanData(t *testing.T, db *sqlstore.DB) int64 {
	t.Helper()
	ctx := context.Background()
	var first int64
	for i := range planUsers {
		u := &flowtrack.User{Username: fmt.Sprintf("plan%d", i), Email: "p@example.com", PasswordHash: "x", IsActive: true, DateJoined: flowtrack.Now()}
		if err := db.UserCreate(ctx, u); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = u.ID
		}
		sc := db.ForUser(u.ID)
		p, err := sc.ProjectCreate(ctx, flowtrack.ProjectInput{Name: flowtrack.Some("P")})
		if err != nil {
			t.Fatal(err)
		}
		var wf [4]int64
		for j := range wf {
			w, err := sc.WorkflowCreate(ctx, flowtrack.WorkflowInput{ProjectID: flowtrack.Some(p.ID), Name: flowtrack.Some("W")})
			if err != nil {
				t.Fatal(err)
			}
			wf[j] = w.ID
		}
		start := time.Now()
		_, err = db.SQL().ExecContext(ctx, `
			WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < $1)
			INSERT INTO tasks (owner_id, project_id, workflow_id, title, description, status, priority, due_date,
				created_at, updated_at, title_fold, description_fold)
			SELECT CAST($2 AS BIGINT), CAST($3 AS BIGINT),
				CASE n % 4 WHEN 0 THEN CAST($4 AS BIGINT) WHEN 1 THEN CAST($5 AS BIGINT)
					WHEN 2 THEN CAST($6 AS BIGINT) ELSE CAST($7 AS BIGINT) END,
				'Task ' || n, 'about ' || n,
				CASE n % 4 WHEN 0 THEN 'todo' WHEN 1 THEN 'in_progress' WHEN 2 THEN 'blocked' ELSE 'done' END,
				(n / 4) % 4,
				CASE n % 5 WHEN 0 THEN NULL WHEN 1 THEN '2025-03-01' WHEN 2 THEN '2026-06-15' WHEN 3 THEN '2026-12-01' ELSE '2027-01-31' END,
				1700000000000000 + n * 1000, 1700000000000000 + n * 1000 + 7, 'task ' || n, 'about ' || n
			FROM seq`, planTasks, u.ID, p.ID, wf[0], wf[1], wf[2], wf[3])
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			t.Logf("%d tasks inserted in %v", planTasks, time.Since(start))
		}
	}
	if _, err := db.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	return first
}
