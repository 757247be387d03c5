package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/flowtrack/flowtrack"
)

// ForCaller returns the data of the user making a request; see
// flowtrack.Store.
func (db *DB) ForCaller(userID int64) flowtrack.Scope {
	return &scope{db: db, owner: userID, caller: true}
}

// activeCaller is the condition that the scope's user, always $1, exists
// and is active. A statement carrying it that finds its rows shows the
// account usable, so the request needs no statement of its own for it;
// only an empty answer asks the users table why.
const activeCaller = "EXISTS (SELECT 1 FROM users WHERE id = $1 AND is_active)"

// callerCheck returns " AND " and activeCaller while the account is still
// to be shown usable, and "" once it is or when the scope needs no check.
func (s *scope) callerCheck() string {
	if !s.caller || s.proven {
		return ""
	}
	return " AND " + activeCaller
}

// found settles the result of a statement that carried callerCheck and
// ran on q: a row proves the account; a not-found object or an invalid
// reference may instead be the account's doing, which reading the user on
// q tells. Inside a transaction q is its connection: asking the pool for
// another while holding one could wait forever once every connection is
// held so.
func (s *scope) found(ctx context.Context, q queryer, err error) error {
	if err == nil {
		s.proven = s.caller
		return nil
	}
	var missing *flowtrack.NotFoundError
	var invalid *flowtrack.ValidationError
	if errors.As(err, &missing) || errors.As(err, &invalid) {
		if verr := s.verifyOn(ctx, q); verr != nil {
			return verr
		}
	}
	return err
}

// Verify reads the caller's account unless a statement has shown it
// usable; see flowtrack.Scope.
func (s *scope) Verify(ctx context.Context) error { return s.verifyOn(ctx, s.db.reader()) }

// verifyOn is Verify reading on q.
func (s *scope) verifyOn(ctx context.Context, q queryer) error {
	if !s.caller || s.proven {
		return nil
	}
	var active sql.NullBool
	err := q.QueryRowContext(ctx, `SELECT is_active FROM users WHERE id = $1`, s.owner).Scan(&active)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	if err == nil {
		err = accountError(active)
	}
	s.proven = err == nil
	return err
}

// accountError turns a user's is_active, NULL for no such user, into the
// caller's error.
func accountError(active sql.NullBool) error {
	switch {
	case !active.Valid:
		return flowtrack.ErrUserNotFound
	case !active.Bool:
		return flowtrack.ErrUserInactive
	}
	return nil
}
