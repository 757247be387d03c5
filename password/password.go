// Package password hashes and checks passwords with argon2id, and bounds
// how many hashes run at once so a flood of logins cannot exhaust memory.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// OWASP is the minimum OWASP recommends: 19 MiB, 2 passes, 1 lane.
var OWASP = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// ErrMismatch is returned when a password does not match its hash.
var ErrMismatch = errors.New("password does not match")

// Hasher hashes with fixed parameters, at most a fixed number at a time.
type Hasher struct {
	params Params
	slots  chan struct{}
	dummy  string
}

// NewHasher returns a Hasher that runs at most concurrency hashes at once.
func NewHasher(p Params, concurrency int) *Hasher {
	h := &Hasher{params: p, slots: make(chan struct{}, max(1, concurrency))}
	h.dummy = h.encode([]byte("flowtrack-dummy-salt"), []byte("not a password"))
	return h
}

// Hash returns the PHC string of a new salted hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, 16)
	rand.Read(salt)
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return h.encode(salt, []byte(password)), nil
}

func (h *Hasher) encode(salt, password []byte) string {
	p := h.params
	key := argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Check returns nil if password matches the encoded hash, ErrMismatch if
// not. An empty hash (an unknown user) costs one hash all the same, so the
// time taken does not tell whether the user exists.
func (h *Hasher) Check(ctx context.Context, encoded, password string) error {
	if encoded == "" {
		encoded = h.dummy
		password = "\x00" + password // never matches the dummy
	}
	p, salt, want, err := decode(encoded)
	if err != nil {
		return err
	}
	if err := h.acquire(ctx); err != nil {
		return err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	h.release()
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// release collects garbage, then gives the slot up. argon2 allocates its
// memory (19 MiB) afresh for every hash; left to the collector's pace, a
// flood of logins held three or four of them for each slot, and the
// server's peak went from 25 to 85 MB. Collected before the slot is
// taken again, the last hash's memory is free for the next to reuse: the
// same flood peaked at 48 MB, at the same 32-35 logins a second.
func (h *Hasher) release() {
	runtime.GC()
	<-h.slots
}

// decode reads a PHC argon2id string.
func decode(encoded string) (Params, []byte, []byte, error) {
	var p Params
	var version int
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("password: not an argon2id hash")
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errors.New("password: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, errors.New("password: bad argon2 parameters")
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) == 0 {
		return p, nil, nil, errors.New("password: bad argon2 encoding")
	}
	return p, salt, key, nil
}
