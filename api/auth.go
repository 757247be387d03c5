package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/flowtrack/flowtrack"
	"github.com/flowtrack/flowtrack/password"
	"github.com/flowtrack/flowtrack/token"
)

// caller returns the user id of the request's Bearer token, 0 for a
// request without one, or SimpleJWT's 401 for a token that fails.
func (s *Server) caller(r *http.Request) (int64, error) {
	parts := strings.Fields(r.Header.Get("Authorization"))
	if len(parts) == 0 || parts[0] != "Bearer" {
		return 0, nil // another scheme counts as no credentials
	}
	if len(parts) != 2 {
		return 0, unauthorized(detailCode{
			Detail: "Authorization header must contain two space-delimited values", Code: "bad_authorization_header"})
	}
	claims, err := s.tokens.Parse(parts[1], token.Access)
	if err != nil {
		return 0, unauthorized(detailCode{
			Detail: "Given token not valid for any token type", Code: "token_not_valid",
			Messages: []tokenMessage{{TokenClass: "AccessToken", TokenType: "access", Message: err.Error()}}})
	}
	if claims.UserID == 0 {
		return 0, unauthorized(detailCode{Detail: "Token contained no recognizable user identification", Code: "token_not_valid"})
	}
	return int64(claims.UserID), nil
}

// authenticate returns the user of the request's Bearer token, nil for a
// request without one, or SimpleJWT's 401 for a token that fails. The
// user is read on every request, so deactivation works at once.
func (s *Server) authenticate(r *http.Request) (*flowtrack.User, error) {
	id, err := s.caller(r)
	if id == 0 || err != nil {
		return nil, err
	}
	user, err := s.store.UserGet(r.Context(), id)
	switch {
	case errors.Is(err, flowtrack.ErrNotFound):
		return nil, flowtrack.ErrUserNotFound
	case err != nil:
		return nil, err
	case !user.IsActive:
		return nil, flowtrack.ErrUserInactive
	}
	return user, nil
}

// tokenError is the 401 that the token endpoints answer a bad token with.
func tokenError(msg string) error {
	return unauthorized(detailCode{Detail: msg, Code: "token_not_valid"})
}

// parseToken reads a token field and verifies the token, of kind unless
// kind is empty.
func (s *Server) parseToken(r *request, field, kind string) (*token.Claims, error) {
	o, err := readObject(r.Request)
	if err != nil {
		return nil, err
	}
	var p flowtrack.Problems
	raw := o.str(&p, field)
	raw.Value, _ = flowtrack.CheckString(raw.Value, false, 0)
	if raw.Set && raw.Value == "" {
		p.Add(field, flowtrack.MsgBlank)
	}
	if !raw.Set && !p.Has(field) {
		p.Add(field, flowtrack.MsgRequired)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	claims, err := s.tokens.Parse(raw.Value, kind)
	if err != nil {
		return nil, tokenError(err.Error())
	}
	return claims, nil
}

// refreshStateError maps the store's refresh-token errors to responses.
func refreshStateError(err error) error {
	switch {
	case errors.Is(err, flowtrack.ErrTokenRevoked), errors.Is(err, flowtrack.ErrTokenReused):
		return tokenError("Token is blacklisted")
	case errors.Is(err, flowtrack.ErrTokenUnknown):
		return tokenError(token.MsgInvalid)
	}
	return err
}

// tokenPair is the body of a login and of a refresh.
type tokenPair struct {
	Refresh string `json:"refresh"`
	Access  string `json:"access"`
}

type accessRefresh struct {
	Access  string `json:"access"`
	Refresh string `json:"refresh"`
}

// issuePair signs a refresh token and its access token, and records the
// refresh token in family (a new family if empty).
func (s *Server) issuePair(userID int64, now time.Time) (refresh, access string, rt flowtrack.RefreshToken, err error) {
	refresh, claims, err := s.tokens.Issue(token.Refresh, userID, now)
	if err != nil {
		return "", "", rt, err
	}
	access, _, err = s.tokens.Issue(token.Access, userID, now)
	if err != nil {
		return "", "", rt, err
	}
	rt = flowtrack.RefreshToken{JTI: claims.JTI, UserID: userID, Family: claims.JTI,
		ExpiresAt: time.Unix(claims.ExpiresAt, 0), CreatedAt: now}
	return refresh, access, rt, nil
}

var errBadCredentials = unauthorized(detail{"No active account found with the given credentials"})

// handleLogin is SimpleJWT's TokenObtainPairView, throttled per username
// and per client address.
func (s *Server) handleLogin(w http.ResponseWriter, r *request) error {
	o, err := readObject(r.Request)
	if err != nil {
		return err
	}
	var p flowtrack.Problems
	username := requiredString(o, &p, "username")
	pw := requiredString(o, &p, "password")
	if err := p.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	user, wait, err := s.cfg.Login.Login(ctx, s.store, s.hasher, r.Request, username, pw)
	switch {
	case err != nil:
		return err
	case wait > 0:
		return throttled(wait)
	case user == nil:
		return errBadCredentials
	}
	now := time.Now()
	refresh, access, rt, err := s.issuePair(user.ID, now)
	if err != nil {
		return err
	}
	if err := s.store.RefreshTokenAdd(ctx, rt); err != nil {
		return err
	}
	if err := s.store.UserSetLastLogin(ctx, user.ID, flowtrack.Now()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, tokenPair{Refresh: refresh, Access: access})
	return nil
}

// requiredString reads a required, trimmed, non-blank string field.
func requiredString(o object, p *flowtrack.Problems, field string) string {
	v := o.str(p, field)
	if !v.Set {
		if !p.Has(field) {
			p.Add(field, flowtrack.MsgRequired)
		}
		return ""
	}
	clean, msgs := flowtrack.CheckString(v.Value, false, 0)
	for _, m := range msgs {
		p.Add(field, m)
	}
	return clean
}

// handleRefresh is SimpleJWT's TokenRefreshView with rotation and
// blacklisting on, and reuse detection beyond it.
func (s *Server) handleRefresh(w http.ResponseWriter, r *request) error {
	claims, err := s.parseToken(r, "refresh", token.Refresh)
	if err != nil {
		return err
	}
	ctx := r.Context()
	user, err := s.store.UserGet(ctx, int64(claims.UserID))
	if err != nil && !errors.Is(err, flowtrack.ErrNotFound) {
		return err
	}
	if user == nil || !user.IsActive {
		return unauthorized(detailCode{Detail: "No active account found for the given token.", Code: "no_active_account"})
	}
	now := time.Now()
	refresh, access, next, err := s.issuePair(user.ID, now)
	if err != nil {
		return err
	}
	if err := s.store.RefreshTokenRotate(ctx, claims.JTI, next, now); err != nil {
		return refreshStateError(err)
	}
	writeJSON(w, http.StatusOK, accessRefresh{Access: access, Refresh: refresh})
	return nil
}

// handleVerify is SimpleJWT's TokenVerifyView: any valid token, of
// either type, unless it is a refresh token that was blacklisted.
func (s *Server) handleVerify(w http.ResponseWriter, r *request) error {
	claims, err := s.parseToken(r, "token", "")
	if err != nil {
		return err
	}
	if claims.TokenType == token.Refresh {
		if err := s.store.RefreshTokenState(r.Context(), claims.JTI); err != nil {
			return refreshStateError(err)
		}
	}
	writeJSON(w, http.StatusOK, struct{}{})
	return nil
}

// handleLogout is SimpleJWT's TokenBlacklistView.
func (s *Server) handleLogout(w http.ResponseWriter, r *request) error {
	claims, err := s.parseToken(r, "refresh", token.Refresh)
	if err != nil {
		return err
	}
	if err := s.store.RefreshTokenRevoke(r.Context(), claims.JTI, time.Now()); err != nil {
		return refreshStateError(err)
	}
	writeJSON(w, http.StatusOK, struct{}{})
	return nil
}

// registrationOpen is the permission of the register endpoint.
func (s *Server) registrationOpen(*http.Request) error {
	if !s.cfg.AllowSignup {
		return errRegistrationOff
	}
	return nil
}

// newUser is the body of a registration's answer.
type newUser struct {
	ID         int64  `json:"id"`
	Username   string `json:"username"`
	Email      string `json:"email"`
	DateJoined stamp  `json:"date_joined"`
}

// me is the body of /api/auth/me/.
type me struct {
	ID         int64  `json:"id"`
	Username   string `json:"username"`
	Email      string `json:"email"`
	DateJoined stamp  `json:"date_joined"`
	LastLogin  *stamp `json:"last_login"`
	IsStaff    bool   `json:"is_staff"`
}

func meOf(u *flowtrack.User) me {
	m := me{ID: u.ID, Username: u.Username, Email: u.Email, DateJoined: stamp(u.DateJoined), IsStaff: u.IsStaff}
	if u.LastLogin != nil {
		last := stamp(*u.LastLogin)
		m.LastLogin = &last
	}
	return m
}

// handleRegister creates an active, non-staff user.
func (s *Server) handleRegister(w http.ResponseWriter, r *request) error {
	o, err := readObject(r.Request)
	if err != nil {
		return err
	}
	var p flowtrack.Problems
	username := o.str(&p, "username")
	email := o.email(&p, "email")
	pw := o.str(&p, "password")
	for field, v := range map[string]flowtrack.Opt[string]{"username": username, "email": email, "password": pw} {
		if !v.Set && !p.Has(field) {
			p.Add(field, flowtrack.MsgRequired)
		}
	}
	if username.Set {
		username.Value = flowtrack.CheckUsername(&p, username.Value)
	}
	if email.Set {
		email.Value = flowtrack.CheckEmail(&p, "email", email.Value)
	}
	if pw.Set {
		pw.Value, _ = flowtrack.CheckString(pw.Value, true, 0)
		flowtrack.CheckPassword(&p, "password", pw.Value, username.Value, email.Value)
	}
	if username.Set && !p.Has("username") {
		// Checked with the other fields so all errors come together; the
		// unique index still settles a race.
		taken, err := s.store.UsernameTaken(r.Context(), username.Value)
		if err != nil {
			return err
		}
		if taken {
			p.Add("username", flowtrack.MsgUsernameTaken)
		}
	}
	p.SortBy([]string{"username", "email", "password"})
	if err := p.Err(); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(r.Context(), pw.Value)
	if err != nil {
		return err
	}
	u := &flowtrack.User{Username: username.Value, Email: email.Value, PasswordHash: hash,
		IsActive: true, DateJoined: flowtrack.Now()}
	if err := s.store.UserCreate(r.Context(), u); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/auth/me/")
	writeJSON(w, http.StatusCreated, newUser{ID: u.ID, Username: u.Username, Email: u.Email, DateJoined: stamp(u.DateJoined)})
	return nil
}

// handleMe shows the caller's account.
func (s *Server) handleMe(w http.ResponseWriter, r *request) error {
	writeJSON(w, http.StatusOK, meOf(r.user))
	return nil
}

// handleMeUpdate changes the caller's email; other fields are read-only.
func (s *Server) handleMeUpdate(w http.ResponseWriter, r *request) error {
	o, err := readObject(r.Request)
	if err != nil {
		return err
	}
	var p flowtrack.Problems
	email := o.email(&p, "email")
	if email.Set {
		email.Value = flowtrack.CheckEmail(&p, "email", email.Value)
	}
	if err := p.Err(); err != nil {
		return err
	}
	u := *r.user
	if email.Set {
		u.Email = email.Value
		if err := s.store.UserUpdate(r.Context(), &u); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, meOf(&u))
	return nil
}

// handlePasswordChange sets a new password and revokes every refresh
// token of the caller.
func (s *Server) handlePasswordChange(w http.ResponseWriter, r *request) error {
	o, err := readObject(r.Request)
	if err != nil {
		return err
	}
	var p flowtrack.Problems
	old := requiredString(o, &p, "old_password")
	next := requiredString(o, &p, "new_password")
	if next != "" {
		flowtrack.CheckPassword(&p, "new_password", next, r.user.Username, r.user.Email)
	}
	if err := p.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.hasher.Check(ctx, r.user.PasswordHash, old); err != nil {
		if errors.Is(err, password.ErrMismatch) {
			return flowtrack.Invalid("old_password", "Your old password was entered incorrectly. Please enter it again.")
		}
		return err
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	if err := s.store.UserSetPassword(ctx, r.user.ID, hash, time.Now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleHealth answers while the process serves.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// handleReady answers 200 once the database answers with a current schema.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ready(ctx); err != nil {
		s.log.WarnContext(ctx, "not ready", "error", err.Error())
		return errUnavailable
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}
