package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/flowtrack/flowtrack"
)

const (
	taskColumns = `SELECT t.id, t.owner_id, t.project_id, t.workflow_id, t.title, t.description, t.status, t.priority,
		t.due_date, t.completed_at, t.created_at, t.updated_at`
	taskSelect = taskColumns + ` FROM tasks t`
)

func scanTask(row interface{ Scan(...any) error }) (*flowtrack.Task, error) {
	var t flowtrack.Task
	var priority int
	var due sql.NullString
	var completed sql.NullInt64
	var created, updated int64
	err := row.Scan(&t.ID, &t.OwnerID, &t.ProjectID, &t.WorkflowID, &t.Title, &t.Description, &t.Status, &priority,
		&due, &completed, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, flowtrack.NotFound("Task")
	}
	if err != nil {
		return nil, err
	}
	if priority >= 0 && priority < len(flowtrack.TaskPriorities) {
		t.Priority = flowtrack.TaskPriorities[priority]
	}
	if due.Valid {
		d := flowtrack.Date(due.String)
		t.DueDate = &d
	}
	t.CompletedAt = nullMicros(completed)
	t.CreatedAt, t.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &t, nil
}

func (s *scope) getTask(ctx context.Context, q queryer, id int64, lock string) (*flowtrack.Task, error) {
	t, err := scanTask(q.QueryRowContext(ctx, taskSelect+` WHERE t.owner_id = $1 AND t.id = $2`+s.callerCheck()+lock, s.owner, id))
	return t, s.found(ctx, q, err)
}

// workflowProject returns the project of one of the user's workflows,
// referenced by input.
func (s *scope) workflowProject(ctx context.Context, q queryer, id int64) (int64, error) {
	var project int64
	err := q.QueryRowContext(ctx, `SELECT project_id FROM workflows WHERE owner_id = $1 AND id = $2`+s.callerCheck(), s.owner, id).Scan(&project)
	if errors.Is(err, sql.ErrNoRows) {
		err = flowtrack.Invalid("workflow", flowtrack.MsgInvalidPK(strconv.FormatInt(id, 10)))
	}
	return project, s.found(ctx, q, err)
}

// TaskList returns a page of the user's tasks and their total count.
func (s *scope) TaskList(ctx context.Context, lq flowtrack.ListQuery) ([]flowtrack.Task, int, error) {
	return list(ctx, s, taskList, lq, scanTask)
}

// TaskGet returns one of the user's tasks.
func (s *scope) TaskGet(ctx context.Context, id int64) (*flowtrack.Task, error) {
	return s.getTask(ctx, s.db.reader(), id, "")
}

// applyTask copies the set fields of in onto t and keeps completed_at in
// step with the status.
func applyTask(t *flowtrack.Task, in flowtrack.TaskInput) {
	wasDone := t.Status == flowtrack.TaskDone
	if in.Title.Set {
		t.Title = in.Title.Value
	}
	if in.Description.Set {
		t.Description = in.Description.Value
	}
	if in.Status.Set {
		t.Status = in.Status.Value
	}
	if in.Priority.Set {
		t.Priority = in.Priority.Value
	}
	if in.DueDate.Set {
		t.DueDate = in.DueDate.Value
	}
	t.UpdatedAt = flowtrack.Now()
	switch done := t.Status == flowtrack.TaskDone; {
	case done && !wasDone:
		at := t.UpdatedAt
		t.CompletedAt = &at
	case !done:
		t.CompletedAt = nil
	}
}

// taskValues returns the stored forms of a task's nullable and ranked fields.
func taskValues(t *flowtrack.Task) (priority int, due sql.NullString, completed sql.NullInt64) {
	if t.DueDate != nil {
		due = sql.NullString{String: string(*t.DueDate), Valid: true}
	}
	if t.CompletedAt != nil {
		completed = sql.NullInt64{Int64: micros(*t.CompletedAt), Valid: true}
	}
	return flowtrack.PriorityRank(t.Priority), due, completed
}

// TaskCreate adds a task to one of the user's workflows.
func (s *scope) TaskCreate(ctx context.Context, in flowtrack.TaskInput) (*flowtrack.Task, error) {
	t := &flowtrack.Task{OwnerID: s.owner, WorkflowID: in.WorkflowID.Value,
		Status: flowtrack.TaskStatuses[0], Priority: flowtrack.TaskDefaultPriority}
	applyTask(t, in)
	t.CreatedAt = t.UpdatedAt
	priority, due, completed := taskValues(t)
	// One statement: the workflow is checked to be the user's and its
	// project read by the insert itself, so the single SQLite writer is
	// held for one round trip, not a transaction's four.
	err := s.writer().QueryRowContext(ctx, `
		INSERT INTO tasks (owner_id, project_id, workflow_id, title, description, status, priority,
			due_date, completed_at, created_at, updated_at, title_fold, description_fold)
		SELECT $1, w.project_id, w.id, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11
		FROM workflows w WHERE w.owner_id = $1 AND w.id = $2`+s.callerCheck()+`
		RETURNING id, project_id`,
		s.owner, t.WorkflowID, t.Title, t.Description, t.Status, priority,
		due, completed, micros(t.CreatedAt), flowtrack.Fold(t.Title), flowtrack.Fold(t.Description)).Scan(&t.ID, &t.ProjectID)
	if errors.Is(err, sql.ErrNoRows) {
		err = flowtrack.Invalid("workflow", flowtrack.MsgInvalidPK(strconv.FormatInt(t.WorkflowID, 10)))
	}
	if err := s.found(ctx, s.db.reader(), err); err != nil {
		return nil, err
	}
	return t, nil
}

// TaskUpdate changes the set fields of a task once check accepts it.
func (s *scope) TaskUpdate(ctx context.Context, id int64, in flowtrack.TaskInput, check func(*flowtrack.Task) error) (*flowtrack.Task, error) {
	if check == nil && !in.WorkflowID.Set {
		return s.patchTask(ctx, id, in)
	}
	var t *flowtrack.Task
	err := s.inTx(ctx, func(tx conn) error {
		cur, err := s.getTask(ctx, tx, id, s.db.engine.LockRow)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(cur); err != nil {
				return err
			}
		}
		if in.WorkflowID.Set && in.WorkflowID.Value != cur.WorkflowID {
			project, err := s.workflowProject(ctx, tx, in.WorkflowID.Value)
			if err != nil {
				return err
			}
			cur.WorkflowID, cur.ProjectID = in.WorkflowID.Value, project
		}
		applyTask(cur, in)
		priority, due, completed := taskValues(cur)
		if _, err := tx.ExecContext(ctx, `
			UPDATE tasks SET project_id = $1, workflow_id = $2, title = $3, description = $4, status = $5,
				priority = $6, due_date = $7, completed_at = $8, updated_at = $9, title_fold = $10, description_fold = $11
			WHERE owner_id = $12 AND id = $13`,
			cur.ProjectID, cur.WorkflowID, cur.Title, cur.Description, cur.Status,
			priority, due, completed, micros(cur.UpdatedAt), flowtrack.Fold(cur.Title), flowtrack.Fold(cur.Description),
			s.owner, id); err != nil {
			return err
		}
		t = cur
		return nil
	})
	return t, err
}

// patchTask changes the set fields of a task in one statement, for a
// change that needs no look at the task first: the single SQLite writer
// is held for one round trip. The statement does what applyTask does:
// every right-hand side reads the row as it was.
func (s *scope) patchTask(ctx context.Context, id int64, in flowtrack.TaskInput) (*flowtrack.Task, error) {
	var due sql.NullString
	if in.DueDate.Set && in.DueDate.Value != nil {
		due = sql.NullString{String: string(*in.DueDate.Value), Valid: true}
	}
	status := `CASE WHEN $9 THEN $10 ELSE status END`
	t, err := scanTask(s.writer().QueryRowContext(ctx, `
		UPDATE tasks SET
			title = CASE WHEN $3 THEN $4 ELSE title END,
			title_fold = CASE WHEN $3 THEN $5 ELSE title_fold END,
			description = CASE WHEN $6 THEN $7 ELSE description END,
			description_fold = CASE WHEN $6 THEN $8 ELSE description_fold END,
			status = `+status+`,
			priority = CASE WHEN $11 THEN $12 ELSE priority END,
			due_date = CASE WHEN $13 THEN $14 ELSE due_date END,
			completed_at = CASE WHEN `+status+` = '`+flowtrack.TaskDone+`'
				THEN COALESCE(CASE WHEN status = '`+flowtrack.TaskDone+`' THEN completed_at END, $15) END,
			updated_at = $15
		WHERE owner_id = $1 AND id = $2`+s.callerCheck()+`
		RETURNING id, owner_id, project_id, workflow_id, title, description, status, priority,
			due_date, completed_at, created_at, updated_at`,
		s.owner, id,
		in.Title.Set, in.Title.Value, flowtrack.Fold(in.Title.Value),
		in.Description.Set, in.Description.Value, flowtrack.Fold(in.Description.Value),
		in.Status.Set, in.Status.Value,
		in.Priority.Set, flowtrack.PriorityRank(in.Priority.Value),
		in.DueDate.Set, due,
		micros(flowtrack.Now())))
	return t, s.found(ctx, s.db.reader(), err)
}

// TaskDelete deletes a task.
func (s *scope) TaskDelete(ctx context.Context, id int64, check func(*flowtrack.Task) error) error {
	return s.inTx(ctx, func(tx conn) error {
		if check != nil {
			cur, err := s.getTask(ctx, tx, id, s.db.engine.LockRow)
			if err != nil {
				return err
			}
			if err := check(cur); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM tasks WHERE owner_id = $1 AND id = $2`+s.callerCheck(), s.owner, id)
		if err != nil {
			return err
		}
		return s.found(ctx, tx, affectedOne(res, "Task"))
	})
}
