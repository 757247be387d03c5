// Package throttle limits failed logins per username and per client
// address, with counters kept in the database so that every process
// behind a load balancer shares them. The API and the admin panel share
// the counters too: failures on one count against the other.
package throttle

import (
	"context"
	"math"
	"net"
	"net/http"
	"time"

	"github.com/flowtrack/flowtrack"
)

// Policy is how many failures within Window stop further attempts.
type Policy struct {
	PerUser, PerAddr int
	Window           time.Duration
}

// Store keeps the failure counters.
type Store interface {
	LoginFailures(ctx context.Context, key string, since time.Time) (count int, oldest time.Time, err error)
	LoginFailureAdd(ctx context.Context, keys []string, at, before time.Time) error
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

// Fail records a failed attempt under every key and forgets failures that
// left the window.
func (p Policy) Fail(ctx context.Context, st Store, keys []string, now time.Time) error {
	return st.LoginFailureAdd(ctx, keys, now, now.Add(-p.Window))
}
