-- +goose Up
-- The task order indexes carry each task's workflow and project, so that
-- a page of one workflow or project walked in another order checks them
-- in the index and reads only the matching rows: a project whose 200,000
-- tasks were the oldest of 1,000,000, by last update, read the other
-- 800,000 rows first (a page took 316 ms), where its index entries
-- take 74 ms.
DROP INDEX tasks_owner_updated;
DROP INDEX tasks_owner_title;
DROP INDEX tasks_owner_status;
DROP INDEX tasks_owner_priority;
DROP INDEX tasks_owner_due_key;
CREATE INDEX tasks_owner_updated_scoped ON tasks (owner_id, updated_at, id, workflow_id, project_id);
CREATE INDEX tasks_owner_title_scoped ON tasks (owner_id, title, id, workflow_id, project_id);
CREATE INDEX tasks_owner_status_scoped ON tasks (owner_id, status, id, workflow_id, project_id);
CREATE INDEX tasks_owner_priority_scoped ON tasks (owner_id, priority, id, workflow_id, project_id);
CREATE INDEX tasks_owner_due_key_scoped ON tasks (owner_id, COALESCE(due_date, '9999-12-32'), id, workflow_id, project_id);

-- +goose Down
DROP INDEX tasks_owner_due_key_scoped;
DROP INDEX tasks_owner_priority_scoped;
DROP INDEX tasks_owner_status_scoped;
DROP INDEX tasks_owner_title_scoped;
DROP INDEX tasks_owner_updated_scoped;
CREATE INDEX tasks_owner_updated ON tasks (owner_id, updated_at, id);
CREATE INDEX tasks_owner_title ON tasks (owner_id, title, id);
CREATE INDEX tasks_owner_status ON tasks (owner_id, status, id);
CREATE INDEX tasks_owner_priority ON tasks (owner_id, priority, id);
CREATE INDEX tasks_owner_due_key ON tasks (owner_id, COALESCE(due_date, '9999-12-32'), id);
