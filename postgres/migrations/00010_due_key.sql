-- +goose NO TRANSACTION
-- +goose Up
-- A task without a due date sorts as '9999-12-32', which is not a date,
-- instead of '9999-12-31', which is: the index then tells a task due on
-- the last date from one with none, and a range of due dates up to the
-- last date stops short of the tasks with none (a due_date__gte that few
-- tasks meet read every task without a due date). Built concurrently, so
-- that tasks can be written meanwhile; each statement may run again if
-- the migration stopped halfway.
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_due_key;
CREATE INDEX CONCURRENTLY tasks_owner_due_key ON tasks (owner_id, COALESCE(due_date, '9999-12-32'), id);
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_due;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_due;
CREATE INDEX CONCURRENTLY tasks_owner_due ON tasks (owner_id, COALESCE(due_date, '9999-12-31'), id);
DROP INDEX CONCURRENTLY IF EXISTS tasks_owner_due_key;
