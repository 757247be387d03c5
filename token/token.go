// Package token issues and verifies FlowTrack's JWTs, which are
// SimpleJWT 5.5 tokens: HS256, claims token_type, exp, iat, jti and
// user_id (a string), so clients of the original design read them unchanged.
package token

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The token types.
const (
	Access  = "access"
	Refresh = "refresh"
)

// SimpleJWT's messages for a token that does not verify.
const (
	MsgInvalid   = "Token is invalid"
	MsgExpired   = "Token is expired"
	MsgWrongType = "Token has wrong type"
	MsgNoID      = "Token has no id"
	MsgNoType    = "Token has no type"
)

// Error is a token that failed verification; Message is SimpleJWT's text.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

// Claims are the payload of a token, in SimpleJWT's order.
type Claims struct {
	TokenType string `json:"token_type"`
	ExpiresAt int64  `json:"exp"`
	IssuedAt  int64  `json:"iat"`
	JTI       string `json:"jti"`
	UserID    UserID `json:"user_id"`
}

// UserID is the user_id claim: written as a string ("7") as SimpleJWT 5.5.1
// does, read from a string or a number as older versions wrote it.
type UserID int64

// MarshalJSON writes the id as a JSON string.
func (id UserID) MarshalJSON() ([]byte, error) {
	return json.Marshal(strconv.FormatInt(int64(id), 10))
}

// UnmarshalJSON reads a JSON string or integer; anything else is 0, which
// names no user.
func (id *UserID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		s = string(b)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		n = 0
	}
	*id = UserID(n)
	return nil
}

// The jwt.Claims methods; only exp is checked by the library.
func (c *Claims) GetExpirationTime() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.ExpiresAt, 0)), nil
}
func (c *Claims) GetIssuedAt() (*jwt.NumericDate, error)  { return nil, nil }
func (c *Claims) GetNotBefore() (*jwt.NumericDate, error) { return nil, nil }
func (c *Claims) GetIssuer() (string, error)              { return "", nil }
func (c *Claims) GetSubject() (string, error)             { return "", nil }
func (c *Claims) GetAudience() (jwt.ClaimStrings, error)  { return nil, nil }

// Issuer signs and verifies tokens with one secret key.
type Issuer struct {
	key        []byte
	accessTTL  time.Duration
	refreshTTL time.Duration
	parser     *jwt.Parser
	now        func() time.Time

	// verified holds the claims of tokens whose signature has been
	// checked, by the token's text, so that a client's requests with one
	// access token skip the HMAC and the decoding of its claims after the
	// first (a tenth of a read's CPU). Any other text, a tampered copy
	// included, is verified in full.
	mu       sync.RWMutex
	verified map[string]Claims
}

// maxVerified bounds Issuer.verified (about 350 bytes a token); when full
// it is emptied and fills again with the tokens in use.
const maxVerified = 4096

// NewIssuer returns an Issuer of tokens with the given lifetimes.
func NewIssuer(key []byte, accessTTL, refreshTTL time.Duration) *Issuer {
	is := &Issuer{
		key:        key,
		accessTTL:  accessTTL,
		refreshTTL: refreshTTL,
		now:        time.Now,
		verified:   map[string]Claims{},
	}
	// Only HS256: the alg header never chooses the algorithm.
	is.parser = jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return is.now() }))
	return is
}

// Issue signs a new token of the kind for a user, issued at now.
func (is *Issuer) Issue(kind string, userID int64, now time.Time) (string, Claims, error) {
	ttl := is.accessTTL
	if kind == Refresh {
		ttl = is.refreshTTL
	}
	c := Claims{
		TokenType: kind,
		ExpiresAt: now.Add(ttl).Unix(),
		IssuedAt:  now.Unix(),
		JTI:       NewJTI(),
		UserID:    UserID(userID),
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, &c).SignedString(is.key)
	return s, c, err
}

// Parse verifies a token's signature and expiry and, unless kind is empty,
// its type. Failures are *Error with SimpleJWT's message.
func (is *Issuer) Parse(s, kind string) (*Claims, error) {
	is.mu.RLock()
	c, ok := is.verified[s]
	is.mu.RUnlock()
	// Within a second of its expiry a token is verified in full, which
	// tells expired from valid exactly as the library does.
	if !ok || is.now().Unix() >= c.ExpiresAt-1 {
		c = Claims{}
		_, err := is.parser.ParseWithClaims(s, &c, func(*jwt.Token) (any, error) { return is.key, nil })
		switch {
		case errors.Is(err, jwt.ErrTokenExpired) && !errors.Is(err, jwt.ErrTokenSignatureInvalid):
			return nil, &Error{MsgExpired}
		case err != nil:
			return nil, &Error{MsgInvalid}
		}
		is.remember(s, c)
	}
	switch {
	case c.JTI == "":
		return nil, &Error{MsgNoID}
	case kind != "" && c.TokenType == "":
		return nil, &Error{MsgNoType}
	case kind != "" && c.TokenType != kind:
		return nil, &Error{MsgWrongType}
	}
	return &c, nil
}

// remember records a verified token's claims.
func (is *Issuer) remember(s string, c Claims) {
	is.mu.Lock()
	defer is.mu.Unlock()
	if len(is.verified) >= maxVerified {
		clear(is.verified)
	}
	is.verified[s] = c
}

// NewJTI returns a random token id: 32 lowercase hex characters, as
// Python's uuid4().hex.
func NewJTI() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return hex.EncodeToString(b[:])
}
