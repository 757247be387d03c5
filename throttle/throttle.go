// Package throttle checks logins and limits failed ones per username and
// per client address, with counters kept in the database so that every
// process behind a load balancer shares them. The API and the admin panel
// share the counters too: failures on one count against the other.
package throttle

import (
	"context"
	"errors"
	"math"
	"net"
	"net/http"
	"time"

	"github.com/flowtrack/flowtrack"
	"github.com/flowtrack/flowtrack/password"
)

// Policy is how many failures within Window stop further attempts.
type Policy struct {
	PerUser, PerAddr int
	Window           time.Duration
}

// Store keeps the failure counters.
type Store interface {
	LoginFailures(ctx context.Context, key string, since time.Time) (count int, oldest time.Time, err error)
	LoginFailureAdd(ctx context.Context, keys []string, at, before time.Time) ([]int64, error)
	LoginFailureRank(ctx context.Context, key string, id int64, since time.Time) (int, error)
	LoginFailureDelete(ctx context.Context, ids []int64) error
}

// Accounts are the counters and the users a login is checked against.
type Accounts interface {
	Store
	UserByUsername(ctx context.Context, username string) (*flowtrack.User, error)
}

// Keys are the counters a login attempt by username from r counts against:
// the username first, then the client address.
func Keys(username string, r *http.Request) []string {
	return []string{"user:" + flowtrack.UsernameKey(username), "addr:" + ClientAddr(r)}
}

// ClientAddr is the address a request came from. Forwarding headers are
// not trusted: any client could set them to dodge throttling.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (p Policy) limit(i int) int {
	if i == 0 {
		return p.PerUser
	}
	return p.PerAddr
}

// Wait returns the seconds until the oldest failure of a key that reached
// its limit leaves the window, or 0 when an attempt may be made now.
func (p Policy) Wait(ctx context.Context, st Store, keys []string, now time.Time) (int, error) {
	wait := 0
	for i, key := range keys {
		count, oldest, err := st.LoginFailures(ctx, key, now.Add(-p.Window))
		if err != nil {
			return 0, err
		}
		if count >= p.limit(i) {
			left := int(math.Ceil(oldest.Add(p.Window).Sub(now).Seconds()))
			wait = max(wait, left, 1)
		}
	}
	return wait, nil
}

// Login checks a username and password from r. It returns the active user
// they belong to; or nil and the seconds to wait while a counter is at its
// limit; or nil and 0 for wrong credentials, which count as a failure.
//
// Attempts sent at once would all pass a check made before the password
// is: so every attempt is first recorded as a failure, and its place among
// the key's failures, read once its password is checked, decides whether
// it may tell the result. Only the first ones within the limits learn
// whether their password was right; a right one forgets its record.
func (p Policy) Login(ctx context.Context, st Accounts, hasher *password.Hasher, r *http.Request, username, pw string) (*flowtrack.User, int, error) {
	keys := Keys(username, r)
	now := time.Now()
	if wait, err := p.Wait(ctx, st, keys, now); err != nil || wait > 0 {
		return nil, wait, err
	}
	ids, err := st.LoginFailureAdd(ctx, keys, now, now.Add(-p.Window))
	if err != nil {
		return nil, 0, err
	}
	user, err := check(ctx, st, hasher, username, pw)
	if err != nil {
		return nil, 0, err
	}
	for i, key := range keys {
		rank, err := st.LoginFailureRank(ctx, key, ids[i], now.Add(-p.Window))
		if err != nil {
			return nil, 0, err
		}
		if rank > p.limit(i) {
			wait, err := p.Wait(ctx, st, keys, time.Now())
			return nil, max(wait, 1), errors.Join(err, st.LoginFailureDelete(ctx, ids))
		}
	}
	if user == nil {
		return nil, 0, nil
	}
	return user, 0, st.LoginFailureDelete(ctx, ids)
}

// check returns the active user a username and password belong to, or nil.
func check(ctx context.Context, st Accounts, hasher *password.Hasher, username, pw string) (*flowtrack.User, error) {
	user, err := st.UserByUsername(ctx, username)
	hash := ""
	if err == nil {
		hash = user.PasswordHash
	} else if !errors.Is(err, flowtrack.ErrNotFound) {
		return nil, err
	}
	// An unknown user costs one hash too, so timing does not tell who exists.
	err = hasher.Check(ctx, hash, pw)
	if err != nil && !errors.Is(err, password.ErrMismatch) {
		return nil, err
	}
	if err != nil || user == nil || !user.IsActive {
		return nil, nil
	}
	return user, nil
}
