-- +goose Up
-- Sessions of the staff panel. Only a hash of the cookie's key is kept.
CREATE TABLE admin_sessions (
    key_hash   TEXT    PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf       TEXT    NOT NULL,
    flash      TEXT    NOT NULL DEFAULT '',
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL
);
CREATE INDEX admin_sessions_user ON admin_sessions (user_id);
CREATE INDEX admin_sessions_expires ON admin_sessions (expires_at);

-- Every change made in the panel. The actor's name is kept, so the entry
-- outlives the actor's account; changes is a JSON list of
-- {"field", "from", "to"}.
CREATE TABLE admin_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          BIGINT  NOT NULL,
    actor_id    BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    object_id   BIGINT  NOT NULL,
    object      TEXT    NOT NULL,
    changes     TEXT    NOT NULL DEFAULT '[]'
);
CREATE INDEX admin_log_actor ON admin_log (actor_id, id);
CREATE INDEX admin_log_object ON admin_log (kind, object_id, id);

-- +goose Down
DROP TABLE admin_log;
DROP TABLE admin_sessions;
