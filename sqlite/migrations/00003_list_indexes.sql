-- +goose Up
-- Case-folded copies of the searched text, written by the application
-- (Unicode case folding, identical on both engines); search matches them
-- with LIKE. Migration 4 fills them for existing rows.
ALTER TABLE projects ADD COLUMN name_fold TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN description_fold TEXT NOT NULL DEFAULT '';
ALTER TABLE workflows ADD COLUMN name_fold TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN title_fold TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN description_fold TEXT NOT NULL DEFAULT '';

-- One index per ordering, each led by the owner, so every list is a range
-- scan of one user's rows in the order asked for, and a cursor page a seek.
CREATE INDEX projects_owner_updated ON projects (owner_id, updated_at, id);
CREATE INDEX projects_owner_name ON projects (owner_id, name, id);
CREATE INDEX workflows_owner_updated ON workflows (owner_id, updated_at, id);
CREATE INDEX workflows_owner_name ON workflows (owner_id, name, id);
CREATE INDEX workflows_owner_status ON workflows (owner_id, status, id);
CREATE INDEX tasks_owner_updated ON tasks (owner_id, updated_at, id);
CREATE INDEX tasks_owner_title ON tasks (owner_id, title, id);
CREATE INDEX tasks_owner_status ON tasks (owner_id, status, id);
CREATE INDEX tasks_owner_priority ON tasks (owner_id, priority, id);
-- Tasks without a due date sort after every date, on both engines.
CREATE INDEX tasks_owner_due ON tasks (owner_id, COALESCE(due_date, '9999-12-31'), id);
CREATE INDEX tasks_owner_workflow_created ON tasks (owner_id, workflow_id, created_at, id);
CREATE INDEX tasks_owner_project_created ON tasks (owner_id, project_id, created_at, id);

-- +goose Down
DROP INDEX tasks_owner_project_created;
DROP INDEX tasks_owner_workflow_created;
DROP INDEX tasks_owner_due;
DROP INDEX tasks_owner_priority;
DROP INDEX tasks_owner_status;
DROP INDEX tasks_owner_title;
DROP INDEX tasks_owner_updated;
DROP INDEX workflows_owner_status;
DROP INDEX workflows_owner_name;
DROP INDEX workflows_owner_updated;
DROP INDEX projects_owner_name;
DROP INDEX projects_owner_updated;
ALTER TABLE tasks DROP COLUMN description_fold;
ALTER TABLE tasks DROP COLUMN title_fold;
ALTER TABLE workflows DROP COLUMN name_fold;
ALTER TABLE projects DROP COLUMN description_fold;
ALTER TABLE projects DROP COLUMN name_fold;
