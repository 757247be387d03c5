package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/flowtrack/flowtrack"
)

// workflowTaskCount is the number of tasks of workflow w: the count its
// row keeps, plus the changes not yet folded into it (see the migration
// task_counts).
const workflowTaskCount = `(w.task_count + COALESCE((SELECT CAST(sum(d.n) AS BIGINT) FROM task_count_deltas d
	WHERE d.workflow_id = w.id), 0))`

// keptTaskCount is the number of tasks of the workflows w that where
// selects: their rows' counts plus their unfolded changes. The changes
// are summed in one lookup of the workflows' keys, not one per workflow
// (which made a count of 40 workflows half as fast as counting 100 tasks).
func keptTaskCount(where string) string {
	return `((SELECT CAST(COALESCE(sum(w.task_count), 0) AS BIGINT) FROM workflows w` + where + `) + ` + unfoldedChanges(where) + `)`
}

// unfoldedChanges is the sum of the task count changes not yet folded
// into the rows of the workflows w that where selects.
func unfoldedChanges(where string) string {
	return `(SELECT CAST(COALESCE(sum(d.n), 0) AS BIGINT) FROM task_count_deltas d
		WHERE d.workflow_id IN (SELECT w.id FROM workflows w` + where + `))`
}

const (
	workflowColumns = `SELECT w.id, w.owner_id, w.project_id, w.name, w.status, w.created_at, w.updated_at, ` + workflowTaskCount
	workflowSelect  = workflowColumns + ` FROM workflows w`
)

func scanWorkflow(row interface{ Scan(...any) error }) (*flowtrack.Workflow, error) {
	var w flowtrack.Workflow
	var created, updated int64
	err := row.Scan(&w.ID, &w.OwnerID, &w.ProjectID, &w.Name, &w.Status, &created, &updated, &w.TaskCount)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, flowtrack.NotFound("Workflow")
	}
	if err != nil {
		return nil, err
	}
	w.CreatedAt, w.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &w, nil
}

func (s *scope) getWorkflow(ctx context.Context, q queryer, id int64, lock string) (*flowtrack.Workflow, error) {
	if lock != "" {
		// As getProject: its task count must be read after the wait.
		if err := s.lockOwnRow(ctx, q, "workflows", "Workflow", id, lock); err != nil {
			return nil, err
		}
	}
	w, err := scanWorkflow(q.QueryRowContext(ctx, workflowSelect+` WHERE w.owner_id = $1 AND w.id = $2`+s.callerCheck(), s.owner, id))
	return w, s.found(ctx, q, err)
}

// ownProject checks that a project referenced by input is the user's.
func (s *scope) ownProject(ctx context.Context, q queryer, id int64) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM projects WHERE owner_id = $1 AND id = $2`+s.callerCheck(), s.owner, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		err = flowtrack.Invalid("project", flowtrack.MsgInvalidPK(strconv.FormatInt(id, 10)))
	}
	return s.found(ctx, q, err)
}

// WorkflowList returns a page of the user's workflows and their total count.
func (s *scope) WorkflowList(ctx context.Context, lq flowtrack.ListQuery) ([]flowtrack.Workflow, int, error) {
	return list(ctx, s, workflowList, lq, scanWorkflow)
}

// WorkflowGet returns one of the user's workflows.
func (s *scope) WorkflowGet(ctx context.Context, id int64) (*flowtrack.Workflow, error) {
	return s.getWorkflow(ctx, s.db.reader(), id, "")
}

// WorkflowCreate adds a workflow to one of the user's projects.
func (s *scope) WorkflowCreate(ctx context.Context, in flowtrack.WorkflowInput) (*flowtrack.Workflow, error) {
	now := flowtrack.Now()
	w := &flowtrack.Workflow{OwnerID: s.owner, ProjectID: in.ProjectID.Value, Name: in.Name.Value,
		Status: flowtrack.WorkflowStatuses[0], CreatedAt: now, UpdatedAt: now}
	if in.Status.Set {
		w.Status = in.Status.Value
	}
	err := s.inTx(ctx, func(tx conn) error {
		if err := s.ownProject(ctx, tx, w.ProjectID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `
			INSERT INTO workflows (owner_id, project_id, name, status, created_at, updated_at, name_fold)
			VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id`,
			s.owner, w.ProjectID, w.Name, w.Status, micros(now), flowtrack.Fold(w.Name)).Scan(&w.ID)
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// WorkflowUpdate changes the set fields of a workflow once check accepts
// it; moving it to another project carries its tasks along.
func (s *scope) WorkflowUpdate(ctx context.Context, id int64, in flowtrack.WorkflowInput, check func(*flowtrack.Workflow) error) (*flowtrack.Workflow, error) {
	var w *flowtrack.Workflow
	err := s.inTx(ctx, func(tx conn) error {
		cur, err := s.getWorkflow(ctx, tx, id, s.db.engine.LockRow)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(cur); err != nil {
				return err
			}
		}
		if in.ProjectID.Set && in.ProjectID.Value != cur.ProjectID {
			if err := s.ownProject(ctx, tx, in.ProjectID.Value); err != nil {
				return err
			}
			cur.ProjectID = in.ProjectID.Value
		}
		if in.Name.Set {
			cur.Name = in.Name.Value
		}
		if in.Status.Set {
			cur.Status = in.Status.Value
		}
		cur.UpdatedAt = flowtrack.Now()
		if _, err := tx.ExecContext(ctx, `
			UPDATE workflows SET project_id = $1, name = $2, status = $3, updated_at = $4, name_fold = $5
			WHERE owner_id = $6 AND id = $7`,
			cur.ProjectID, cur.Name, cur.Status, micros(cur.UpdatedAt), flowtrack.Fold(cur.Name), s.owner, id); err != nil {
			return err
		}
		w = cur
		return nil
	})
	return w, err
}

// WorkflowDelete deletes a workflow with its tasks.
func (s *scope) WorkflowDelete(ctx context.Context, id int64, check func(*flowtrack.Workflow) error) error {
	return s.inTx(ctx, func(tx conn) error {
		if check != nil {
			cur, err := s.getWorkflow(ctx, tx, id, s.db.engine.LockRow)
			if err != nil {
				return err
			}
			if err := check(cur); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM workflows WHERE owner_id = $1 AND id = $2`+s.callerCheck(), s.owner, id)
		if err != nil {
			return err
		}
		return s.found(ctx, tx, affectedOne(res, "Workflow"))
	})
}
