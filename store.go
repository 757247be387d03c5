package flowtrack

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Store is a FlowTrack database. Only the authentication step and the
// admin panel hold one; everything a user's request touches goes through
// the Scope that ForUser returns.
type Store interface {
	Accounts
	// ForUser returns the data of one user. Every query it runs carries
	// the owner condition; another user's object is ErrNotFound.
	ForUser(userID int64) Scope
	// ForCaller returns the data of the user making a request. Unlike
	// ForUser's, its methods also require the account to exist and be
	// active, and return ErrUserNotFound or ErrUserInactive otherwise; they
	// check it in the statement that reads or writes the data where they
	// can, so a request costs no extra statement for it.
	ForCaller(userID int64) Scope
	// Ready returns nil when the database answers and its schema is current.
	Ready(ctx context.Context) error
	Close() error
}

// Accounts holds users, refresh tokens and login throttling counters.
type Accounts interface {
	// UserCreate adds a user; a taken username is a *ValidationError.
	UserCreate(ctx context.Context, u *User) error
	// UsernameTaken tells whether a username is in use, regardless of case.
	UsernameTaken(ctx context.Context, username string) (bool, error)
	// UserGet returns a user by id, or a *NotFoundError.
	UserGet(ctx context.Context, id int64) (*User, error)
	// UserByUsername returns the user with exactly that username, or a *NotFoundError.
	UserByUsername(ctx context.Context, username string) (*User, error)
	// UserUpdate stores a user's email and flags, or returns a *NotFoundError.
	UserUpdate(ctx context.Context, u *User) error
	// UserSetLastLogin records a successful login.
	UserSetLastLogin(ctx context.Context, id int64, at time.Time) error
	// UserSetPassword replaces a password hash and revokes every refresh
	// token of the user, in one transaction.
	UserSetPassword(ctx context.Context, id int64, hash string, at time.Time) error
	// UserDelete deletes a user and everything the user owns.
	UserDelete(ctx context.Context, id int64) error

	// RefreshTokenAdd records a newly issued refresh token as outstanding.
	RefreshTokenAdd(ctx context.Context, t RefreshToken) error
	// RefreshTokenRotate marks an outstanding token as replaced by next and
	// records next, atomically. A token that was already replaced means the
	// token was stolen: the whole family is revoked and ErrTokenReused
	// returned. A revoked token is ErrTokenRevoked, an unknown one
	// ErrTokenUnknown.
	RefreshTokenRotate(ctx context.Context, jti string, next RefreshToken, at time.Time) error
	// RefreshTokenRevoke blacklists one token (logout); a revoked or
	// replaced one is ErrTokenRevoked, an unknown one ErrTokenUnknown.
	RefreshTokenRevoke(ctx context.Context, jti string, at time.Time) error
	// RefreshTokenState returns ErrTokenRevoked if a token was revoked or
	// replaced, ErrTokenUnknown if it was never recorded, else nil.
	RefreshTokenState(ctx context.Context, jti string) error

	// LoginFailures counts the failures recorded for a key since a time and
	// returns the oldest of them.
	LoginFailures(ctx context.Context, key string, since time.Time) (count int, oldest time.Time, err error)
	// LoginFailureAdd records a failed login under each key and forgets
	// failures older than before.
	LoginFailureAdd(ctx context.Context, keys []string, at, before time.Time) error
}

// RefreshToken is the server's record of an issued refresh token.
type RefreshToken struct {
	JTI       string
	UserID    int64
	Family    string // the jti of the login the token descends from
	ExpiresAt time.Time
	CreatedAt time.Time
}

// Errors of the refresh-token methods.
var (
	ErrTokenRevoked = errors.New("token is blacklisted")
	ErrTokenReused  = errors.New("refresh token reused")
	ErrTokenUnknown = errors.New("token is unknown")
)

// Scope is the data of one user: the only data access the API has.
// Every method returns a *NotFoundError for an object that is missing or
// belongs to another user, and a *ValidationError for a reference (project,
// workflow) that is.
type Scope interface {
	// Verify returns nil once the account is known to be usable: at once
	// for ForUser's scopes or once one of the scope's statements has shown
	// it; otherwise it reads the user, as ForCaller's methods do.
	Verify(ctx context.Context) error

	ProjectList(ctx context.Context, q ListQuery) ([]Project, int, error)
	ProjectGet(ctx context.Context, id int64) (*Project, error)
	ProjectCreate(ctx context.Context, in ProjectInput) (*Project, error)
	// ProjectUpdate applies in after check accepts the current project,
	// in one transaction; check may return ErrPrecondition.
	ProjectUpdate(ctx context.Context, id int64, in ProjectInput, check func(*Project) error) (*Project, error)
	// ProjectStats counts a project's workflows and its tasks by status,
	// by priority and overdue on today.
	ProjectStats(ctx context.Context, id int64, today Date) (*ProjectStats, error)
	// ProjectDelete deletes a project with its workflows and tasks.
	ProjectDelete(ctx context.Context, id int64, check func(*Project) error) error

	WorkflowList(ctx context.Context, q ListQuery) ([]Workflow, int, error)
	WorkflowGet(ctx context.Context, id int64) (*Workflow, error)
	WorkflowCreate(ctx context.Context, in WorkflowInput) (*Workflow, error)
	WorkflowUpdate(ctx context.Context, id int64, in WorkflowInput, check func(*Workflow) error) (*Workflow, error)
	WorkflowDelete(ctx context.Context, id int64, check func(*Workflow) error) error

	TaskList(ctx context.Context, q ListQuery) ([]Task, int, error)
	TaskGet(ctx context.Context, id int64) (*Task, error)
	TaskCreate(ctx context.Context, in TaskInput) (*Task, error)
	TaskUpdate(ctx context.Context, id int64, in TaskInput, check func(*Task) error) (*Task, error)
	TaskDelete(ctx context.Context, id int64, check func(*Task) error) error

	// IdempotencyBegin reserves an Idempotency-Key for a request whose
	// content hashes to hash. It returns (nil, nil) once reserved, the
	// stored response when an identical request already finished,
	// ErrIdempotencyMismatch when the key was used for another request and
	// ErrIdempotencyBusy while the first request runs. Keys older than
	// IdempotencyTTL are forgotten.
	IdempotencyBegin(ctx context.Context, key, hash string, now time.Time) (*StoredResponse, error)
	// IdempotencyFinish stores the response of a reserved key.
	IdempotencyFinish(ctx context.Context, key string, resp StoredResponse) error
	// IdempotencyRelease forgets a reserved key whose request failed, so
	// that a corrected retry can run.
	IdempotencyRelease(ctx context.Context, key string) error
}

// ProjectStats are the counts of a project; every status and priority
// has an entry, zero or not.
type ProjectStats struct {
	Workflows  int64
	Tasks      int64
	ByStatus   map[string]int64
	ByPriority map[string]int64
	Overdue    int64
}

// IdempotencyTTL is how long an Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// StoredResponse is the first response to an idempotent request.
type StoredResponse struct {
	Status   int
	Location string
	ETag     string
	Body     []byte
}

// Errors of IdempotencyBegin.
var (
	ErrIdempotencyMismatch = errors.New("idempotency key reused with a different request")
	ErrIdempotencyBusy     = errors.New("idempotency key in use by a running request")
)

// MsgInvalidPK is DRF's message for a reference to a missing object.
func MsgInvalidPK(raw string) string {
	return `Invalid pk "` + raw + `" - object does not exist.`
}

// MsgPKText is DRF's message for a reference given as text that is not a number.
const MsgPKText = "Incorrect type. Expected pk value, received str."

// ParseRef reads a reference given as text as DRF's PrimaryKeyRelatedField
// does: trimmed, "" is null, digits only, and an id that cannot exist is
// reported as missing. It checks s in time linear in its length.
func ParseRef(p *Problems, field, s string) Opt[int64] {
	text := strings.TrimSpace(s)
	if text == "" {
		p.Add(field, MsgNull)
		return Opt[int64]{}
	}
	digits := strings.TrimPrefix(strings.TrimPrefix(text, "-"), "+")
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		p.Add(field, MsgPKText)
		return Opt[int64]{}
	}
	id, err := strconv.ParseInt(text, 10, 64)
	if err != nil || id <= 0 {
		p.Add(field, MsgInvalidPK(text))
		return Opt[int64]{}
	}
	return Some(id)
}
