-- +goose NO TRANSACTION
-- +goose Up
-- The task order indexes carry each task's workflow and project as key
-- columns, so that a page of one workflow or project walked in another
-- order checks them in the index and reads only the matching rows: a
-- project whose 200,000 tasks were the oldest of 1,000,000, by last
-- update, read the other 800,000 rows first (a page took 124 ms), where
-- its index entries take 17 ms. Built concurrently, as in migration 10; each
-- statement may run again if the migration stopped halfway.
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_updated_scoped;
CREATE INDEX CONCURRENTLY tasks_owner_updated_scoped ON tasks (owner_id, updated_at, id, workflow_id, project_id);
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_updated;
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_title_scoped;
CREATE INDEX CONCURRENTLY tasks_owner_title_scoped ON tasks (owner_id, title, id, workflow_id, project_id);
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_title;
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_status_scoped;
CREATE INDEX CONCURRENTLY tasks_owner_status_scoped ON tasks (owner_id, status, id, workflow_id, project_id);
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_status;
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_priority_scoped;
CREATE INDEX CONCURRENTLY tasks_owner_priority_scoped ON tasks (owner_id, priority, id, workflow_id, project_id);
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_priority;
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_due_key_scoped;
CREATE INDEX CONCURRENTLY tasks_owner_due_key_scoped ON tasks (owner_id, COALESCE(due_date, '9999-12-32'), id, workflow_id, project_id);
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_due_key;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_updated;
CREATE INDEX CONCURRENTLY tasks_owner_updated ON tasks (owner_id, updated_at, id);
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_updated_scoped;
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_title;
CREATE INDEX CONCURRENTLY tasks_owner_title ON tasks (owner_id, title, id);
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_title_scoped;
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_status;
CREATE INDEX CONCURRENTLY tasks_owner_status ON tasks (owner_id, status, id);
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_status_scoped;
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_priority;
CREATE INDEX CONCURRENTLY tasks_owner_priority ON tasks (owner_id, priority, id);
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_priority_scoped;
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_due_key;
CREATE INDEX CONCURRENTLY tasks_owner_due_key ON tasks (owner_id, COALESCE(due_date, '9999-12-32'), id);
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_due_key_scoped;
