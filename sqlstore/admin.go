package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/flowtrack/flowtrack"
)

// The admin panel's writes. Each runs in one transaction with its entry
// in the action log. Creates and changes go through the owner's scope, so
// the panel applies exactly the API's rules; only moving an object to
// another owner is the panel's own statement, and the composite foreign
// keys (ON UPDATE CASCADE) carry the children along.

var _ flowtrack.Admin = (*DB)(nil)

// maxAttempts bounds how often a change that lost a deadlock is run again.
const maxAttempts = 3

// logged runs change in a write transaction and records the entry it
// returns in the action log, in the same transaction. A transaction the
// database failed for a concurrent one's sake runs again.
func (db *DB) logged(ctx context.Context, actor *flowtrack.User, change func(tx conn) (*flowtrack.LogEntry, error)) error {
	for attempt := 1; ; attempt++ {
		err := db.loggedOnce(ctx, actor, change)
		if err == nil || attempt == maxAttempts || db.engine.IsTransient == nil || !db.engine.IsTransient(err) {
			return err
		}
	}
}

// lockRow locks an object's row for the transaction, by itself: a lock
// taken through a join would lose the row on PostgreSQL when a concurrent
// change moved it, answering "not found" for an object that exists.
func (db *DB) lockRow(ctx context.Context, tx conn, table, resource string, id int64) error {
	var got int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM `+table+` WHERE id = $1`+db.engine.LockRow, id).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return flowtrack.NotFound(resource)
	}
	return err
}

func (db *DB) loggedOnce(ctx context.Context, actor *flowtrack.User, change func(tx conn) (*flowtrack.LogEntry, error)) error {
	return db.inTx(ctx, func(tx conn) error {
		e, err := change(tx)
		if err != nil {
			return err
		}
		changes, err := json.Marshal(e.Changes)
		if err != nil {
			return err
		}
		if e.Changes == nil {
			changes = []byte("[]")
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO admin_log (at, actor_id, actor, action, kind, object_id, object, changes)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			micros(flowtrack.Now()), actor.ID, actor.Username, e.Action, e.Kind, e.ObjectID, e.Object, string(changes))
		return err
	})
}

// scopeIn returns the scope of owner inside the transaction tx.
func (db *DB) scopeIn(tx conn, owner int64) *scope {
	return &scope{db: db, owner: owner, tx: &tx}
}

// ref names a referenced object in the action log.
func ref(name string, id int64) string { return fmt.Sprintf("%s (#%d)", name, id) }

// username returns the name of a user referenced by input, or a
// validation error of field. The user's row is kept until commit, so the
// user cannot be deleted under the reference.
func (db *DB) username(ctx context.Context, q queryer, field string, id int64) (string, error) {
	var name string
	err := q.QueryRowContext(ctx, `SELECT username FROM users WHERE id = $1`+db.engine.LockShare, id).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", flowtrack.Invalid(field, flowtrack.MsgInvalidPK(strconv.FormatInt(id, 10)))
	}
	return name, err
}

func projectFields(p *flowtrack.AdminProject) []string {
	return []string{"owner", ref(p.Owner, p.OwnerID), "name", p.Name, "description", p.Description}
}

func workflowFields(w *flowtrack.AdminWorkflow) []string {
	return []string{"owner", ref(w.Owner, w.OwnerID), "project", ref(w.Project, w.ProjectID),
		"name", w.Name, "status", w.Status}
}

func taskFields(t *flowtrack.AdminTask) []string {
	due := ""
	if t.DueDate != nil {
		due = string(*t.DueDate)
	}
	return []string{"owner", ref(t.Owner, t.OwnerID), "project", ref(t.Project, t.ProjectID),
		"workflow", ref(t.Workflow, t.WorkflowID), "title", t.Title, "description", t.Description,
		"status", t.Status, "priority", t.Priority, "due_date", due}
}

func userFields(u *flowtrack.User) []string {
	return []string{"username", u.Username, "email", u.Email, "is_active", strconv.FormatBool(u.IsActive),
		"is_staff", strconv.FormatBool(u.IsStaff), "is_superuser", strconv.FormatBool(u.IsSuperuser)}
}

// AdminProjectSave creates a project for owner (id 0) or changes one.
func (db *DB) AdminProjectSave(ctx context.Context, actor *flowtrack.User, id, owner int64, in flowtrack.ProjectInput) (*flowtrack.Project, error) {
	var out *flowtrack.Project
	err := db.logged(ctx, actor, func(tx conn) (*flowtrack.LogEntry, error) {
		e := &flowtrack.LogEntry{Action: flowtrack.ActionChange, Kind: flowtrack.KindProject, ObjectID: id}
		var before []string
		var along []flowtrack.FieldChange // what a new owner takes along
		if id == 0 {
			if _, err := db.username(ctx, tx, "owner", owner); err != nil {
				return nil, err
			}
			p, err := db.scopeIn(tx, owner).ProjectCreate(ctx, in)
			if err != nil {
				return nil, err
			}
			e.Action, e.ObjectID = flowtrack.ActionCreate, p.ID
		} else {
			if err := db.lockRow(ctx, tx, "projects", "Project", id); err != nil {
				return nil, err
			}
			cur, err := db.adminProject(ctx, tx, id)
			if err != nil {
				return nil, err
			}
			before = projectFields(cur)
			if owner != 0 && owner != cur.OwnerID {
				im, err := db.impact(ctx, tx, flowtrack.KindProject, id, 0)
				if err != nil {
					return nil, err
				}
				along = impactChanges(im)
				if _, err := db.username(ctx, tx, "owner", owner); err != nil {
					return nil, err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE projects SET owner_id = $1 WHERE id = $2`, owner, id); err != nil {
					return nil, err
				}
				cur.OwnerID = owner
			}
			if _, err := db.scopeIn(tx, cur.OwnerID).ProjectUpdate(ctx, id, in, nil); err != nil {
				return nil, err
			}
		}
		after, err := db.adminProject(ctx, tx, e.ObjectID)
		if err != nil {
			return nil, err
		}
		out, e.Object, e.Changes = &after.Project, after.Name, append(flowtrack.Changes(before, projectFields(after)), along...)
		return e, nil
	})
	return out, err
}

// AdminWorkflowSave creates or changes a workflow in any user's project.
func (db *DB) AdminWorkflowSave(ctx context.Context, actor *flowtrack.User, id int64, in flowtrack.WorkflowInput) (*flowtrack.Workflow, error) {
	var out *flowtrack.Workflow
	err := db.logged(ctx, actor, func(tx conn) (*flowtrack.LogEntry, error) {
		e := &flowtrack.LogEntry{Action: flowtrack.ActionChange, Kind: flowtrack.KindWorkflow, ObjectID: id}
		var before []string
		var along []flowtrack.FieldChange // what a new owner takes along
		var owner int64
		if in.ProjectID.Set {
			// The project is kept from changing owner until commit.
			err := tx.QueryRowContext(ctx, `SELECT owner_id FROM projects WHERE id = $1`+db.engine.LockShare,
				in.ProjectID.Value).Scan(&owner)
			if errors.Is(err, sql.ErrNoRows) {
				return nil, flowtrack.Invalid("project", flowtrack.MsgInvalidPK(strconv.FormatInt(in.ProjectID.Value, 10)))
			} else if err != nil {
				return nil, err
			}
		}
		if id == 0 {
			w, err := db.scopeIn(tx, owner).WorkflowCreate(ctx, in)
			if err != nil {
				return nil, err
			}
			e.Action, e.ObjectID = flowtrack.ActionCreate, w.ID
		} else {
			if err := db.lockRow(ctx, tx, "workflows", "Workflow", id); err != nil {
				return nil, err
			}
			cur, err := db.adminWorkflow(ctx, tx, id)
			if err != nil {
				return nil, err
			}
			before = workflowFields(cur)
			if in.ProjectID.Set && in.ProjectID.Value != cur.ProjectID {
				if owner != cur.OwnerID {
					im, err := db.impact(ctx, tx, flowtrack.KindWorkflow, id, 0)
					if err != nil {
						return nil, err
					}
					along = impactChanges(im)
				}
				// Its tasks follow through ON UPDATE CASCADE.
				if _, err := tx.ExecContext(ctx, `UPDATE workflows SET project_id = $1, owner_id = $2 WHERE id = $3`,
					in.ProjectID.Value, owner, id); err != nil {
					return nil, err
				}
				cur.OwnerID = owner
			}
			if _, err := db.scopeIn(tx, cur.OwnerID).WorkflowUpdate(ctx, id, in, nil); err != nil {
				return nil, err
			}
		}
		after, err := db.adminWorkflow(ctx, tx, e.ObjectID)
		if err != nil {
			return nil, err
		}
		out, e.Object, e.Changes = &after.Workflow, after.Name, append(flowtrack.Changes(before, workflowFields(after)), along...)
		return e, nil
	})
	return out, err
}

// AdminTaskSave creates or changes a task in any user's workflow.
func (db *DB) AdminTaskSave(ctx context.Context, actor *flowtrack.User, id int64, in flowtrack.TaskInput) (*flowtrack.Task, error) {
	var out *flowtrack.Task
	err := db.logged(ctx, actor, func(tx conn) (*flowtrack.LogEntry, error) {
		e := &flowtrack.LogEntry{Action: flowtrack.ActionChange, Kind: flowtrack.KindTask, ObjectID: id}
		var before []string
		var owner, project int64
		if in.WorkflowID.Set {
			// The workflow is kept from moving until commit.
			err := tx.QueryRowContext(ctx, `SELECT owner_id, project_id FROM workflows WHERE id = $1`+db.engine.LockShare,
				in.WorkflowID.Value).Scan(&owner, &project)
			if errors.Is(err, sql.ErrNoRows) {
				return nil, flowtrack.Invalid("workflow", flowtrack.MsgInvalidPK(strconv.FormatInt(in.WorkflowID.Value, 10)))
			} else if err != nil {
				return nil, err
			}
		}
		if id == 0 {
			t, err := db.scopeIn(tx, owner).TaskCreate(ctx, in)
			if err != nil {
				return nil, err
			}
			e.Action, e.ObjectID = flowtrack.ActionCreate, t.ID
		} else {
			if err := db.lockRow(ctx, tx, "tasks", "Task", id); err != nil {
				return nil, err
			}
			cur, err := db.adminTask(ctx, tx, id)
			if err != nil {
				return nil, err
			}
			before = taskFields(cur)
			if in.WorkflowID.Set && in.WorkflowID.Value != cur.WorkflowID {
				if _, err := tx.ExecContext(ctx, `UPDATE tasks SET owner_id = $1, project_id = $2, workflow_id = $3 WHERE id = $4`,
					owner, project, in.WorkflowID.Value, id); err != nil {
					return nil, err
				}
				cur.OwnerID = owner
			}
			if _, err := db.scopeIn(tx, cur.OwnerID).TaskUpdate(ctx, id, in, nil); err != nil {
				return nil, err
			}
		}
		after, err := db.adminTask(ctx, tx, e.ObjectID)
		if err != nil {
			return nil, err
		}
		out, e.Object, e.Changes = &after.Task, after.Title, flowtrack.Changes(before, taskFields(after))
		return e, nil
	})
	return out, err
}

// AdminUserCreate adds a user.
func (db *DB) AdminUserCreate(ctx context.Context, actor, u *flowtrack.User) error {
	return db.logged(ctx, actor, func(tx conn) (*flowtrack.LogEntry, error) {
		if err := db.createUser(ctx, tx, u); err != nil {
			return nil, err
		}
		return &flowtrack.LogEntry{Action: flowtrack.ActionCreate, Kind: flowtrack.KindUser, ObjectID: u.ID,
			Object: u.Username, Changes: flowtrack.Changes(nil, userFields(u))}, nil
	})
}

// managedUser locks and returns a user whom actor may manage, decided on
// the stored row so that a concurrent promotion is not missed.
func (db *DB) managedUser(ctx context.Context, tx conn, actor *flowtrack.User, id int64) (*flowtrack.User, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`+db.engine.LockRow, id))
	if err != nil {
		return nil, err
	}
	if !actor.MayManage(u) {
		return nil, flowtrack.ErrManageStaff
	}
	return u, nil
}

// AdminUserUpdate stores a user's email and flags.
func (db *DB) AdminUserUpdate(ctx context.Context, actor, u *flowtrack.User) error {
	return db.logged(ctx, actor, func(tx conn) (*flowtrack.LogEntry, error) {
		cur, err := db.managedUser(ctx, tx, actor, u.ID)
		if err != nil {
			return nil, err
		}
		if !actor.IsSuperuser {
			u.IsStaff, u.IsSuperuser = cur.IsStaff, cur.IsSuperuser
		}
		if err := updateUser(ctx, tx, u); err != nil {
			return nil, err
		}
		after := *cur
		after.Email, after.IsActive, after.IsStaff, after.IsSuperuser = u.Email, u.IsActive, u.IsStaff, u.IsSuperuser
		return &flowtrack.LogEntry{Action: flowtrack.ActionChange, Kind: flowtrack.KindUser, ObjectID: u.ID,
			Object: cur.Username, Changes: flowtrack.Changes(userFields(cur), userFields(&after))}, nil
	})
}

// AdminUserSetPassword replaces a password hash and ends the user's
// refresh tokens and panel sessions.
func (db *DB) AdminUserSetPassword(ctx context.Context, actor *flowtrack.User, id int64, hash string) error {
	return db.logged(ctx, actor, func(tx conn) (*flowtrack.LogEntry, error) {
		u, err := db.managedUser(ctx, tx, actor, id)
		if err != nil {
			return nil, err
		}
		if err := setPassword(ctx, tx, id, hash, flowtrack.Now()); err != nil {
			return nil, err
		}
		return &flowtrack.LogEntry{Action: flowtrack.ActionChange, Kind: flowtrack.KindUser, ObjectID: id, Object: u.Username,
			Changes: []flowtrack.FieldChange{{Field: "password", To: "changed"}}}, nil
	})
}

// deletable are the tables the panel deletes from, with the column that
// names their rows.
var deletable = map[string]struct{ table, name, resource string }{
	flowtrack.KindUser:     {"users", "username", "User"},
	flowtrack.KindProject:  {"projects", "name", "Project"},
	flowtrack.KindWorkflow: {"workflows", "name", "Workflow"},
	flowtrack.KindTask:     {"tasks", "title", "Task"},
}

// AdminDelete deletes an object and, through ON DELETE CASCADE, what it holds.
func (db *DB) AdminDelete(ctx context.Context, actor *flowtrack.User, kind string, id int64) error {
	d, ok := deletable[kind]
	if !ok {
		return fmt.Errorf("admin delete: unknown kind %q", kind)
	}
	return db.logged(ctx, actor, func(tx conn) (*flowtrack.LogEntry, error) {
		if err := db.lockRow(ctx, tx, d.table, d.resource, id); err != nil {
			return nil, err
		}
		if kind == flowtrack.KindUser {
			if _, err := db.managedUser(ctx, tx, actor, id); err != nil {
				return nil, err
			}
		}
		im, err := db.impact(ctx, tx, kind, id, 0)
		if err != nil {
			return nil, err
		}
		var name string
		err = tx.QueryRowContext(ctx, `DELETE FROM `+d.table+` WHERE id = $1 RETURNING `+d.name, id).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, flowtrack.NotFound(d.resource)
		} else if err != nil {
			return nil, err
		}
		return &flowtrack.LogEntry{Action: flowtrack.ActionDelete, Kind: kind, ObjectID: id, Object: name,
			Changes: impactChanges(im)}, nil
	})
}

// AdminSessionCreate records a session and forgets expired ones.
func (db *DB) AdminSessionCreate(ctx context.Context, s *flowtrack.AdminSession) error {
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM admin_sessions WHERE expires_at <= $1`, micros(s.CreatedAt)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO admin_sessions (key_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			s.KeyHash, s.UserID, s.CSRF, micros(s.CreatedAt), micros(s.ExpiresAt))
		return err
	})
}

// AdminSessionGet returns a live session and its user.
func (db *DB) AdminSessionGet(ctx context.Context, keyHash string, now time.Time) (*flowtrack.AdminSession, *flowtrack.User, error) {
	s := &flowtrack.AdminSession{KeyHash: keyHash}
	var created, expires int64
	u, err := scanUser(extraScan{db.reader().QueryRowContext(ctx, `
		SELECT u.id, u.username, u.email, u.password_hash, u.is_active, u.is_staff, u.is_superuser, u.date_joined, u.last_login,
			s.user_id, s.csrf, s.flash, s.created_at, s.expires_at
		FROM admin_sessions s JOIN users u ON u.id = s.user_id
		WHERE s.key_hash = $1 AND s.expires_at > $2`, keyHash, micros(now)),
		[]any{&s.UserID, &s.CSRF, &s.Flash, &created, &expires}})
	if err != nil {
		if errors.Is(err, flowtrack.ErrNotFound) {
			return nil, nil, flowtrack.NotFound("Session")
		}
		return nil, nil, err
	}
	s.CreatedAt, s.ExpiresAt = fromMicros(created), fromMicros(expires)
	return s, u, nil
}

// AdminSessionFlash sets the message the session's next page shows.
func (db *DB) AdminSessionFlash(ctx context.Context, keyHash, message string) error {
	_, err := db.writer().ExecContext(ctx, `UPDATE admin_sessions SET flash = $1 WHERE key_hash = $2`, message, keyHash)
	return err
}

// AdminSessionDelete ends a session.
func (db *DB) AdminSessionDelete(ctx context.Context, keyHash string) error {
	_, err := db.writer().ExecContext(ctx, `DELETE FROM admin_sessions WHERE key_hash = $1`, keyHash)
	return err
}

// extraScan scans the columns a shared scanner knows, then extra ones
// that follow them in the row.
type extraScan struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (e extraScan) Scan(dest ...any) error { return e.row.Scan(append(dest, e.extra...)...) }

// impactChanges records in the log what went along with a delete or a
// move to another owner, whose own entries are not written.
func impactChanges(im *flowtrack.Impact) []flowtrack.FieldChange {
	var out []flowtrack.FieldChange
	for _, c := range []struct {
		name string
		n    int64
	}{{"projects", im.Projects}, {"workflows", im.Workflows}, {"tasks", im.Tasks}} {
		if c.n > 0 {
			out = append(out, flowtrack.FieldChange{Field: c.name, To: strconv.FormatInt(c.n, 10), Along: true})
		}
	}
	return out
}
