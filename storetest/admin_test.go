package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/flowtrack/flowtrack"
)

// TestConcurrentReassignment moves projects, workflows and tasks between
// owners from many transactions at once, as several staff members in the
// panel would. Every move must succeed (no deadlock surfacing as an
// error, no "not found" for a row that exists), and ownership must stay
// consistent down the tree.
func TestConcurrentReassignment(t *testing.T) {
	EachEngine(t, func(t *testing.T, engine string) {
		db := Open(t, engine)
		ctx := context.Background()
		var users []*flowtrack.User
		var projects, workflows, tasks []int64
		for i := range 3 {
			u := &flowtrack.User{Username: fmt.Sprintf("user%d", i), Email: fmt.Sprintf("u%d@example.com", i),
				PasswordHash: "x", IsActive: true, DateJoined: flowtrack.Now()}
			ok(t, db.UserCreate(ctx, u), "UserCreate")
			users = append(users, u)
			sc := db.ForUser(u.ID)
			for range 2 {
				p, err := sc.ProjectCreate(ctx, flowtrack.ProjectInput{Name: flowtrack.Some("P")})
				ok(t, err, "ProjectCreate")
				projects = append(projects, p.ID)
				for range 2 {
					w, err := sc.WorkflowCreate(ctx, flowtrack.WorkflowInput{ProjectID: flowtrack.Some(p.ID), Name: flowtrack.Some("W")})
					ok(t, err, "WorkflowCreate")
					workflows = append(workflows, w.ID)
					for range 3 {
						task, err := sc.TaskCreate(ctx, flowtrack.TaskInput{WorkflowID: flowtrack.Some(w.ID), Title: flowtrack.Some("T")})
						ok(t, err, "TaskCreate")
						tasks = append(tasks, task.ID)
					}
				}
			}
		}
		staff := users[0]
		var wg sync.WaitGroup
		errs := make(chan error, 1000)
		for g := range 8 {
			wg.Go(func() {
				rnd := rand.New(rand.NewPCG(uint64(g), 7))
				pick := func(ids []int64) int64 { return ids[rnd.IntN(len(ids))] }
				for range 25 {
					var err error
					switch rnd.IntN(3) {
					case 0:
						_, err = db.AdminProjectSave(ctx, staff, pick(projects), users[rnd.IntN(len(users))].ID,
							flowtrack.ProjectInput{Name: flowtrack.Some("P"), Description: flowtrack.Some("")})
					case 1:
						_, err = db.AdminWorkflowSave(ctx, staff, pick(workflows), flowtrack.WorkflowInput{
							ProjectID: flowtrack.Some(pick(projects)), Name: flowtrack.Some("W"), Status: flowtrack.Some("active")})
					default:
						_, err = db.AdminTaskSave(ctx, staff, pick(tasks), flowtrack.TaskInput{
							WorkflowID: flowtrack.Some(pick(workflows)), Title: flowtrack.Some("T")})
					}
					if err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("a move failed: %v", err)
		}
		// Every task belongs to its workflow's project and owner.
		var bad int
		err := db.SQL().QueryRowContext(ctx, `
			SELECT count(*) FROM tasks t JOIN workflows w ON w.id = t.workflow_id JOIN projects p ON p.id = w.project_id
			WHERE t.project_id <> w.project_id OR t.owner_id <> w.owner_id OR w.owner_id <> p.owner_id`).Scan(&bad)
		ok(t, err, "consistency query")
		if bad != 0 {
			t.Fatalf("%d tasks disagree with their workflow or project", bad)
		}
		keptCountsAgree(t, db)
		var logged int
		ok(t, db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM admin_log`).Scan(&logged), "count log")
		if logged != 8*25 {
			t.Fatalf("%d log entries, want %d", logged, 8*25)
		}
	})
}

// TestAdminListWithoutCount: a select's choices need the rows only.
func TestAdminListWithoutCount(t *testing.T) {
	EachEngine(t, func(t *testing.T, engine string) {
		db := Open(t, engine)
		ctx := context.Background()
		for _, name := range []string{"bob", "alice"} {
			ok(t, db.UserCreate(ctx, &flowtrack.User{Username: name, Email: name + "@example.com", PasswordHash: "x",
				IsActive: true, DateJoined: flowtrack.Now()}), "UserCreate")
		}
		list, total, err := db.AdminUserList(ctx, flowtrack.AdminQuery{Order: "username", Limit: 10, NoCount: true})
		ok(t, err, "AdminUserList")
		if total != 0 || len(list) != 2 || list[0].Username != "alice" || list[1].Username != "bob" {
			t.Fatalf("total %d, list %+v", total, list)
		}
		if _, total, err = db.AdminUserList(ctx, flowtrack.AdminQuery{Limit: 1}); err != nil || total != 2 {
			t.Fatalf("counted total %d, %v", total, err)
		}
	})
}
