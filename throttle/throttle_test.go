package throttle_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowtrack/flowtrack"
	"github.com/flowtrack/flowtrack/password"
	"github.com/flowtrack/flowtrack/sqlstore"
	"github.com/flowtrack/flowtrack/storetest"
	"github.com/flowtrack/flowtrack/throttle"
)

// A hash slow enough that attempts overlap, as real ones do.
var params = password.Params{Memory: 1024, Time: 1, Threads: 1}

// setup opens a store holding one user whose password is "right-password-1".
func setup(t *testing.T, engine, username string) (*sqlstore.DB, *password.Hasher, *flowtrack.User) {
	t.Helper()
	db := storetest.Open(t, engine)
	hasher := password.NewHasher(params, 4)
	hash, err := hasher.Hash(context.Background(), "right-password-1")
	if err != nil {
		t.Fatal(err)
	}
	u := &flowtrack.User{Username: username, Email: username + "@example.com", PasswordHash: hash, IsActive: true, DateJoined: flowtrack.Now()}
	if err := db.UserCreate(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return db, hasher, u
}

func TestParallelAttemptsStayWithinTheLimit(t *testing.T) {
	storetest.EachEngine(t, func(t *testing.T, engine string) {
		db, hasher, _ := setup(t, engine, "alice")
		ctx := context.Background()
		policy := throttle.Policy{PerUser: 5, PerAddr: 20, Window: time.Minute, Attempts: throttle.NewAttempts()}
		attempt := func(pw string) (*flowtrack.User, int, error) {
			r := httptest.NewRequest("POST", "/api/auth/login/", nil)
			return policy.Login(ctx, db, hasher, r, "alice", pw)
		}

		// 30 wrong passwords at once: only 5 may learn they were wrong.
		var mu sync.Mutex
		told, throttled := 0, 0
		var wg sync.WaitGroup
		for range 30 {
			wg.Go(func() {
				user, wait, err := attempt("wrong-password")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					t.Error(err)
				case user != nil:
					t.Error("a wrong password logged in")
				case wait > 0:
					throttled++
				default:
					told++
				}
			})
		}
		wg.Wait()
		if told != 5 || throttled != 25 {
			t.Fatalf("%d attempts checked, %d throttled; want 5 and 25", told, throttled)
		}
		// The right password is throttled too, until the window passes.
		if user, wait, err := attempt("right-password-1"); err != nil || user != nil || wait < 1 || wait > 60 {
			t.Fatalf("right password while throttled: %v, wait %d, %v", user, wait, err)
		}
	})
}

func TestRightPasswordsAtOnce(t *testing.T) {
	storetest.EachEngine(t, func(t *testing.T, engine string) {
		db, hasher, u := setup(t, engine, "bob")
		ctx := context.Background()
		policy := throttle.Policy{PerUser: 2, PerAddr: 20, Window: time.Minute, Attempts: throttle.NewAttempts()}
		r := httptest.NewRequest("POST", "/api/auth/login/", nil)
		// Logins that succeed, even many at once, never add up to a lockout.
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				user, wait, err := policy.Login(ctx, db, hasher, r, "bob", "right-password-1")
				if err != nil || user == nil || user.ID != u.ID || wait != 0 {
					t.Errorf("login: %v, wait %d, %v", user, wait, err)
				}
			})
		}
		wg.Wait()
		n, _, err := db.LoginFailures(ctx, "user:bob", time.Now().Add(-time.Hour))
		if err != nil || n != 0 {
			t.Fatalf("%d failures recorded after right passwords (%v)", n, err)
		}
	})
}

func TestLongUsernamesMakeShortKeys(t *testing.T) {
	r := httptest.NewRequest("POST", "/api/auth/login/", nil)
	a := throttle.Keys(strings.Repeat("a", 100_000), r)[0]
	b := throttle.Keys(strings.Repeat("a", 99_999)+"b", r)[0]
	if len(a) > 100 || len(b) > 100 || a == b {
		t.Fatalf("keys %q and %q", a, b)
	}
	if got := throttle.Keys("Alice", r)[0]; got != "user:alice" {
		t.Fatalf("key %q", got)
	}
}
