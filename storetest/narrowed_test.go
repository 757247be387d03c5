package storetest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/flowtrack/flowtrack"
	"github.com/flowtrack/flowtrack/sqlstore"
)

// narrowedTasks is the size of the user of TestNarrowedLists: more
// matches of one status than a narrowed page sorts (5,000), and more rows
// than its walk reads.
const narrowedTasks = 12000

// TestNarrowedLists checks the pages of filtered task lists against the
// user's tasks filtered and sorted here, for filters matching a few rows,
// many rows late in the order, or most rows: each way a narrowed page is
// read (its walk, the sorted matches, the walk on in order).
func TestNarrowedLists(t *testing.T) {
	EachEngine(t, func(t *testing.T, engine string) {
		db := Open(t, engine)
		ctx := context.Background()
		user, other, wf, otherWf := seedSkewedTasks(t, db)
		sc := db.ForUser(user)
		// Every task of the user, by the list that has no filter.
		all, count, err := sc.TaskList(ctx, flowtrack.ListQuery{Limit: narrowedTasks + 1})
		ok(t, err, "all tasks")
		same(t, "tasks", count, narrowedTasks)

		// A user with fewer tasks than a walk reads: once their number is
		// known (read with the first page), the page is the planner's.
		small := db.ForUser(other)
		smallAll, _, err := small.TaskList(ctx, flowtrack.ListQuery{Limit: 1000})
		ok(t, err, "small user's tasks")
		byPriority := []flowtrack.OrderBy{{Field: "priority", Desc: true}}
		blocked := flowtrack.Filter{Status: flowtrack.Set{Active: true, Values: []string{"blocked"}}}
		for i, want := range []int64{2, 1} {
			before := db.Statements()
			got, _, err := small.TaskList(ctx, flowtrack.ListQuery{Filter: blocked, Order: byPriority, Limit: 20, Cursor: &flowtrack.Cursor{}})
			ok(t, err, "small user's blocked tasks")
			same(t, fmt.Sprint("small user's blocked tasks, request ", i), taskIDs(got), taskIDs(window(expectedTasks(smallAll, blocked, nil, byPriority), 0, 21)))
			same(t, fmt.Sprint("small user's statements, request ", i), db.Statements()-before, want)
		}

		status := func(v ...string) flowtrack.Filter {
			return flowtrack.Filter{Status: flowtrack.Set{Active: true, Values: v}}
		}
		filters := map[string]flowtrack.Filter{
			"blocked (3)":                 status("blocked"),
			"in_progress (spread)":        status("in_progress"),
			"done (the newest half)":      status("done"),
			"todo (most)":                 status("todo"),
			"blocked or in_progress":      status("blocked", "in_progress"),
			"urgent (12)":                 {Priority: flowtrack.Set{Active: true, Values: []string{"urgent"}}},
			"small workflow":              {Workflow: &wf[1]},
			"other user's workflow":       {Workflow: &otherWf[0]},
			"done in small workflow":      {Workflow: &wf[1], Status: status("done").Status},
			"no such status":              status("cancelled"),
			"blocked, searched":           status("blocked"),
			"done and urgent or high":     {Status: status("done").Status, Priority: flowtrack.Set{Active: true, Values: []string{"urgent", "high"}}},
			"due by 2024-01-01 (6)":       {DueTo: date("2024-01-01")},
			"due in 2024 (6)":             {DueFrom: date("2024-01-01"), DueTo: date("2024-12-31")},
			"overdue (4)":                 {Overdue: boolPtr(true), Today: "2025-01-01"},
			"due by 2025-03-01":           {DueTo: date("2025-03-01")},
			"due from 2027":               {DueFrom: date("2027-01-01")},
			"due from 2028 (1)":           {DueFrom: date("2028-01-01")},
			"due on the last date (1)":    {DueFrom: date(flowtrack.LastDate), DueTo: date(flowtrack.LastDate)},
			"blocked, due by 2024-01-01":  {Status: status("blocked").Status, DueTo: date("2024-01-01")},
			"small workflow, overdue":     {Workflow: &wf[1], Overdue: boolPtr(true), Today: "2026-01-01"},
			"not overdue, from 2026":      {Overdue: boolPtr(false), Today: "2026-01-01", DueFrom: date("2026-01-01")},
			"due by 2025-03-01, searched": {DueTo: date("2025-03-01")},
		}
		orders := [][]flowtrack.OrderBy{
			{{Field: "priority", Desc: true}}, {{Field: "title"}}, {{Field: "created_at"}},
			{{Field: "created_at", Desc: true}}, {{Field: "due_date"}}, {{Field: "updated_at", Desc: true}},
			{{Field: "status"}, {Field: "priority", Desc: true}}, {{Field: "due_date", Desc: true}},
		}
		for name, f := range filters {
			var search []string
			if strings.HasSuffix(name, "searched") {
				search = []string{"task 4"}
			}
			for _, order := range orders {
				want := expectedTasks(all, f, search, order)
				label := fmt.Sprintf("%s by %v", name, order)
				check := func(what string, lq flowtrack.ListQuery, want []flowtrack.Task, wantCount int) {
					t.Helper()
					lq.Filter, lq.Search, lq.Order = f, search, order
					before := db.Statements()
					got, count, err := sc.TaskList(ctx, lq)
					ok(t, err, label+", "+what)
					// At most: the version, the walk and the user's size,
					// the count, the probe, the page, the account's check.
					if n := db.Statements() - before; n > 7 {
						t.Errorf("%s, %s: %d statements", label, what, n)
					}
					same(t, label+", "+what+": ids", taskIDs(got), taskIDs(want))
					same(t, label+", "+what+": count", count, wantCount)
				}
				for _, limit := range []int{20, 100} {
					check(fmt.Sprintf("first page of %d", limit), flowtrack.ListQuery{Limit: limit}, window(want, 0, limit), len(want))
					check(fmt.Sprintf("second page of %d", limit), flowtrack.ListQuery{Limit: limit, Offset: limit}, window(want, limit, limit), len(want))
				}
				// Past the rows a walk reads, the count shows the page empty.
				check("page past the walk", flowtrack.ListQuery{Limit: 100, Offset: 9950}, window(want, 9950, 100), len(want))
				last := max(0, (len(want)-1)/20*20)
				check("last page", flowtrack.ListQuery{Limit: 20, Last: true}, window(want, last, 20), len(want))
				// Cursor pages hold Limit+1 rows and no count.
				check("first cursor page", flowtrack.ListQuery{Limit: 20, Cursor: &flowtrack.Cursor{}}, window(want, 0, 21), -1)
				if len(want) > 20 {
					key := sortKey(want[19], order)
					check("next cursor page", flowtrack.ListQuery{Limit: 20, Cursor: &flowtrack.Cursor{Key: key}}, window(want, 20, 21), -1)
					before := slices.Clone(want[:19])
					slices.Reverse(before)
					check("previous cursor page", flowtrack.ListQuery{Limit: 20, Cursor: &flowtrack.Cursor{Key: key, Reverse: true}},
						window(before, 0, 21), -1)
				}
			}
		}

		// Once the store has read a page of the few blocked tasks, it
		// sorts those for the next pages at once: the version of the
		// remembered count, the probe and the sort, no walk.
		_, _, err = sc.TaskList(ctx, flowtrack.ListQuery{Filter: status("blocked"), Order: byPriority, Limit: 20})
		ok(t, err, "blocked tasks")
		before := db.Statements()
		got, _, err := sc.TaskList(ctx, flowtrack.ListQuery{Filter: status("blocked"), Order: byPriority, Limit: 20})
		ok(t, err, "blocked tasks, again")
		same(t, "blocked tasks, again: ids", taskIDs(got), taskIDs(expectedTasks(all, status("blocked"), nil, byPriority)))
		same(t, "blocked tasks, again: statements", db.Statements()-before, int64(3))
		// Once more are
		// blocked than the sort takes (10,000), its pages must be walked
		// again: a sort would miss some.
		_, err = db.SQL().ExecContext(ctx, `UPDATE tasks SET status = 'blocked' WHERE owner_id = $1 AND status IN ('todo', 'done')`, user)
		ok(t, err, "block most tasks")
		all, _, err = sc.TaskList(ctx, flowtrack.ListQuery{Limit: narrowedTasks + 1})
		ok(t, err, "all tasks, most blocked")
		blockedNow := status("blocked")
		for _, order := range orders {
			want := expectedTasks(all, blockedNow, nil, order)
			label := fmt.Sprintf("blocked (most) by %v", order)
			if len(want) <= 10000 {
				t.Fatalf("%s: %d blocked, not more than the sort takes", label, len(want))
			}
			got, count, err := sc.TaskList(ctx, flowtrack.ListQuery{Filter: blockedNow, Order: order, Limit: 20})
			ok(t, err, label)
			same(t, label+": ids", taskIDs(got), taskIDs(window(want, 0, 20)))
			same(t, label+": count", count, len(want))
			got, _, err = sc.TaskList(ctx, flowtrack.ListQuery{Filter: blockedNow, Order: order, Limit: 20, Cursor: &flowtrack.Cursor{}})
			ok(t, err, label+", cursor")
			same(t, label+", cursor: ids", taskIDs(got), taskIDs(window(want, 0, 21)))
		}
	})
}

// seedSkewedTasks creates a user with narrowedTasks tasks in two
// workflows, whose statuses and priorities are spread unevenly, and a
// second user whose tasks match every filter; six of the user's tasks
// are due in 2024, two of them done, and one on the last date, which
// sorts before those with none. It returns both users and
// their workflows.
func seedSkewedTasks(t *testing.T, db *sqlstore.DB) (user, other int64, wf, otherWf [2]int64) {
	t.Helper()
	ctx := context.Background()
	for i, name := range []string{"skewed", "other"} {
		u := &flowtrack.User{Username: name, Email: "s@example.com", PasswordHash: "x", IsActive: true, DateJoined: flowtrack.Now()}
		ok(t, db.UserCreate(ctx, u), "user")
		sc := db.ForUser(u.ID)
		p, err := sc.ProjectCreate(ctx, flowtrack.ProjectInput{Name: flowtrack.Some("P")})
		ok(t, err, "project")
		var ws [2]int64
		for j := range ws {
			w, err := sc.WorkflowCreate(ctx, flowtrack.WorkflowInput{ProjectID: flowtrack.Some(p.ID), Name: flowtrack.Some("W")})
			ok(t, err, "workflow")
			ws[j] = w.ID
		}
		n, statusSQL, prioritySQL := narrowedTasks, `
				CASE WHEN n % 4000 = 1 THEN 'blocked' WHEN n % 97 = 0 THEN 'in_progress'
					WHEN n > 6000 THEN 'done' ELSE 'todo' END`, `
				CASE WHEN n % 1000 = 500 THEN 3 ELSE n % 3 END`
		if i == 1 {
			n, statusSQL, prioritySQL = 300, "CASE WHEN n % 2 = 0 THEN 'blocked' ELSE 'done' END", "3"
			other, otherWf = u.ID, ws
		} else {
			user, wf = u.ID, ws
		}
		_, err = db.SQL().ExecContext(ctx, `
			WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < $1)
			INSERT INTO tasks (owner_id, project_id, workflow_id, title, description, status, priority, due_date,
				created_at, updated_at, title_fold, description_fold)
			SELECT CAST($2 AS BIGINT), CAST($3 AS BIGINT),
				CASE WHEN n % 100 = 7 THEN CAST($5 AS BIGINT) ELSE CAST($4 AS BIGINT) END,
				'Task ' || (n % 500), 'about ' || n, `+statusSQL+`, `+prioritySQL+`,
				CASE n % 5 WHEN 0 THEN NULL WHEN 1 THEN CASE WHEN n % 2000 = 1 THEN '2024-01-01' ELSE '2025-03-01' END
					WHEN 2 THEN '2026-06-15' WHEN 3 THEN CASE WHEN n = 3 THEN '`+flowtrack.LastDate+`' ELSE '2026-12-01' END ELSE '2027-01-31' END,
				1700000000000000 + n * 1000, 1800000000000000 - (n % 3000) * 1000, 'task ' || (n % 500), 'about ' || n
			FROM seq`, n, u.ID, p.ID, ws[0], ws[1])
		ok(t, err, "tasks")
	}
	_, err := db.SQL().ExecContext(ctx, "ANALYZE")
	ok(t, err, "analyze")
	return user, other, wf, otherWf
}

// expectedTasks filters and sorts tasks as a list should.
func expectedTasks(tasks []flowtrack.Task, f flowtrack.Filter, search []string, order []flowtrack.OrderBy) []flowtrack.Task {
	var out []flowtrack.Task
	for _, task := range tasks {
		keep := (!f.Status.Active || slices.Contains(f.Status.Values, task.Status)) &&
			(!f.Priority.Active || slices.Contains(f.Priority.Values, task.Priority)) &&
			(f.Workflow == nil || *f.Workflow == task.WorkflowID) &&
			(f.DueFrom == nil || task.DueDate != nil && *task.DueDate >= *f.DueFrom) &&
			(f.DueTo == nil || task.DueDate != nil && *task.DueDate <= *f.DueTo) &&
			(f.Overdue == nil || *f.Overdue == (task.DueDate != nil && *task.DueDate < f.Today && task.Status != "done"))
		for _, term := range search {
			keep = keep && (strings.Contains(flowtrack.Fold(task.Title), term) || strings.Contains(flowtrack.Fold(task.Description), term))
		}
		if keep {
			out = append(out, task)
		}
	}
	slices.SortFunc(out, func(a, b flowtrack.Task) int {
		ka, kb := sortKey(a, order), sortKey(b, order)
		for i := range ka {
			c := compareKey(ka[i], kb[i])
			// id breaks ties in the direction of the last field.
			desc := order[min(i, len(order)-1)].Desc
			if c != 0 && desc {
				return -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	return out
}

// sortKey is a task's cursor key for an order: its sort values, then its id.
func sortKey(task flowtrack.Task, order []flowtrack.OrderBy) []any {
	var key []any
	for _, o := range order {
		key = append(key, task.SortKey(o.Field))
	}
	return append(key, task.ID)
}

func compareKey(a, b any) int {
	switch a := a.(type) {
	case int64:
		return cmp.Compare(a, b.(int64))
	case string:
		return cmp.Compare(a, b.(string))
	}
	panic(fmt.Sprintf("sort value of type %T", a))
}

// window returns up to n of list from offset.
func window(list []flowtrack.Task, offset, n int) []flowtrack.Task {
	if offset >= len(list) {
		return nil
	}
	return list[offset:min(len(list), offset+n)]
}

func taskIDs(list []flowtrack.Task) []int64 {
	ids := []int64{}
	for _, task := range list {
		ids = append(ids, task.ID)
	}
	return ids
}
