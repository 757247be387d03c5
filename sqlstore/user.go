package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/flowtrack/flowtrack"
)

const userColumns = `id, username, email, password_hash, is_active, is_staff, is_superuser, date_joined, last_login`

func scanUser(row interface{ Scan(...any) error }) (*flowtrack.User, error) {
	var u flowtrack.User
	var joined int64
	var last sql.NullInt64
	err := row.Scan(&u.ID, &u.Username, &u.Email, &u.PasswordHash, &u.IsActive, &u.IsStaff, &u.IsSuperuser, &joined, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, flowtrack.NotFound("User")
	}
	if err != nil {
		return nil, err
	}
	u.DateJoined = fromMicros(joined)
	u.LastLogin = nullMicros(last)
	return &u, nil
}

// UserCreate adds a user; a taken username is a *ValidationError.
func (db *DB) UserCreate(ctx context.Context, u *flowtrack.User) error {
	return db.createUser(ctx, db.writer(), u)
}

func (db *DB) createUser(ctx context.Context, q queryer, u *flowtrack.User) error {
	err := q.QueryRowContext(ctx, `
		INSERT INTO users (username, username_key, email, password_hash, is_active, is_staff, is_superuser, date_joined)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		u.Username, flowtrack.UsernameKey(u.Username), u.Email, u.PasswordHash,
		u.IsActive, u.IsStaff, u.IsSuperuser, micros(u.DateJoined)).Scan(&u.ID)
	if err != nil && db.engine.IsUniqueViolation(err) {
		return flowtrack.Invalid("username", flowtrack.MsgUsernameTaken)
	}
	return err
}

// UsernameTaken tells whether a username is in use, regardless of case.
func (db *DB) UsernameTaken(ctx context.Context, username string) (bool, error) {
	var n int
	err := db.reader().QueryRowContext(ctx,
		`SELECT count(*) FROM users WHERE username_key = $1`, flowtrack.UsernameKey(username)).Scan(&n)
	return n > 0, err
}

// UserGet returns a user by id.
func (db *DB) UserGet(ctx context.Context, id int64) (*flowtrack.User, error) {
	return scanUser(db.reader().QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
}

// UserByUsername returns the user with exactly that username.
func (db *DB) UserByUsername(ctx context.Context, username string) (*flowtrack.User, error) {
	u, err := scanUser(db.reader().QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE username_key = $1`, flowtrack.UsernameKey(username)))
	if err == nil && u.Username != username {
		return nil, flowtrack.NotFound("User")
	}
	return u, err
}

// UserUpdate stores a user's email and flags.
func (db *DB) UserUpdate(ctx context.Context, u *flowtrack.User) error {
	return updateUser(ctx, db.writer(), u)
}

func updateUser(ctx context.Context, q queryer, u *flowtrack.User) error {
	res, err := q.ExecContext(ctx,
		`UPDATE users SET email = $1, is_active = $2, is_staff = $3, is_superuser = $4 WHERE id = $5`,
		u.Email, u.IsActive, u.IsStaff, u.IsSuperuser, u.ID)
	if err != nil {
		return err
	}
	return affectedOne(res, "User")
}

// UserSetLastLogin records a successful login.
func (db *DB) UserSetLastLogin(ctx context.Context, id int64, at time.Time) error {
	_, err := db.writer().ExecContext(ctx, `UPDATE users SET last_login = $1 WHERE id = $2`, micros(at), id)
	return err
}

// UserSetPassword replaces a password hash and revokes the user's refresh
// tokens and panel sessions.
func (db *DB) UserSetPassword(ctx context.Context, id int64, hash string, at time.Time) error {
	return db.inTx(ctx, func(tx conn) error { return setPassword(ctx, tx, id, hash, at) })
}

func setPassword(ctx context.Context, tx conn, id int64, hash string, at time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, id)
	if err != nil {
		return err
	}
	if err := affectedOne(res, "User"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx,
		`UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, micros(at), id); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM admin_sessions WHERE user_id = $1`, id)
	return err
}

// UserDelete deletes a user and everything the user owns.
func (db *DB) UserDelete(ctx context.Context, id int64) error {
	res, err := db.writer().ExecContext(ctx, `DELETE FROM users WHERE id = $1`, id)
	if err != nil {
		return err
	}
	return affectedOne(res, "User")
}

// RefreshTokenAdd records a newly issued refresh token.
func (db *DB) RefreshTokenAdd(ctx context.Context, t flowtrack.RefreshToken) error {
	return addRefreshToken(ctx, db.writer(), t)
}

func addRefreshToken(ctx context.Context, q queryer, t flowtrack.RefreshToken) error {
	_, err := q.ExecContext(ctx, `
		INSERT INTO refresh_tokens (jti, user_id, family, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5)`,
		t.JTI, t.UserID, t.Family, micros(t.ExpiresAt), micros(t.CreatedAt))
	return err
}

// RefreshTokenRotate replaces an outstanding token by next; see flowtrack.Accounts.
func (db *DB) RefreshTokenRotate(ctx context.Context, jti string, next flowtrack.RefreshToken, at time.Time) error {
	var reused bool
	err := db.inTx(ctx, func(tx conn) error {
		var family string
		var replaced, revoked sql.NullInt64
		err := tx.QueryRowContext(ctx,
			`SELECT family, replaced_at, revoked_at FROM refresh_tokens WHERE jti = $1`+db.engine.LockRow, jti).
			Scan(&family, &replaced, &revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return flowtrack.ErrTokenUnknown
		}
		if err != nil {
			return err
		}
		if replaced.Valid {
			// A replaced token presented again was stolen: end its family.
			reused = true
			_, err := tx.ExecContext(ctx,
				`UPDATE refresh_tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL`, micros(at), family)
			return err
		}
		if revoked.Valid {
			return flowtrack.ErrTokenRevoked
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE refresh_tokens SET replaced_at = $1 WHERE jti = $2`, micros(at), jti); err != nil {
			return err
		}
		next.Family = family
		return addRefreshToken(ctx, tx, next)
	})
	if err == nil && reused {
		return flowtrack.ErrTokenReused
	}
	return err
}

// RefreshTokenRevoke blacklists one token.
func (db *DB) RefreshTokenRevoke(ctx context.Context, jti string, at time.Time) error {
	res, err := db.writer().ExecContext(ctx,
		`UPDATE refresh_tokens SET revoked_at = $1 WHERE jti = $2 AND revoked_at IS NULL AND replaced_at IS NULL`,
		micros(at), jti)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return db.RefreshTokenState(ctx, jti)
}

// RefreshTokenState tells whether a token is outstanding.
func (db *DB) RefreshTokenState(ctx context.Context, jti string) error {
	var replaced, revoked sql.NullInt64
	err := db.reader().QueryRowContext(ctx,
		`SELECT replaced_at, revoked_at FROM refresh_tokens WHERE jti = $1`, jti).Scan(&replaced, &revoked)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return flowtrack.ErrTokenUnknown
	case err != nil:
		return err
	case replaced.Valid || revoked.Valid:
		return flowtrack.ErrTokenRevoked
	}
	return nil
}

// LoginFailures counts the failures recorded for key since a time.
func (db *DB) LoginFailures(ctx context.Context, key string, since time.Time) (int, time.Time, error) {
	var count int
	var oldest sql.NullInt64
	err := db.reader().QueryRowContext(ctx,
		`SELECT count(*), min(failed_at) FROM login_failures WHERE scope = $1 AND failed_at > $2`,
		key, micros(since)).Scan(&count, &oldest)
	if err != nil {
		return 0, time.Time{}, err
	}
	return count, fromMicros(oldest.Int64), nil
}

// LoginFailureAdd records a failed login under each key.
func (db *DB) LoginFailureAdd(ctx context.Context, keys []string, at, before time.Time) error {
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE failed_at < $1`, micros(before)); err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO login_failures (scope, failed_at) VALUES ($1, $2)`, k, micros(at)); err != nil {
				return err
			}
		}
		return nil
	})
}
