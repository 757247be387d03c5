-- +goose Up
-- Times are microseconds since the Unix epoch (UTC) and dates are
-- YYYY-MM-DD text on both engines, so values, comparisons and cursors are
-- exact and identical.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL,
    username_key  TEXT    NOT NULL UNIQUE,
    email         TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    is_active     BOOLEAN NOT NULL DEFAULT TRUE,
    is_staff      BOOLEAN NOT NULL DEFAULT FALSE,
    is_superuser  BOOLEAN NOT NULL DEFAULT FALSE,
    date_joined   BIGINT  NOT NULL,
    last_login    BIGINT
);

CREATE TABLE refresh_tokens (
    jti         TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family      TEXT    NOT NULL,
    expires_at  BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL,
    replaced_at BIGINT,
    revoked_at  BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE login_failures (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    scope     TEXT    NOT NULL,
    failed_at BIGINT  NOT NULL
);
CREATE INDEX login_failures_scope ON login_failures (scope, failed_at);
CREATE INDEX login_failures_time ON login_failures (failed_at);

CREATE TABLE projects (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    UNIQUE (id, owner_id)
);
CREATE INDEX projects_owner_created ON projects (owner_id, created_at, id);

-- A workflow carries its owner's id; the composite key makes the database
-- refuse a workflow whose owner differs from its project's.
CREATE TABLE workflows (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id   INTEGER NOT NULL,
    project_id INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'active'
               CHECK (status IN ('active', 'paused', 'completed', 'archived')),
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    UNIQUE (id, project_id, owner_id),
    FOREIGN KEY (project_id, owner_id) REFERENCES projects (id, owner_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX workflows_owner_created ON workflows (owner_id, created_at, id);
CREATE INDEX workflows_project ON workflows (project_id, owner_id);

-- A task carries its workflow's project and owner; moving a workflow
-- carries its tasks along through ON UPDATE CASCADE.
CREATE TABLE tasks (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id     INTEGER NOT NULL,
    project_id   INTEGER NOT NULL,
    workflow_id  INTEGER NOT NULL,
    title        TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL DEFAULT 'todo'
                 CHECK (status IN ('todo', 'in_progress', 'blocked', 'done')),
    priority     SMALLINT NOT NULL DEFAULT 1 CHECK (priority BETWEEN 0 AND 3),
    due_date     TEXT,
    completed_at BIGINT,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    FOREIGN KEY (workflow_id, project_id, owner_id) REFERENCES workflows (id, project_id, owner_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX tasks_owner_created ON tasks (owner_id, created_at, id);
CREATE INDEX tasks_workflow ON tasks (workflow_id, project_id, owner_id);
CREATE INDEX tasks_project ON tasks (project_id, owner_id);

-- +goose Down
DROP TABLE tasks;
DROP TABLE workflows;
DROP TABLE projects;
DROP TABLE login_failures;
DROP TABLE refresh_tokens;
DROP TABLE users;
