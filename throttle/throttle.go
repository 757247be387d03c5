// Package throttle checks logins and limits failed ones per username and
// per client address, with counters kept in the database so that every
// process behind a load balancer shares them. The API and the admin panel
// share the counters too: failures on one count against the other.
package throttle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/flowtrack/flowtrack"
	"github.com/flowtrack/flowtrack/password"
)

// Policy is how many failures within Window stop further attempts.
type Policy struct {
	PerUser, PerAddr int
	Window           time.Duration
	// Attempts runs one attempt at a time per key; a process's API and
	// panel share one (api.NewServer and admin.New make their own when it
	// is nil). Nil here runs attempts at once, which lets attempts sent
	// together all pass the counters before any failure is recorded.
	Attempts *Attempts
}

// Store keeps the failure counters.
type Store interface {
	LoginFailures(ctx context.Context, key string, since time.Time) (count int, oldest time.Time, err error)
	LoginFailureAdd(ctx context.Context, keys []string, at, before time.Time) error
}

// Accounts are the counters and the users a login is checked against.
type Accounts interface {
	Store
	UserByUsername(ctx context.Context, username string) (*flowtrack.User, error)
}

// Keys are the counters a login attempt by username from r counts against:
// the username first, then the client address.
func Keys(username string, r *http.Request) []string {
	user := flowtrack.UsernameKey(username)
	if len(user) > maxKeyBytes {
		// No such user can exist; a digest keeps the stored key small.
		sum := sha256.Sum256([]byte(user))
		user = "#" + hex.EncodeToString(sum[:])
	}
	return []string{"user:" + user, "addr:" + ClientAddr(r)}
}

// maxKeyBytes is the longest username kept as it is in a counter's key:
// 150 characters of up to 4 bytes, Django's longest username.
const maxKeyBytes = 600

// ClientAddr is the address a request came from. Forwarding headers are
// not trusted: any client could set them to dodge throttling.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Wait returns the seconds until the oldest failure of a key that reached
// its limit leaves the window, or 0 when an attempt may be made now.
func (p Policy) Wait(ctx context.Context, st Store, keys []string, now time.Time) (int, error) {
	wait := 0
	for i, key := range keys {
		limit := p.PerUser
		if i > 0 {
			limit = p.PerAddr
		}
		count, oldest, err := st.LoginFailures(ctx, key, now.Add(-p.Window))
		if err != nil {
			return 0, err
		}
		if count >= limit {
			left := int(math.Ceil(oldest.Add(p.Window).Sub(now).Seconds()))
			wait = max(wait, left, 1)
		}
	}
	return wait, nil
}

// Login checks a username and password from r. It returns the active user
// they belong to; or nil and the seconds to wait while a counter is at its
// limit; or nil and 0 for wrong credentials, which count as a failure.
func (p Policy) Login(ctx context.Context, st Accounts, hasher *password.Hasher, r *http.Request, username, pw string) (*flowtrack.User, int, error) {
	keys := Keys(username, r)
	if p.Attempts != nil {
		defer p.Attempts.take(keys)()
	}
	if wait, err := p.Wait(ctx, st, keys, time.Now()); err != nil || wait > 0 {
		return nil, wait, err
	}
	user, err := st.UserByUsername(ctx, username)
	hash := ""
	if err == nil {
		hash = user.PasswordHash
	} else if !errors.Is(err, flowtrack.ErrNotFound) {
		return nil, 0, err
	}
	// An unknown user costs one hash too, so timing does not tell who exists.
	err = hasher.Check(ctx, hash, pw)
	if err != nil && !errors.Is(err, password.ErrMismatch) {
		return nil, 0, err
	}
	if err != nil || user == nil || !user.IsActive {
		now := time.Now()
		return nil, 0, st.LoginFailureAdd(ctx, keys, now, now.Add(-p.Window))
	}
	return user, 0, nil
}

// Attempts are the login attempts in progress in one process, by key. An
// attempt holds its keys from the check of the counters to the record of
// its failure, so attempts sent at once are checked one after the other
// and none gets past a limit. Across processes the counters are shared
// but each may run an attempt at once: n processes let at most n-1
// attempts past a limit.
type Attempts struct {
	mu    sync.Mutex
	turns map[string]*turn
}

// turn is one key's lock and how many attempts hold or wait for it.
type turn struct {
	sync.Mutex
	users int
}

// NewAttempts returns an empty set of attempts.
func NewAttempts() *Attempts { return &Attempts{turns: map[string]*turn{}} }

// take waits for the turn of each key, in order (so two attempts never
// wait for each other), and returns the function that gives them back.
func (a *Attempts) take(keys []string) func() {
	held := make([]*turn, len(keys))
	for i, k := range keys {
		a.mu.Lock()
		t := a.turns[k]
		if t == nil {
			t = &turn{}
			a.turns[k] = t
		}
		t.users++
		a.mu.Unlock()
		t.Lock()
		held[i] = t
	}
	return func() {
		for i := len(keys) - 1; i >= 0; i-- {
			held[i].Unlock()
			a.mu.Lock()
			if held[i].users--; held[i].users == 0 {
				delete(a.turns, keys[i])
			}
			a.mu.Unlock()
		}
	}
}
