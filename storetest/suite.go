package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/flowtrack/flowtrack"
	"github.com/flowtrack/flowtrack/sqlstore"
)

// Run is the conformance suite of the store contract (flowtrack.Store).
// Every leaf test opens its own empty store with open and runs in
// parallel with the others, so no test sees another's rows.
func Run(t *testing.T, open func(t *testing.T) *sqlstore.DB) {
	group(t, open, "Users", []test{
		{"Create", testUserCreate},
		{"ByUsername", testUserByUsername},
		{"Update", testUserUpdate},
		{"SetLastLogin", testUserSetLastLogin},
		{"SetPassword", testUserSetPassword},
		{"Delete", testUserDelete},
		{"NotFound", testUserNotFound},
	})
	group(t, open, "RefreshTokens", []test{
		{"Rotate", testTokenRotate},
		{"Reuse", testTokenReuse},
		{"Revoke", testTokenRevoke},
		{"Unknown", testTokenUnknown},
		{"SetPasswordRevokesAll", testTokenSetPassword},
		{"ConcurrentRotate", testTokenConcurrentRotate},
	})
	group(t, open, "LoginFailures", []test{
		{"CountAndPrune", testLoginFailures},
	})
	group(t, open, "Projects", append(kindTests(projects),
		test{"CRUD", testProjectCRUD},
		test{"Counts", testProjectCounts},
		test{"DeleteCascades", testDeleteCascades},
	))
	group(t, open, "Workflows", append(kindTests(workflows),
		test{"CRUD", testWorkflowCRUD},
		test{"ProjectReference", testWorkflowProjectReference},
	))
	group(t, open, "Tasks", append(kindTests(tasks),
		test{"CRUD", testTaskCRUD},
		test{"WorkflowReference", testTaskWorkflowReference},
		test{"ProjectFollowsWorkflow", testTaskProjectFollowsWorkflow},
		test{"CompletedAt", testTaskCompletedAt},
		test{"PriorityAndDueDate", testTaskPriorityAndDueDate},
		test{"ConcurrentCreate", testTaskConcurrentCreate},
	))
	group(t, open, "Callers", []test{
		{"Refused", testCallerRefused},
		{"ProvenOnce", testCallerProvenOnce},
		{"MissingInTransactions", testCallerMissingInTransactions},
	})
	group(t, open, "Integrity", []test{
		{"KeptCountsFolded", testKeptCountsFolded},
		{"WorkflowOwnerIsProjectOwner", testWorkflowOwnerConstraint},
		{"TaskOwnerIsWorkflowOwner", testTaskOwnerConstraint},
	})
}

// test is one leaf of the suite; it gets a fresh store of its own.
type test struct {
	name string
	fn   func(t *testing.T, db *sqlstore.DB)
}

// group runs tests as parallel subtests of a parallel subtest name. After
// each, the counts the database keeps must agree with the rows.
func group(t *testing.T, open func(t *testing.T) *sqlstore.DB, name string, tests []test) {
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				db := open(t)
				tc.fn(t, db)
				keptCountsAgree(t, db)
			})
		}
	})
}

// testKeptCountsFolded checks that once the store has folded the count
// changes into the workflows' rows (PostgreSQL; SQLite writes the rows
// directly), the rows alone hold the right counts.
func testKeptCountsFolded(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	_, alice := newScope(t, db, "alice")
	p := mustProject(t, alice, "P")
	w1, w2 := mustWorkflow(t, alice, p.ID, "W1"), mustWorkflow(t, alice, p.ID, "W2")
	var tasks []*flowtrack.Task
	for i := range 10 {
		tasks = append(tasks, mustTask(t, alice, w1.ID, fmt.Sprint("T", i)))
	}
	for _, task := range tasks[:4] {
		_, err := alice.TaskUpdate(ctx, task.ID, flowtrack.TaskInput{WorkflowID: flowtrack.Some(w2.ID)}, nil)
		ok(t, err, "move")
	}
	ok(t, alice.TaskDelete(ctx, tasks[9].ID, nil), "TaskDelete")
	w3 := mustWorkflow(t, alice, p.ID, "W3")
	mustTask(t, alice, w3.ID, "gone with W3")
	ok(t, alice.WorkflowDelete(ctx, w3.ID, nil), "WorkflowDelete")
	deadline := time.Now().Add(10 * time.Second)
	for {
		var pending int
		ok(t, db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM task_count_deltas`).Scan(&pending), "count deltas")
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d count changes still unfolded after 10 s", pending)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, w := range []struct {
		id   int64
		want int64
	}{{w1.ID, 5}, {w2.ID, 4}} {
		var kept int64
		ok(t, db.SQL().QueryRowContext(ctx, `SELECT task_count FROM workflows WHERE id = $1`, w.id).Scan(&kept), "task_count")
		same(t, fmt.Sprint("workflow ", w.id, " task_count"), kept, w.want)
	}
	got := projects.mustGet(t, alice, p.ID)
	same(t, "project task count", got.TaskCount, int64(9))
	var keptWorkflows, keptTasks int64
	ok(t, db.SQL().QueryRowContext(ctx, `SELECT sum(workflows), sum(tasks) FROM project_counts WHERE project_id = $1`, p.ID).Scan(&keptWorkflows, &keptTasks), "project counts")
	same(t, "project_counts [workflows tasks]", [2]int64{keptWorkflows, keptTasks}, [2]int64{2, 9})
}

// keptCountsAgree checks every workflow's kept task_count against its
// tasks, and every project's kept counts against its workflows and
// tasks, and that a deleted project's counts went with it.
func keptCountsAgree(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	for _, c := range []struct{ what, query string }{
		{"workflow", `SELECT w.id, 0, 0, w.task_count + ` + unfolded("d.workflow_id = w.id") + `,
			(SELECT count(*) FROM tasks t WHERE t.workflow_id = w.id)
		FROM workflows w`},
		{"project", `SELECT p.id, (SELECT COALESCE(sum(c.workflows), 0) FROM project_counts c WHERE c.project_id = p.id),
			(SELECT count(*) FROM workflows w WHERE w.project_id = p.id),
			(SELECT COALESCE(sum(c.tasks), 0) FROM project_counts c WHERE c.project_id = p.id)
				+ ` + unfolded("d.workflow_id IN (SELECT w.id FROM workflows w WHERE w.project_id = p.id)") + `,
			(SELECT count(*) FROM tasks t WHERE t.project_id = p.id)
		FROM projects p`},
	} {
		rows, err := db.SQL().QueryContext(context.Background(), c.query)
		ok(t, err, "kept counts")
		for rows.Next() {
			var id, keptWorkflows, workflows, keptTasks, tasks int64
			ok(t, rows.Scan(&id, &keptWorkflows, &workflows, &keptTasks, &tasks), "scan kept counts")
			if keptWorkflows != workflows || keptTasks != tasks {
				t.Errorf("%s %d keeps %d workflows and %d tasks, has %d and %d", c.what, id, keptWorkflows, keptTasks, workflows, tasks)
			}
		}
		ok(t, rows.Err(), "kept counts")
		rows.Close()
	}
	var orphans int
	ok(t, db.SQL().QueryRowContext(context.Background(), `SELECT count(*) FROM project_counts c
		WHERE NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = c.project_id)`).Scan(&orphans), "orphan counts")
	if orphans != 0 {
		t.Errorf("%d project_counts rows outlive their projects", orphans)
	}
}

// unfolded is the sum of the task count changes not yet folded of the
// workflows where selects (in d, task_count_deltas).
func unfolded(where string) string {
	return `COALESCE((SELECT CAST(sum(d.n) AS BIGINT) FROM task_count_deltas d WHERE ` + where + `), 0)`
}

// missingID is an id that no test creates.
const missingID = int64(1) << 40

// ---------------------------------------------------------------------
// Checks

// ok stops the test on an unexpected error.
func ok(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// same reports got and want unless they are deeply equal.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %s\nwant %s", what, show(got), show(want))
	}
}

// show prints a value with its pointers followed, which %+v does not do.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}

// wantIs reports err unless it is target (nil meaning success).
func wantIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if target == nil && err != nil || target != nil && !errors.Is(err, target) {
		t.Errorf("%s: err = %v, want %v", what, err, target)
	}
}

// wantNotFound reports err unless it is the not-found error of resource.
func wantNotFound(t *testing.T, what string, err error, resource string) {
	t.Helper()
	var nf *flowtrack.NotFoundError
	if !errors.As(err, &nf) || nf.Resource != resource || !errors.Is(err, flowtrack.ErrNotFound) {
		t.Errorf("%s: err = %v (%T), want *flowtrack.NotFoundError{Resource: %q}", what, err, err, resource)
	}
}

// wantInvalid reports err unless it is a validation error of exactly one
// field with exactly one message.
func wantInvalid(t *testing.T, what string, err error, field, message string) {
	t.Helper()
	var ve *flowtrack.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("%s: err = %v (%T), want *flowtrack.ValidationError", what, err, err)
		return
	}
	same(t, what+": Messages("+field+")", ve.Messages(field), []string{message})
	same(t, what+": Fields", ve.Fields, []flowtrack.FieldError{{Field: field, Messages: []string{message}}})
}

// stamped checks a time the store set itself: UTC, whole microseconds
// (what both databases keep), and taken between from and to.
func stamped(t *testing.T, what string, ts, from, to time.Time) {
	t.Helper()
	if ts.Location() != time.UTC || !ts.Equal(ts.Truncate(time.Microsecond)) {
		t.Errorf("%s = %v, want UTC at microsecond precision", what, ts)
	}
	if ts.Before(from) || ts.After(to) {
		t.Errorf("%s = %v, want between %v and %v", what, ts, from, to)
	}
}

// wantTime checks a time read back from the store.
func wantTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("%s = %v, want %v (UTC)", what, got, want)
	}
}

// ---------------------------------------------------------------------
// Fixtures

// newUser creates an active user named username.
func newUser(t *testing.T, db *sqlstore.DB, username string) *flowtrack.User {
	t.Helper()
	u := &flowtrack.User{
		Username:     username,
		Email:        username + "@example.com",
		PasswordHash: "hash-of-" + username,
		IsActive:     true,
		DateJoined:   flowtrack.Now(),
	}
	ok(t, db.UserCreate(t.Context(), u), "UserCreate "+username)
	return u
}

// newScope creates a user and returns its id and data.
func newScope(t *testing.T, db *sqlstore.DB, username string) (int64, flowtrack.Scope) {
	t.Helper()
	u := newUser(t, db, username)
	return u.ID, db.ForUser(u.ID)
}

func mustProject(t *testing.T, s flowtrack.Scope, name string) *flowtrack.Project {
	t.Helper()
	p, err := s.ProjectCreate(t.Context(), flowtrack.ProjectInput{Name: flowtrack.Some(name)})
	ok(t, err, "ProjectCreate")
	return p
}

func mustWorkflow(t *testing.T, s flowtrack.Scope, projectID int64, name string) *flowtrack.Workflow {
	t.Helper()
	w, err := s.WorkflowCreate(t.Context(), flowtrack.WorkflowInput{
		ProjectID: flowtrack.Some(projectID), Name: flowtrack.Some(name)})
	ok(t, err, "WorkflowCreate")
	return w
}

func mustTask(t *testing.T, s flowtrack.Scope, workflowID int64, title string) *flowtrack.Task {
	t.Helper()
	task, err := s.TaskCreate(t.Context(), flowtrack.TaskInput{
		WorkflowID: flowtrack.Some(workflowID), Title: flowtrack.Some(title)})
	ok(t, err, "TaskCreate")
	return task
}

// ---------------------------------------------------------------------
// The checks that projects, workflows and tasks share

// kind describes one of a scope's collections to the shared checks.
type kind[T any] struct {
	resource string // the NotFoundError's Resource
	// create adds an object to s, with fresh parents where it needs them.
	create func(t *testing.T, s flowtrack.Scope) *T
	id     func(*T) int64
	get    func(flowtrack.Scope, context.Context, int64) (*T, error)
	list   func(flowtrack.Scope, context.Context, flowtrack.ListQuery) ([]T, int, error)
	// rename changes the name (a task's title), the one field all have.
	rename func(s flowtrack.Scope, ctx context.Context, id int64, name string, check func(*T) error) (*T, error)
	delete func(flowtrack.Scope, context.Context, int64, func(*T) error) error
}

var projects = kind[flowtrack.Project]{
	resource: "Project",
	create: func(t *testing.T, s flowtrack.Scope) *flowtrack.Project {
		return mustProject(t, s, "project")
	},
	id:   func(p *flowtrack.Project) int64 { return p.ID },
	get:  flowtrack.Scope.ProjectGet,
	list: flowtrack.Scope.ProjectList,
	rename: func(s flowtrack.Scope, ctx context.Context, id int64, name string, check func(*flowtrack.Project) error) (*flowtrack.Project, error) {
		return s.ProjectUpdate(ctx, id, flowtrack.ProjectInput{Name: flowtrack.Some(name)}, check)
	},
	delete: flowtrack.Scope.ProjectDelete,
}

var workflows = kind[flowtrack.Workflow]{
	resource: "Workflow",
	create: func(t *testing.T, s flowtrack.Scope) *flowtrack.Workflow {
		return mustWorkflow(t, s, mustProject(t, s, "project").ID, "workflow")
	},
	id:   func(w *flowtrack.Workflow) int64 { return w.ID },
	get:  flowtrack.Scope.WorkflowGet,
	list: flowtrack.Scope.WorkflowList,
	rename: func(s flowtrack.Scope, ctx context.Context, id int64, name string, check func(*flowtrack.Workflow) error) (*flowtrack.Workflow, error) {
		return s.WorkflowUpdate(ctx, id, flowtrack.WorkflowInput{Name: flowtrack.Some(name)}, check)
	},
	delete: flowtrack.Scope.WorkflowDelete,
}

var tasks = kind[flowtrack.Task]{
	resource: "Task",
	create: func(t *testing.T, s flowtrack.Scope) *flowtrack.Task {
		return mustTask(t, s, workflows.create(t, s).ID, "task")
	},
	id:   func(task *flowtrack.Task) int64 { return task.ID },
	get:  flowtrack.Scope.TaskGet,
	list: flowtrack.Scope.TaskList,
	rename: func(s flowtrack.Scope, ctx context.Context, id int64, name string, check func(*flowtrack.Task) error) (*flowtrack.Task, error) {
		return s.TaskUpdate(ctx, id, flowtrack.TaskInput{Title: flowtrack.Some(name)}, check)
	},
	delete: flowtrack.Scope.TaskDelete,
}

// mustGet reads an object that must exist.
func (k kind[T]) mustGet(t *testing.T, s flowtrack.Scope, id int64) *T {
	t.Helper()
	v, err := k.get(s, t.Context(), id)
	ok(t, err, k.resource+"Get "+strconv.FormatInt(id, 10))
	return v
}

// mustList reads every object of s (the suite never makes 1000).
func (k kind[T]) mustList(t *testing.T, s flowtrack.Scope) ([]T, int) {
	t.Helper()
	list, count, err := k.list(s, t.Context(), flowtrack.ListQuery{Limit: 1000})
	ok(t, err, k.resource+"List")
	return list, count
}

// ids returns the ids of a list, in order.
func (k kind[T]) ids(list []T) []int64 {
	ids := make([]int64, len(list))
	for i := range list {
		ids[i] = k.id(&list[i])
	}
	return ids
}

func kindTests[T any](k kind[T]) []test {
	return []test{
		{"OtherUser", func(t *testing.T, db *sqlstore.DB) { testOtherUser(t, db, k) }},
		{"Missing", func(t *testing.T, db *sqlstore.DB) { testMissing(t, db, k) }},
		{"List", func(t *testing.T, db *sqlstore.DB) { testList(t, db, k) }},
		{"Precondition", func(t *testing.T, db *sqlstore.DB) { testPrecondition(t, db, k) }},
	}
}

// testOtherUser: another user's object is not found, and stays as it was.
func testOtherUser[T any](t *testing.T, db *sqlstore.DB, k kind[T]) {
	ctx := t.Context()
	_, alice := newScope(t, db, "alice")
	_, bob := newScope(t, db, "bob")
	id := k.id(k.create(t, alice))
	before := k.mustGet(t, alice, id)

	// Handing bob's check alice's object would leak it (an ETag, say).
	leak := func(*T) error {
		t.Errorf("check was called with another user's %s", k.resource)
		return nil
	}
	_, err := k.get(bob, ctx, id)
	wantNotFound(t, "Get", err, k.resource)
	_, err = k.rename(bob, ctx, id, "stolen", nil)
	wantNotFound(t, "Update", err, k.resource)
	_, err = k.rename(bob, ctx, id, "stolen", leak)
	wantNotFound(t, "Update with check", err, k.resource)
	wantNotFound(t, "Delete", k.delete(bob, ctx, id, nil), k.resource)
	wantNotFound(t, "Delete with check", k.delete(bob, ctx, id, leak), k.resource)

	same(t, "alice's object after bob's attempts", k.mustGet(t, alice, id), before)
	list, count := k.mustList(t, bob)
	if count != 0 || len(list) != 0 {
		t.Errorf("bob's list = %d rows of %d, want none", len(list), count)
	}
}

// testMissing: an id that never existed is not found, with or without check.
func testMissing[T any](t *testing.T, db *sqlstore.DB, k kind[T]) {
	ctx := t.Context()
	_, alice := newScope(t, db, "alice")
	k.create(t, alice) // so the table is not empty
	never := func(*T) error {
		t.Errorf("check was called for a missing %s", k.resource)
		return nil
	}
	_, err := k.get(alice, ctx, missingID)
	wantNotFound(t, "Get", err, k.resource)
	_, err = k.rename(alice, ctx, missingID, "x", nil)
	wantNotFound(t, "Update", err, k.resource)
	_, err = k.rename(alice, ctx, missingID, "x", never)
	wantNotFound(t, "Update with check", err, k.resource)
	wantNotFound(t, "Delete", k.delete(alice, ctx, missingID, nil), k.resource)
	wantNotFound(t, "Delete with check", k.delete(alice, ctx, missingID, never), k.resource)
}

// testList: newest first, the user's rows only, the total count, pages.
func testList[T any](t *testing.T, db *sqlstore.DB, k kind[T]) {
	ctx := t.Context()
	_, alice := newScope(t, db, "alice")
	_, bob := newScope(t, db, "bob")
	var aliceIDs, bobIDs []int64
	for range 5 {
		aliceIDs = append(aliceIDs, k.id(k.create(t, alice)))
		if len(bobIDs) < 2 {
			bobIDs = append(bobIDs, k.id(k.create(t, bob)))
		}
	}
	slices.Reverse(aliceIDs) // newest first
	slices.Reverse(bobIDs)

	all, count := k.mustList(t, alice)
	if count != 5 {
		t.Errorf("alice's count = %d, want 5", count)
	}
	same(t, "alice's list", k.ids(all), aliceIDs)
	for i := range all {
		same(t, "list row equals Get", &all[i], k.mustGet(t, alice, k.id(&all[i])))
	}
	bobs, count := k.mustList(t, bob)
	if count != 2 {
		t.Errorf("bob's count = %d, want 2", count)
	}
	same(t, "bob's list", k.ids(bobs), bobIDs)

	for _, page := range []struct {
		q    flowtrack.ListQuery
		want []T
	}{
		{flowtrack.ListQuery{Offset: 0, Limit: 1}, all[:1]},
		{flowtrack.ListQuery{Offset: 1, Limit: 2}, all[1:3]},
		{flowtrack.ListQuery{Offset: 3, Limit: 10}, all[3:]},
		{flowtrack.ListQuery{Offset: 5, Limit: 10}, nil},
		{flowtrack.ListQuery{Offset: 50, Limit: 10}, nil},
		// Last selects the last page of whole pages, ignoring Offset.
		{flowtrack.ListQuery{Last: true, Limit: 2}, all[4:]},
		{flowtrack.ListQuery{Last: true, Limit: 5, Offset: 1}, all},
		{flowtrack.ListQuery{Last: true, Limit: 3}, all[3:]},
		{flowtrack.ListQuery{Last: true, Limit: 10}, all},
	} {
		what := fmt.Sprintf("page %+v", page.q)
		list, count, err := k.list(alice, ctx, page.q)
		ok(t, err, what)
		if count != 5 {
			t.Errorf("%s: count = %d, want 5", what, count)
		}
		if len(page.want) == 0 {
			if len(list) != 0 {
				t.Errorf("%s: %d rows, want none", what, len(list))
			}
			continue
		}
		same(t, what, list, page.want)
	}
}

// testPrecondition: a check that refuses makes Update and Delete change
// nothing and return its error; the check sees the current object.
func testPrecondition[T any](t *testing.T, db *sqlstore.DB, k kind[T]) {
	ctx := t.Context()
	_, alice := newScope(t, db, "alice")
	id := k.id(k.create(t, alice))
	before := k.mustGet(t, alice, id)

	calls := 0
	refuse := func(cur *T) error {
		calls++
		same(t, "check's object", cur, before)
		return flowtrack.ErrPrecondition
	}
	_, err := k.rename(alice, ctx, id, "changed", refuse)
	wantIs(t, "Update", err, flowtrack.ErrPrecondition)
	same(t, "after refused Update", k.mustGet(t, alice, id), before)
	wantIs(t, "Delete", k.delete(alice, ctx, id, refuse), flowtrack.ErrPrecondition)
	same(t, "after refused Delete", k.mustGet(t, alice, id), before)
	if calls != 2 {
		t.Errorf("check called %d times, want 2", calls)
	}
}

// ---------------------------------------------------------------------
// Users

func testUserCreate(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	alice := newUser(t, db, "Alice")
	bob := &flowtrack.User{Username: "bob", Email: "bob@example.org", PasswordHash: "h",
		IsActive: false, IsStaff: true, IsSuperuser: true, DateJoined: flowtrack.Now()}
	ok(t, db.UserCreate(ctx, bob), "UserCreate bob")
	if alice.ID <= 0 || bob.ID <= 0 || alice.ID == bob.ID {
		t.Fatalf("ids = %d and %d, want two distinct positive ids", alice.ID, bob.ID)
	}
	for _, u := range []*flowtrack.User{alice, bob} {
		got, err := db.UserGet(ctx, u.ID)
		ok(t, err, "UserGet")
		same(t, "UserGet", got, u)
	}

	// Usernames are unique without regard to case.
	for _, name := range []string{"Alice", "alice", "ALICE"} {
		dup := &flowtrack.User{Username: name, Email: "x@example.com", PasswordHash: "h", DateJoined: flowtrack.Now()}
		wantInvalid(t, "UserCreate "+name, db.UserCreate(ctx, dup), "username", flowtrack.MsgUsernameTaken)
	}
	_, err := db.UserByUsername(ctx, "alice")
	wantNotFound(t, "refused user", err, "User")
	got, err := db.UserGet(ctx, alice.ID)
	ok(t, err, "UserGet")
	same(t, "Alice after the refused duplicates", got, alice)
}

func testUserByUsername(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	alice := newUser(t, db, "Alice")
	newUser(t, db, "bob")
	got, err := db.UserByUsername(ctx, "Alice")
	ok(t, err, "UserByUsername")
	same(t, "UserByUsername", got, alice)
	// Exactly that username: another case is another (missing) user.
	for _, name := range []string{"alice", "ALICE", "Alice ", "nobody"} {
		_, err := db.UserByUsername(ctx, name)
		wantNotFound(t, "UserByUsername "+strconv.Quote(name), err, "User")
	}
}

func testUserUpdate(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	alice := newUser(t, db, "alice")
	bob := newUser(t, db, "bob")
	changed := *alice
	changed.Email = "alice@example.org"
	changed.IsActive, changed.IsStaff, changed.IsSuperuser = false, true, true
	ok(t, db.UserUpdate(ctx, &changed), "UserUpdate")
	got, err := db.UserGet(ctx, alice.ID)
	ok(t, err, "UserGet")
	same(t, "updated user", got, &changed)

	// And back, since false is a value to store too.
	ok(t, db.UserUpdate(ctx, alice), "UserUpdate")
	got, err = db.UserGet(ctx, alice.ID)
	ok(t, err, "UserGet")
	same(t, "restored user", got, alice)

	got, err = db.UserGet(ctx, bob.ID)
	ok(t, err, "UserGet")
	same(t, "other user", got, bob)
}

func testUserSetLastLogin(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	alice := newUser(t, db, "alice")
	bob := newUser(t, db, "bob")
	for _, at := range []time.Time{flowtrack.Now().Add(-time.Hour), flowtrack.Now()} {
		ok(t, db.UserSetLastLogin(ctx, alice.ID, at), "UserSetLastLogin")
		got, err := db.UserGet(ctx, alice.ID)
		ok(t, err, "UserGet")
		want := *alice
		want.LastLogin = &at
		same(t, "after UserSetLastLogin", got, &want)
	}
	got, err := db.UserGet(ctx, bob.ID)
	ok(t, err, "UserGet")
	same(t, "other user", got, bob)
}

func testUserSetPassword(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	alice := newUser(t, db, "alice")
	bob := newUser(t, db, "bob")
	ok(t, db.UserSetPassword(ctx, alice.ID, "new-hash", flowtrack.Now()), "UserSetPassword")
	got, err := db.UserGet(ctx, alice.ID)
	ok(t, err, "UserGet")
	want := *alice
	want.PasswordHash = "new-hash"
	same(t, "after UserSetPassword", got, &want)
	got, err = db.UserGet(ctx, bob.ID)
	ok(t, err, "UserGet")
	same(t, "other user", got, bob)
}

func testUserDelete(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	aliceID, alice := newScope(t, db, "alice")
	bobID, bob := newScope(t, db, "bob")
	for _, s := range []flowtrack.Scope{alice, bob} {
		p := mustProject(t, s, "p")
		mustTask(t, s, mustWorkflow(t, s, p.ID, "w").ID, "t")
	}
	ok(t, db.RefreshTokenAdd(ctx, newToken(aliceID, "alice-1", "alice-1")), "RefreshTokenAdd")
	ok(t, db.RefreshTokenAdd(ctx, newToken(bobID, "bob-1", "bob-1")), "RefreshTokenAdd")
	bobProjects, _ := projects.mustList(t, bob)
	bobWorkflows, _ := workflows.mustList(t, bob)
	bobTasks, _ := tasks.mustList(t, bob)

	ok(t, db.UserDelete(ctx, aliceID), "UserDelete")
	_, err := db.UserGet(ctx, aliceID)
	wantNotFound(t, "UserGet deleted", err, "User")
	_, err = db.UserByUsername(ctx, "alice")
	wantNotFound(t, "UserByUsername deleted", err, "User")
	wantNotFound(t, "UserDelete again", db.UserDelete(ctx, aliceID), "User")

	// Everything alice owned went with her; a scope of her id would list
	// any row still carrying it.
	if _, n := projects.mustList(t, alice); n != 0 {
		t.Errorf("deleted user has %d projects", n)
	}
	if _, n := workflows.mustList(t, alice); n != 0 {
		t.Errorf("deleted user has %d workflows", n)
	}
	if _, n := tasks.mustList(t, alice); n != 0 {
		t.Errorf("deleted user has %d tasks", n)
	}
	wantIs(t, "deleted user's token", db.RefreshTokenState(ctx, "alice-1"), flowtrack.ErrTokenUnknown)

	// Bob's data is untouched.
	got, _ := projects.mustList(t, bob)
	same(t, "bob's projects", got, bobProjects)
	gotW, _ := workflows.mustList(t, bob)
	same(t, "bob's workflows", gotW, bobWorkflows)
	gotT, _ := tasks.mustList(t, bob)
	same(t, "bob's tasks", gotT, bobTasks)
	wantIs(t, "bob's token", db.RefreshTokenState(ctx, "bob-1"), nil)

	// The username is free again.
	if again := newUser(t, db, "alice"); again.ID == aliceID {
		t.Errorf("new alice reuses the deleted user's id %d", aliceID)
	}
}

func testUserNotFound(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	newUser(t, db, "alice")
	_, err := db.UserGet(ctx, missingID)
	wantNotFound(t, "UserGet", err, "User")
	_, err = db.UserByUsername(ctx, "nobody")
	wantNotFound(t, "UserByUsername", err, "User")
	wantNotFound(t, "UserUpdate", db.UserUpdate(ctx, &flowtrack.User{ID: missingID, Email: "x@example.com"}), "User")
	wantNotFound(t, "UserDelete", db.UserDelete(ctx, missingID), "User")
}

// ---------------------------------------------------------------------
// Refresh tokens

// newToken returns a token record issued now for an hour.
func newToken(userID int64, jti, family string) flowtrack.RefreshToken {
	now := flowtrack.Now()
	return flowtrack.RefreshToken{JTI: jti, UserID: userID, Family: family, ExpiresAt: now.Add(time.Hour), CreatedAt: now}
}

// states checks the state of several tokens.
func states(t *testing.T, db *sqlstore.DB, want map[string]error) {
	t.Helper()
	for jti, w := range want {
		wantIs(t, "RefreshTokenState "+jti, db.RefreshTokenState(t.Context(), jti), w)
	}
}

func testTokenRotate(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	u := newUser(t, db, "alice")
	ok(t, db.RefreshTokenAdd(ctx, newToken(u.ID, "t1", "t1")), "RefreshTokenAdd")
	states(t, db, map[string]error{"t1": nil})
	ok(t, db.RefreshTokenRotate(ctx, "t1", newToken(u.ID, "t2", "t1"), flowtrack.Now()), "rotate t1")
	states(t, db, map[string]error{"t1": flowtrack.ErrTokenRevoked, "t2": nil})
	ok(t, db.RefreshTokenRotate(ctx, "t2", newToken(u.ID, "t3", "t1"), flowtrack.Now()), "rotate t2")
	states(t, db, map[string]error{"t1": flowtrack.ErrTokenRevoked, "t2": flowtrack.ErrTokenRevoked, "t3": nil})
}

func testTokenReuse(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	u := newUser(t, db, "alice")
	ok(t, db.RefreshTokenAdd(ctx, newToken(u.ID, "a1", "a1")), "RefreshTokenAdd a1")
	ok(t, db.RefreshTokenRotate(ctx, "a1", newToken(u.ID, "a2", "a1"), flowtrack.Now()), "rotate a1")
	ok(t, db.RefreshTokenRotate(ctx, "a2", newToken(u.ID, "a3", "a1"), flowtrack.Now()), "rotate a2")
	// Another login of the same user: another family.
	ok(t, db.RefreshTokenAdd(ctx, newToken(u.ID, "b1", "b1")), "RefreshTokenAdd b1")

	// a1 was replaced already: presenting it again ends its family.
	err := db.RefreshTokenRotate(ctx, "a1", newToken(u.ID, "a4", "a1"), flowtrack.Now())
	wantIs(t, "rotate a1 again", err, flowtrack.ErrTokenReused)
	states(t, db, map[string]error{
		"a1": flowtrack.ErrTokenRevoked,
		"a2": flowtrack.ErrTokenRevoked,
		"a3": flowtrack.ErrTokenRevoked, // the newest of the family, revoked
		"a4": flowtrack.ErrTokenUnknown, // never issued
		"b1": nil,                       // the other family lives on
	})
	err = db.RefreshTokenRotate(ctx, "a3", newToken(u.ID, "a5", "a1"), flowtrack.Now())
	wantIs(t, "rotate revoked a3", err, flowtrack.ErrTokenRevoked)
	ok(t, db.RefreshTokenRotate(ctx, "b1", newToken(u.ID, "b2", "b1"), flowtrack.Now()), "rotate b1")
	states(t, db, map[string]error{"a5": flowtrack.ErrTokenUnknown, "b2": nil})
}

func testTokenRevoke(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	u := newUser(t, db, "alice")
	ok(t, db.RefreshTokenAdd(ctx, newToken(u.ID, "r1", "r1")), "RefreshTokenAdd r1")
	ok(t, db.RefreshTokenAdd(ctx, newToken(u.ID, "s1", "s1")), "RefreshTokenAdd s1")
	ok(t, db.RefreshTokenRevoke(ctx, "r1", flowtrack.Now()), "revoke r1")
	states(t, db, map[string]error{"r1": flowtrack.ErrTokenRevoked, "s1": nil})
	wantIs(t, "rotate revoked", db.RefreshTokenRotate(ctx, "r1", newToken(u.ID, "r2", "r1"), flowtrack.Now()), flowtrack.ErrTokenRevoked)
	states(t, db, map[string]error{"r2": flowtrack.ErrTokenUnknown})
	wantIs(t, "revoke again", db.RefreshTokenRevoke(ctx, "r1", flowtrack.Now()), flowtrack.ErrTokenRevoked)

	// A replaced token is no longer outstanding: revoking it is refused too.
	ok(t, db.RefreshTokenRotate(ctx, "s1", newToken(u.ID, "s2", "s1"), flowtrack.Now()), "rotate s1")
	wantIs(t, "revoke replaced", db.RefreshTokenRevoke(ctx, "s1", flowtrack.Now()), flowtrack.ErrTokenRevoked)
}

func testTokenUnknown(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	u := newUser(t, db, "alice")
	ok(t, db.RefreshTokenAdd(ctx, newToken(u.ID, "known", "known")), "RefreshTokenAdd")
	wantIs(t, "State", db.RefreshTokenState(ctx, "nope"), flowtrack.ErrTokenUnknown)
	wantIs(t, "Rotate", db.RefreshTokenRotate(ctx, "nope", newToken(u.ID, "next", "nope"), flowtrack.Now()), flowtrack.ErrTokenUnknown)
	wantIs(t, "Revoke", db.RefreshTokenRevoke(ctx, "nope", flowtrack.Now()), flowtrack.ErrTokenUnknown)
	states(t, db, map[string]error{"next": flowtrack.ErrTokenUnknown, "known": nil})
}

func testTokenSetPassword(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	alice := newUser(t, db, "alice")
	bob := newUser(t, db, "bob")
	ok(t, db.RefreshTokenAdd(ctx, newToken(alice.ID, "a1", "a1")), "RefreshTokenAdd")
	ok(t, db.RefreshTokenRotate(ctx, "a1", newToken(alice.ID, "a2", "a1"), flowtrack.Now()), "rotate a1")
	ok(t, db.RefreshTokenAdd(ctx, newToken(alice.ID, "b1", "b1")), "RefreshTokenAdd")
	ok(t, db.RefreshTokenAdd(ctx, newToken(bob.ID, "c1", "c1")), "RefreshTokenAdd")

	ok(t, db.UserSetPassword(ctx, alice.ID, "new-hash", flowtrack.Now()), "UserSetPassword")
	states(t, db, map[string]error{
		"a1": flowtrack.ErrTokenRevoked,
		"a2": flowtrack.ErrTokenRevoked,
		"b1": flowtrack.ErrTokenRevoked,
		"c1": nil,
	})
	wantIs(t, "rotate after password change", db.RefreshTokenRotate(ctx, "b1", newToken(alice.ID, "b2", "b1"), flowtrack.Now()), flowtrack.ErrTokenRevoked)
}

// testTokenConcurrentRotate: of 8 simultaneous rotations of one token
// exactly one wins; the others are reuse, which ends the family.
func testTokenConcurrentRotate(t *testing.T, db *sqlstore.DB) {
	const n = 8
	ctx := t.Context()
	u := newUser(t, db, "alice")
	ok(t, db.RefreshTokenAdd(ctx, newToken(u.ID, "t0", "t0")), "RefreshTokenAdd")

	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = db.RefreshTokenRotate(ctx, "t0", newToken(u.ID, fmt.Sprintf("next-%d", i), "t0"), flowtrack.Now())
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner < 0:
			winner = i
		case err == nil:
			t.Errorf("rotations %d and %d both succeeded", winner, i)
		case !errors.Is(err, flowtrack.ErrTokenReused):
			t.Errorf("rotation %d: err = %v, want nil for one and %v for the others", i, err, flowtrack.ErrTokenReused)
		}
	}
	if winner < 0 {
		t.Fatalf("no rotation succeeded: %v", errs)
	}
	for i := range n {
		want := flowtrack.ErrTokenUnknown // the losers' tokens were never recorded
		if i == winner {
			want = flowtrack.ErrTokenRevoked // recorded, then revoked with its family
		}
		wantIs(t, fmt.Sprintf("state of next-%d", i), db.RefreshTokenState(ctx, fmt.Sprintf("next-%d", i)), want)
	}
}

// ---------------------------------------------------------------------
// Login failures

func testLoginFailures(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return base.Add(d) }
	user, ip := "user:alice", "ip:192.0.2.1"
	keep := at(-time.Hour) // prunes nothing written here

	ok(t, db.LoginFailureAdd(ctx, []string{user, ip}, at(0), keep), "LoginFailureAdd")
	ok(t, db.LoginFailureAdd(ctx, []string{user}, at(time.Minute), keep), "LoginFailureAdd")
	ok(t, db.LoginFailureAdd(ctx, []string{user, ip}, at(2*time.Minute), keep), "LoginFailureAdd")

	check := func(key string, since time.Time, wantCount int, wantOldest time.Time) {
		t.Helper()
		count, oldest, err := db.LoginFailures(ctx, key, since)
		ok(t, err, "LoginFailures")
		if count != wantCount {
			t.Errorf("LoginFailures(%s, %v) count = %d, want %d", key, since, count, wantCount)
		}
		if wantCount > 0 { // the oldest of no failures is not defined
			wantTime(t, "LoginFailures("+key+") oldest", oldest, wantOldest)
		}
	}
	check(user, at(-time.Second), 3, at(0))
	check(user, at(30*time.Second), 2, at(time.Minute))
	check(user, at(90*time.Second), 1, at(2*time.Minute))
	check(user, at(3*time.Minute), 0, time.Time{})
	check(ip, at(-time.Second), 2, at(0))
	check(ip, at(30*time.Second), 1, at(2*time.Minute))
	check("user:bob", at(-time.Hour), 0, time.Time{})

	// Failures before `before` are forgotten, even when asked about from
	// an earlier time.
	ok(t, db.LoginFailureAdd(ctx, []string{user, ip}, at(2*time.Hour), at(90*time.Second)), "LoginFailureAdd")
	check(user, at(-time.Hour), 2, at(2*time.Minute))
	check(ip, at(-time.Hour), 2, at(2*time.Minute))
}

// ---------------------------------------------------------------------
// Projects

func testProjectCRUD(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	aliceID, alice := newScope(t, db, "alice")

	from := flowtrack.Now()
	p, err := alice.ProjectCreate(ctx, flowtrack.ProjectInput{
		Name: flowtrack.Some("Alpha"), Description: flowtrack.Some("The first one")})
	to := flowtrack.Now()
	ok(t, err, "ProjectCreate")
	if p.ID <= 0 {
		t.Fatalf("ProjectCreate id = %d", p.ID)
	}
	stamped(t, "CreatedAt", p.CreatedAt, from, to)
	want := flowtrack.Project{ID: p.ID, OwnerID: aliceID, Name: "Alpha", Description: "The first one",
		CreatedAt: p.CreatedAt, UpdatedAt: p.CreatedAt}
	same(t, "ProjectCreate", p, &want)
	same(t, "ProjectGet", projects.mustGet(t, alice, p.ID), &want)

	// Unset fields are kept; the check sees the current project.
	var seen flowtrack.Project
	from = flowtrack.Now()
	u, err := alice.ProjectUpdate(ctx, p.ID, flowtrack.ProjectInput{Name: flowtrack.Some("Beta")},
		func(cur *flowtrack.Project) error { seen = *cur; return nil })
	to = flowtrack.Now()
	ok(t, err, "ProjectUpdate")
	same(t, "check's project", seen, want)
	stamped(t, "UpdatedAt", u.UpdatedAt, from, to)
	want.Name, want.UpdatedAt = "Beta", u.UpdatedAt
	same(t, "ProjectUpdate", u, &want)
	same(t, "ProjectGet", projects.mustGet(t, alice, p.ID), &want)

	u, err = alice.ProjectUpdate(ctx, p.ID, flowtrack.ProjectInput{Description: flowtrack.Some("")}, nil)
	ok(t, err, "ProjectUpdate")
	want.Description, want.UpdatedAt = "", u.UpdatedAt
	same(t, "ProjectUpdate clearing description", u, &want)
	same(t, "ProjectGet", projects.mustGet(t, alice, p.ID), &want)

	// A description left out is empty.
	q := mustProject(t, alice, "Gamma")
	same(t, "project without description", projects.mustGet(t, alice, q.ID), &flowtrack.Project{
		ID: q.ID, OwnerID: aliceID, Name: "Gamma", CreatedAt: q.CreatedAt, UpdatedAt: q.CreatedAt})

	ok(t, alice.ProjectDelete(ctx, p.ID, nil), "ProjectDelete")
	_, err = alice.ProjectGet(ctx, p.ID)
	wantNotFound(t, "ProjectGet deleted", err, "Project")
	wantNotFound(t, "ProjectDelete again", alice.ProjectDelete(ctx, p.ID, nil), "Project")
	projects.mustGet(t, alice, q.ID)
}

func testProjectCounts(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	_, alice := newScope(t, db, "alice")
	p1, p2 := mustProject(t, alice, "p1"), mustProject(t, alice, "p2")
	w1, w2 := mustWorkflow(t, alice, p1.ID, "w1"), mustWorkflow(t, alice, p1.ID, "w2")
	w3 := mustWorkflow(t, alice, p2.ID, "w3")
	t1, t2 := mustTask(t, alice, w1.ID, "t1"), mustTask(t, alice, w1.ID, "t2")
	mustTask(t, alice, w2.ID, "t3")

	counts := func(what string, wantP1, wantP2 [2]int64, wantW [3]int64) {
		t.Helper()
		for _, c := range []struct {
			p    *flowtrack.Project
			want [2]int64
		}{{p1, wantP1}, {p2, wantP2}} {
			got := projects.mustGet(t, alice, c.p.ID)
			same(t, what+": "+got.Name+" [WorkflowCount TaskCount]", [2]int64{got.WorkflowCount, got.TaskCount}, c.want)
		}
		for i, w := range []*flowtrack.Workflow{w1, w2, w3} {
			got := workflows.mustGet(t, alice, w.ID)
			same(t, what+": "+got.Name+" TaskCount", got.TaskCount, wantW[i])
		}
	}
	counts("created", [2]int64{2, 3}, [2]int64{1, 0}, [3]int64{2, 1, 0})

	ok(t, alice.TaskDelete(ctx, t1.ID, nil), "TaskDelete")
	counts("task deleted", [2]int64{2, 2}, [2]int64{1, 0}, [3]int64{1, 1, 0})

	_, err := alice.TaskUpdate(ctx, t2.ID, flowtrack.TaskInput{WorkflowID: flowtrack.Some(w3.ID)}, nil)
	ok(t, err, "TaskUpdate moving t2")
	counts("task moved", [2]int64{2, 1}, [2]int64{1, 1}, [3]int64{0, 1, 1})

	_, err = alice.WorkflowUpdate(ctx, w2.ID, flowtrack.WorkflowInput{ProjectID: flowtrack.Some(p2.ID)}, nil)
	ok(t, err, "WorkflowUpdate moving w2")
	counts("workflow moved", [2]int64{1, 0}, [2]int64{2, 2}, [3]int64{0, 1, 1})

	// The lists carry the same counts.
	list, _ := projects.mustList(t, alice)
	same(t, "ProjectList", list, []flowtrack.Project{*projects.mustGet(t, alice, p2.ID), *projects.mustGet(t, alice, p1.ID)})
}

// testDeleteCascades: deleting a workflow removes its tasks, deleting a
// project its workflows and their tasks; nothing else goes.
func testDeleteCascades(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	_, alice := newScope(t, db, "alice")
	p1, p2 := mustProject(t, alice, "p1"), mustProject(t, alice, "p2")
	w1, w2 := mustWorkflow(t, alice, p1.ID, "w1"), mustWorkflow(t, alice, p1.ID, "w2")
	w3 := mustWorkflow(t, alice, p2.ID, "w3")
	t1, t2 := mustTask(t, alice, w1.ID, "t1"), mustTask(t, alice, w1.ID, "t2")
	t3, t4 := mustTask(t, alice, w2.ID, "t3"), mustTask(t, alice, w3.ID, "t4")

	ok(t, alice.WorkflowDelete(ctx, w2.ID, nil), "WorkflowDelete")
	_, err := alice.TaskGet(ctx, t3.ID)
	wantNotFound(t, "task of deleted workflow", err, "Task")
	got := projects.mustGet(t, alice, p1.ID)
	same(t, "p1 [WorkflowCount TaskCount]", [2]int64{got.WorkflowCount, got.TaskCount}, [2]int64{1, 2})

	keepW := workflows.mustGet(t, alice, w3.ID)
	keepT := tasks.mustGet(t, alice, t4.ID)
	ok(t, alice.ProjectDelete(ctx, p1.ID, nil), "ProjectDelete")
	_, err = alice.WorkflowGet(ctx, w1.ID)
	wantNotFound(t, "workflow of deleted project", err, "Workflow")
	for _, task := range []*flowtrack.Task{t1, t2} {
		_, err = alice.TaskGet(ctx, task.ID)
		wantNotFound(t, "task of deleted project", err, "Task")
	}
	wl, _ := workflows.mustList(t, alice)
	same(t, "remaining workflows", wl, []flowtrack.Workflow{*keepW})
	tl, _ := tasks.mustList(t, alice)
	same(t, "remaining tasks", tl, []flowtrack.Task{*keepT})
}

// ---------------------------------------------------------------------
// Workflows

func testWorkflowCRUD(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	aliceID, alice := newScope(t, db, "alice")
	p := mustProject(t, alice, "p")

	from := flowtrack.Now()
	w, err := alice.WorkflowCreate(ctx, flowtrack.WorkflowInput{ProjectID: flowtrack.Some(p.ID), Name: flowtrack.Some("Build")})
	to := flowtrack.Now()
	ok(t, err, "WorkflowCreate")
	if w.ID <= 0 {
		t.Fatalf("WorkflowCreate id = %d", w.ID)
	}
	stamped(t, "CreatedAt", w.CreatedAt, from, to)
	want := flowtrack.Workflow{ID: w.ID, OwnerID: aliceID, ProjectID: p.ID, Name: "Build",
		Status: flowtrack.WorkflowStatuses[0], CreatedAt: w.CreatedAt, UpdatedAt: w.CreatedAt}
	same(t, "WorkflowCreate", w, &want)
	same(t, "WorkflowGet", workflows.mustGet(t, alice, w.ID), &want)

	paused, err := alice.WorkflowCreate(ctx, flowtrack.WorkflowInput{ProjectID: flowtrack.Some(p.ID),
		Name: flowtrack.Some("Later"), Status: flowtrack.Some("paused")})
	ok(t, err, "WorkflowCreate paused")
	same(t, "created status", workflows.mustGet(t, alice, paused.ID).Status, "paused")

	var seen flowtrack.Workflow
	from = flowtrack.Now()
	u, err := alice.WorkflowUpdate(ctx, w.ID, flowtrack.WorkflowInput{Status: flowtrack.Some("completed")},
		func(cur *flowtrack.Workflow) error { seen = *cur; return nil })
	to = flowtrack.Now()
	ok(t, err, "WorkflowUpdate")
	same(t, "check's workflow", seen, want)
	stamped(t, "UpdatedAt", u.UpdatedAt, from, to)
	want.Status, want.UpdatedAt = "completed", u.UpdatedAt
	same(t, "WorkflowUpdate", u, &want)
	same(t, "WorkflowGet", workflows.mustGet(t, alice, w.ID), &want)

	u, err = alice.WorkflowUpdate(ctx, w.ID, flowtrack.WorkflowInput{
		ProjectID: flowtrack.Some(p.ID), Name: flowtrack.Some("Ship"), Status: flowtrack.Some("archived")}, nil)
	ok(t, err, "WorkflowUpdate")
	want.Name, want.Status, want.UpdatedAt = "Ship", "archived", u.UpdatedAt
	same(t, "WorkflowUpdate", u, &want)
	same(t, "WorkflowGet", workflows.mustGet(t, alice, w.ID), &want)

	ok(t, alice.WorkflowDelete(ctx, w.ID, nil), "WorkflowDelete")
	_, err = alice.WorkflowGet(ctx, w.ID)
	wantNotFound(t, "WorkflowGet deleted", err, "Workflow")
	wantNotFound(t, "WorkflowDelete again", alice.WorkflowDelete(ctx, w.ID, nil), "Workflow")
	workflows.mustGet(t, alice, paused.ID)
}

// testWorkflowProjectReference: a workflow can only be in one of the
// user's own projects.
func testWorkflowProjectReference(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	_, alice := newScope(t, db, "alice")
	_, bob := newScope(t, db, "bob")
	mine := mustProject(t, alice, "mine")
	theirs := mustProject(t, bob, "theirs")

	for _, pid := range []int64{theirs.ID, missingID} {
		what := "project " + strconv.FormatInt(pid, 10)
		_, err := alice.WorkflowCreate(ctx, flowtrack.WorkflowInput{ProjectID: flowtrack.Some(pid), Name: flowtrack.Some("w")})
		wantInvalid(t, "WorkflowCreate in "+what, err, "project", flowtrack.MsgInvalidPK(strconv.FormatInt(pid, 10)))
	}
	if _, n := workflows.mustList(t, alice); n != 0 {
		t.Errorf("refused creates left %d workflows", n)
	}
	same(t, "bob's project", projects.mustGet(t, bob, theirs.ID), theirs)

	w := mustWorkflow(t, alice, mine.ID, "w")
	before := workflows.mustGet(t, alice, w.ID)
	for _, pid := range []int64{theirs.ID, missingID} {
		what := "project " + strconv.FormatInt(pid, 10)
		_, err := alice.WorkflowUpdate(ctx, w.ID, flowtrack.WorkflowInput{ProjectID: flowtrack.Some(pid), Name: flowtrack.Some("moved")}, nil)
		wantInvalid(t, "WorkflowUpdate to "+what, err, "project", flowtrack.MsgInvalidPK(strconv.FormatInt(pid, 10)))
		same(t, "workflow after refused move", workflows.mustGet(t, alice, w.ID), before)
	}
	same(t, "bob's project", projects.mustGet(t, bob, theirs.ID), theirs)
}

// ---------------------------------------------------------------------
// Tasks

func testTaskCRUD(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	aliceID, alice := newScope(t, db, "alice")
	p := mustProject(t, alice, "p")
	w := mustWorkflow(t, alice, p.ID, "w")

	from := flowtrack.Now()
	task, err := alice.TaskCreate(ctx, flowtrack.TaskInput{WorkflowID: flowtrack.Some(w.ID), Title: flowtrack.Some("Write")})
	to := flowtrack.Now()
	ok(t, err, "TaskCreate")
	if task.ID <= 0 {
		t.Fatalf("TaskCreate id = %d", task.ID)
	}
	stamped(t, "CreatedAt", task.CreatedAt, from, to)
	want := flowtrack.Task{ID: task.ID, OwnerID: aliceID, ProjectID: p.ID, WorkflowID: w.ID, Title: "Write",
		Status: flowtrack.TaskStatuses[0], Priority: flowtrack.TaskDefaultPriority,
		CreatedAt: task.CreatedAt, UpdatedAt: task.CreatedAt}
	same(t, "TaskCreate", task, &want)
	same(t, "TaskGet", tasks.mustGet(t, alice, task.ID), &want)

	var seen flowtrack.Task
	from = flowtrack.Now()
	u, err := alice.TaskUpdate(ctx, task.ID, flowtrack.TaskInput{Description: flowtrack.Some("Details")},
		func(cur *flowtrack.Task) error { seen = *cur; return nil })
	to = flowtrack.Now()
	ok(t, err, "TaskUpdate")
	same(t, "check's task", seen, want)
	stamped(t, "UpdatedAt", u.UpdatedAt, from, to)
	want.Description, want.UpdatedAt = "Details", u.UpdatedAt
	same(t, "TaskUpdate", u, &want)
	same(t, "TaskGet", tasks.mustGet(t, alice, task.ID), &want)

	u, err = alice.TaskUpdate(ctx, task.ID, flowtrack.TaskInput{
		WorkflowID: flowtrack.Some(w.ID), Title: flowtrack.Some("Rewrite"), Status: flowtrack.Some("blocked")}, nil)
	ok(t, err, "TaskUpdate")
	want.Title, want.Status, want.UpdatedAt = "Rewrite", "blocked", u.UpdatedAt
	same(t, "TaskUpdate", u, &want)
	same(t, "TaskGet", tasks.mustGet(t, alice, task.ID), &want)

	other := mustTask(t, alice, w.ID, "other")
	ok(t, alice.TaskDelete(ctx, task.ID, nil), "TaskDelete")
	_, err = alice.TaskGet(ctx, task.ID)
	wantNotFound(t, "TaskGet deleted", err, "Task")
	wantNotFound(t, "TaskDelete again", alice.TaskDelete(ctx, task.ID, nil), "Task")
	tasks.mustGet(t, alice, other.ID)
}

// testTaskWorkflowReference: a task can only be in one of the user's own
// workflows.
func testTaskWorkflowReference(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	_, alice := newScope(t, db, "alice")
	_, bob := newScope(t, db, "bob")
	mine := workflows.create(t, alice)
	theirs := workflows.create(t, bob)

	for _, wid := range []int64{theirs.ID, missingID} {
		what := "workflow " + strconv.FormatInt(wid, 10)
		_, err := alice.TaskCreate(ctx, flowtrack.TaskInput{WorkflowID: flowtrack.Some(wid), Title: flowtrack.Some("t")})
		wantInvalid(t, "TaskCreate in "+what, err, "workflow", flowtrack.MsgInvalidPK(strconv.FormatInt(wid, 10)))
	}
	if _, n := tasks.mustList(t, alice); n != 0 {
		t.Errorf("refused creates left %d tasks", n)
	}
	same(t, "bob's workflow", workflows.mustGet(t, bob, theirs.ID), theirs)

	task := mustTask(t, alice, mine.ID, "t")
	before := tasks.mustGet(t, alice, task.ID)
	for _, wid := range []int64{theirs.ID, missingID} {
		what := "workflow " + strconv.FormatInt(wid, 10)
		_, err := alice.TaskUpdate(ctx, task.ID, flowtrack.TaskInput{WorkflowID: flowtrack.Some(wid), Title: flowtrack.Some("moved")}, nil)
		wantInvalid(t, "TaskUpdate to "+what, err, "workflow", flowtrack.MsgInvalidPK(strconv.FormatInt(wid, 10)))
		same(t, "task after refused move", tasks.mustGet(t, alice, task.ID), before)
	}
	same(t, "bob's workflow", workflows.mustGet(t, bob, theirs.ID), theirs)
}

// testTaskProjectFollowsWorkflow: a task's project is always its
// workflow's, when it is created, moved, or its workflow is moved.
func testTaskProjectFollowsWorkflow(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	_, alice := newScope(t, db, "alice")
	p1, p2 := mustProject(t, alice, "p1"), mustProject(t, alice, "p2")
	w1, w2 := mustWorkflow(t, alice, p1.ID, "w1"), mustWorkflow(t, alice, p2.ID, "w2")
	t1, t2 := mustTask(t, alice, w1.ID, "t1"), mustTask(t, alice, w1.ID, "t2")
	t3 := mustTask(t, alice, w2.ID, "t3")
	same(t, "created task's project", [2]int64{t1.ProjectID, t3.ProjectID}, [2]int64{p1.ID, p2.ID})

	// Moving a task to a workflow of another project moves it there.
	moved, err := alice.TaskUpdate(ctx, t3.ID, flowtrack.TaskInput{WorkflowID: flowtrack.Some(w1.ID)}, nil)
	ok(t, err, "TaskUpdate")
	same(t, "moved task [ProjectID WorkflowID]", [2]int64{moved.ProjectID, moved.WorkflowID}, [2]int64{p1.ID, w1.ID})
	same(t, "TaskGet", tasks.mustGet(t, alice, t3.ID), moved)

	// Moving the workflow carries its tasks along.
	mw, err := alice.WorkflowUpdate(ctx, w1.ID, flowtrack.WorkflowInput{ProjectID: flowtrack.Some(p2.ID)}, nil)
	ok(t, err, "WorkflowUpdate")
	same(t, "moved workflow's project", mw.ProjectID, p2.ID)
	same(t, "WorkflowGet", workflows.mustGet(t, alice, w1.ID), mw)
	for _, task := range []*flowtrack.Task{t1, t2, t3} {
		got := tasks.mustGet(t, alice, task.ID)
		same(t, got.Title+" [ProjectID WorkflowID]", [2]int64{got.ProjectID, got.WorkflowID}, [2]int64{p2.ID, w1.ID})
	}
	// Both workflows are in p2 now, so every task is.
	mustTask(t, alice, w2.ID, "t4")
	list, _ := tasks.mustList(t, alice)
	for _, task := range list {
		if task.ProjectID != p2.ID {
			t.Errorf("task %q in project %d, want %d", task.Title, task.ProjectID, p2.ID)
		}
	}
}

// testTaskCompletedAt: set when the status becomes done, kept while it
// stays done, cleared when it leaves done.
func testTaskCompletedAt(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	_, alice := newScope(t, db, "alice")
	w := workflows.create(t, alice)
	task := mustTask(t, alice, w.ID, "t")
	if task.CompletedAt != nil {
		t.Errorf("new task CompletedAt = %v, want nil", *task.CompletedAt)
	}

	update := func(in flowtrack.TaskInput) *flowtrack.Task {
		t.Helper()
		u, err := alice.TaskUpdate(ctx, task.ID, in, nil)
		ok(t, err, "TaskUpdate")
		same(t, "TaskGet after TaskUpdate", tasks.mustGet(t, alice, task.ID), u)
		return u
	}
	from := flowtrack.Now()
	done := update(flowtrack.TaskInput{Status: flowtrack.Some(flowtrack.TaskDone)})
	to := flowtrack.Now()
	if done.CompletedAt == nil {
		t.Fatal("CompletedAt = nil after status done")
	}
	completed := *done.CompletedAt
	stamped(t, "CompletedAt", completed, from, to)

	u := update(flowtrack.TaskInput{Title: flowtrack.Some("still done")})
	same(t, "CompletedAt after another change", u.CompletedAt, &completed)
	u = update(flowtrack.TaskInput{Status: flowtrack.Some(flowtrack.TaskDone)})
	same(t, "CompletedAt after done again", u.CompletedAt, &completed)

	u = update(flowtrack.TaskInput{Status: flowtrack.Some("in_progress")})
	if u.CompletedAt != nil {
		t.Errorf("CompletedAt = %v after leaving done, want nil", *u.CompletedAt)
	}

	from = flowtrack.Now()
	u = update(flowtrack.TaskInput{Status: flowtrack.Some(flowtrack.TaskDone)})
	to = flowtrack.Now()
	if u.CompletedAt == nil {
		t.Fatal("CompletedAt = nil after done again")
	}
	stamped(t, "CompletedAt", *u.CompletedAt, from, to)

	// A task created done is completed at once.
	from = flowtrack.Now()
	created, err := alice.TaskCreate(ctx, flowtrack.TaskInput{WorkflowID: flowtrack.Some(w.ID),
		Title: flowtrack.Some("done already"), Status: flowtrack.Some(flowtrack.TaskDone)})
	to = flowtrack.Now()
	ok(t, err, "TaskCreate done")
	if created.CompletedAt == nil {
		t.Fatal("CompletedAt = nil for a task created done")
	}
	stamped(t, "CompletedAt", *created.CompletedAt, from, to)
	same(t, "TaskGet", tasks.mustGet(t, alice, created.ID), created)
}

func testTaskPriorityAndDueDate(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	_, alice := newScope(t, db, "alice")
	w := workflows.create(t, alice)
	due := func(s string) *flowtrack.Date { d := flowtrack.Date(s); return &d }

	for i, priority := range flowtrack.TaskPriorities {
		d := due(fmt.Sprintf("2024-02-%02d", 27+i%3)) // 27, 28, 29 (a leap day)
		task, err := alice.TaskCreate(ctx, flowtrack.TaskInput{WorkflowID: flowtrack.Some(w.ID),
			Title: flowtrack.Some(priority), Priority: flowtrack.Some(priority), DueDate: flowtrack.Some(d)})
		ok(t, err, "TaskCreate")
		got := tasks.mustGet(t, alice, task.ID)
		same(t, "TaskGet", got, task)
		same(t, "[Priority DueDate]", []any{got.Priority, got.DueDate}, []any{priority, d})
	}

	task := mustTask(t, alice, w.ID, "defaults")
	same(t, "default [Priority DueDate]", []any{task.Priority, task.DueDate}, []any{flowtrack.TaskDefaultPriority, (*flowtrack.Date)(nil)})

	steps := []struct {
		in           flowtrack.TaskInput
		wantPriority string
		wantDue      *flowtrack.Date
	}{
		{flowtrack.TaskInput{Priority: flowtrack.Some("urgent"), DueDate: flowtrack.Some(due("2031-12-31"))}, "urgent", due("2031-12-31")},
		{flowtrack.TaskInput{Title: flowtrack.Some("unset fields are kept")}, "urgent", due("2031-12-31")},
		{flowtrack.TaskInput{Priority: flowtrack.Some("low"), DueDate: flowtrack.Some[*flowtrack.Date](nil)}, "low", nil},
	}
	for _, step := range steps {
		u, err := alice.TaskUpdate(ctx, task.ID, step.in, nil)
		ok(t, err, "TaskUpdate")
		got := tasks.mustGet(t, alice, task.ID)
		same(t, "TaskGet after TaskUpdate", got, u)
		same(t, "[Priority DueDate]", []any{got.Priority, got.DueDate}, []any{step.wantPriority, step.wantDue})
	}
}

// testTaskConcurrentCreate: simultaneous creates in one workflow all succeed.
func testTaskConcurrentCreate(t *testing.T, db *sqlstore.DB) {
	const n = 32
	ctx := t.Context()
	_, alice := newScope(t, db, "alice")
	w := workflows.create(t, alice)

	created := make([]*flowtrack.Task, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			created[i], errs[i] = alice.TaskCreate(ctx, flowtrack.TaskInput{
				WorkflowID: flowtrack.Some(w.ID), Title: flowtrack.Some(fmt.Sprintf("task %d", i))})
		})
	}
	close(start)
	wg.Wait()

	var want []int64
	for i, err := range errs {
		if err != nil {
			t.Errorf("TaskCreate %d: %v", i, err)
			continue
		}
		want = append(want, created[i].ID)
	}
	list, count := tasks.mustList(t, alice)
	if count != n || len(list) != n {
		t.Errorf("TaskList = %d rows of %d, want %d", len(list), count, n)
	}
	got := tasks.ids(list)
	slices.Sort(got)
	slices.Sort(want)
	same(t, "task ids", got, want)
	same(t, "workflow TaskCount", workflows.mustGet(t, alice, w.ID).TaskCount, int64(n))
	same(t, "project TaskCount", projects.mustGet(t, alice, w.ProjectID).TaskCount, int64(n))
}

// ---------------------------------------------------------------------
// What the database itself enforces, beneath the store's own checks.
// Each refused statement has a twin that differs only in the refused
// value and must succeed, so the refusal cannot be a typo in the SQL.

// exec runs a statement on the raw database.
func exec(t *testing.T, db *sqlstore.DB, query string, args ...any) error {
	_, err := db.SQL().ExecContext(t.Context(), query, args...)
	return err
}

func wantRefused(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: the database accepted it", what)
	}
}

func testWorkflowOwnerConstraint(t *testing.T, db *sqlstore.DB) {
	aliceID, alice := newScope(t, db, "alice")
	bobID, _ := newScope(t, db, "bob")
	p := mustProject(t, alice, "p")
	w := mustWorkflow(t, alice, p.ID, "w")

	const insert = `INSERT INTO workflows (owner_id, project_id, name, status, created_at, updated_at)
		VALUES ($1, $2, 'raw', 'active', 0, 0)`
	wantRefused(t, "workflow of bob in alice's project", exec(t, db, insert, bobID, p.ID))
	ok(t, exec(t, db, insert, aliceID, p.ID), "workflow of alice in alice's project")

	const update = `UPDATE workflows SET owner_id = $1 WHERE id = $2`
	wantRefused(t, "handing alice's workflow to bob", exec(t, db, update, bobID, w.ID))
	ok(t, exec(t, db, update, aliceID, w.ID), "re-setting the workflow's owner")
	same(t, "workflow", workflows.mustGet(t, alice, w.ID), w)
}

func testTaskOwnerConstraint(t *testing.T, db *sqlstore.DB) {
	aliceID, alice := newScope(t, db, "alice")
	bobID, _ := newScope(t, db, "bob")
	p, other := mustProject(t, alice, "p"), mustProject(t, alice, "other")
	w := mustWorkflow(t, alice, p.ID, "w")
	task := mustTask(t, alice, w.ID, "t")

	const insert = `INSERT INTO tasks (owner_id, project_id, workflow_id, title, status, priority, created_at, updated_at)
		VALUES ($1, $2, $3, 'raw', 'todo', 1, 0, 0)`
	wantRefused(t, "task of bob in alice's workflow", exec(t, db, insert, bobID, p.ID, w.ID))
	wantRefused(t, "task in a project other than its workflow's", exec(t, db, insert, aliceID, other.ID, w.ID))
	ok(t, exec(t, db, insert, aliceID, p.ID, w.ID), "task of alice in alice's workflow")

	const update = `UPDATE tasks SET owner_id = $1 WHERE id = $2`
	wantRefused(t, "handing alice's task to bob", exec(t, db, update, bobID, task.ID))
	ok(t, exec(t, db, update, aliceID, task.ID), "re-setting the task's owner")
	same(t, "task", tasks.mustGet(t, alice, task.ID), task)
}
