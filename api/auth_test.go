package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/flowtrack/flowtrack"
	"github.com/flowtrack/flowtrack/api"
	"github.com/flowtrack/flowtrack/token"
)

// The bodies and headers of api.md's "Authentication" section.
const (
	authChallenge   = `Bearer realm="api"`
	authNotProvided = `{"detail":"Authentication credentials were not provided."}`
	authBadHeader   = `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`
	authBadCreds    = `{"detail":"No active account found with the given credentials"}`
	authNoActive    = `{"detail":"No active account found for the given token.","code":"no_active_account"}`
	authUserGone    = `{"detail":"User not found","code":"user_not_found"}`
	authUserOff     = `{"detail":"User is inactive","code":"user_inactive"}`
	authNoUserID    = `{"detail":"Token contained no recognizable user identification","code":"token_not_valid"}`
	authRequired    = `["This field is required."]`
	authBlank       = `["This field may not be blank."]`
	authNull        = `["This field may not be null."]`
	authBadEmail    = `["Enter a valid email address."]`
	authBadUsername = `["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."]`
	authTaken       = `["A user with that username already exists."]`
	authPwShort     = "This password is too short. It must contain at least 8 characters."
	authPwNumeric   = "This password is entirely numeric."
	authPwUsername  = "The password is too similar to the username."
	authPwEmail     = "The password is too similar to the email address."
	authOldWrong    = `{"old_password":["Your old password was entered incorrectly. Please enter it again."]}`
	authJWTHeader   = `{"alg":"HS256","typ":"JWT"}`
	authGoodPw      = "correct-horse-9"
)

// authInvalidAccess is SimpleJWT's body for an access token that fails on a
// protected endpoint.
func authInvalidAccess(msg string) string {
	return jsonf(`{"detail":"Given token not valid for any token type","code":"token_not_valid",`+
		`"messages":[{"token_class":"AccessToken","token_type":"access","message":%q}]}`, msg)
}

// authTokenErr is the body of the token endpoints for a bad token.
func authTokenErr(msg string) string {
	return jsonf(`{"detail":%q,"code":"token_not_valid"}`, msg)
}

// authWant401 checks a 401 with its body and the Bearer challenge.
func authWant401(t *testing.T, r *response, body string) {
	t.Helper()
	r.want(t, http.StatusUnauthorized, body)
	if got := r.Header.Get("WWW-Authenticate"); got != authChallenge {
		t.Errorf("WWW-Authenticate %q, want %q", got, authChallenge)
	}
}

var authThrottleDetail = regexp.MustCompile(`^Request was throttled\. Expected available in (\d+) (seconds?)\.$`)

// authWant429 checks DRF's throttled answer: the detail, its unit and a
// Retry-After equal to the wait, between 1 and 60 seconds.
func authWant429(t *testing.T, r *response) {
	t.Helper()
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429; body %s", r.Status, r.Body)
	}
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil || len(body) != 1 {
		t.Fatalf("body %s, want only a detail", r.Body)
	}
	msg, _ := body["detail"].(string)
	m := authThrottleDetail.FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("detail %q is not DRF's throttle message", msg)
	}
	n, _ := strconv.Atoi(m[1])
	if n < 1 || n > 60 {
		t.Errorf("wait %d seconds, want 1 to 60", n)
	}
	if (n == 1) != (m[2] == "second") {
		t.Errorf("detail %q: wrong unit for %d", msg, n)
	}
	if got := r.Header.Get("Retry-After"); got != m[1] {
		t.Errorf("Retry-After %q, want %q", got, m[1])
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
}

// authBearer is the header pair of an Authorization header.
func authBearer(value string) []string { return []string{"Authorization", value} }

func authEnc(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// authSegments splits a JWT and decodes its header and payload.
func authSegments(t *testing.T, tok string) (header, payload []byte, parts []string) {
	t.Helper()
	parts = strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d segments", tok, len(parts))
	}
	header, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	payload, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	if err1 != nil || err2 != nil {
		t.Fatalf("token %q: bad base64url: %v %v", tok, err1, err2)
	}
	return header, payload, parts
}

// authPayloadOf returns the decoded claims of a token, numbers kept exact.
func authPayloadOf(t *testing.T, tok string) map[string]any {
	t.Helper()
	_, payload, _ := authSegments(t, tok)
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil {
		t.Fatalf("payload %s: %v", payload, err)
	}
	return claims
}

var authJTI = regexp.MustCompile(`^[0-9a-f]{32}$`)

// authCheckToken checks a token as SimpleJWT 5.5 writes it: the HS256
// header, and exactly the claims token_type, exp, iat, jti and user_id (a
// string), exp-iat being the lifetime. It returns the claims.
func authCheckToken(t *testing.T, tok, kind string, userID int64, lifetime int64) map[string]any {
	t.Helper()
	header, _, _ := authSegments(t, tok)
	if string(header) != authJWTHeader {
		t.Errorf("%s token header %s, want %s", kind, header, authJWTHeader)
	}
	c := authPayloadOf(t, tok)
	var keys []string
	for k := range c {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"exp", "iat", "jti", "token_type", "user_id"}; !slices.Equal(keys, want) {
		t.Errorf("%s token claims %v, want exactly %v", kind, keys, want)
	}
	if c["token_type"] != kind {
		t.Errorf("token_type %v, want %q", c["token_type"], kind)
	}
	exp, iat := authInt(t, c, "exp"), authInt(t, c, "iat")
	if exp-iat != lifetime {
		t.Errorf("%s token exp-iat = %d, want %d", kind, exp-iat, lifetime)
	}
	if now := time.Now().Unix(); iat < now-60 || iat > now+1 {
		t.Errorf("%s token iat %d, now %d", kind, iat, now)
	}
	if jti, ok := c["jti"].(string); !ok || !authJTI.MatchString(jti) {
		t.Errorf("jti %#v, want 32 lowercase hex characters", c["jti"])
	}
	if uid, ok := c["user_id"].(string); !ok || uid != strconv.FormatInt(userID, 10) {
		t.Errorf("user_id %#v, want the string %q", c["user_id"], strconv.FormatInt(userID, 10))
	}
	return c
}

// authInt reads an integer claim.
func authInt(t *testing.T, c map[string]any, name string) int64 {
	t.Helper()
	n, ok := c[name].(json.Number)
	if !ok || strings.ContainsAny(n.String(), ".eE") {
		t.Errorf("%s claim %#v, want integer seconds", name, c[name])
		return 0
	}
	v, _ := n.Int64()
	return v
}

// authPayload is the JSON payload of a token for a user.
func authPayload(kind string, userID int64, lifetime time.Duration) string {
	now := time.Now()
	return jsonf(`{"token_type":%q,"exp":%d,"iat":%d,"jti":%q,"user_id":"%d"}`,
		kind, now.Add(lifetime).Unix(), now.Unix(), token.NewJTI(), userID)
}

// authCraft assembles a token from a header, a payload and a raw signature.
func authCraft(header, payload string, sig []byte) string {
	return authEnc([]byte(header)) + "." + authEnc([]byte(payload)) + "." + authEnc(sig)
}

// authHMAC signs header.payload with an HMAC method and a key.
func authHMAC(t *testing.T, method *jwt.SigningMethodHMAC, key []byte, header, payload string) string {
	t.Helper()
	signing := authEnc([]byte(header)) + "." + authEnc([]byte(payload))
	sig, err := method.Sign(signing, key)
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + authEnc(sig)
}

// authRandom returns n random bytes.
func authRandom(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// authSetActive deactivates or reactivates a user behind the API's back.
func authSetActive(t *testing.T, e *env, id int64, active bool) {
	t.Helper()
	ctx := context.Background()
	u, err := e.store.UserGet(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	u.IsActive = active
	if err := e.store.UserUpdate(ctx, u); err != nil {
		t.Fatal(err)
	}
}

// authDelete deletes a user behind the API's back.
func authDelete(t *testing.T, e *env, id int64) {
	t.Helper()
	if err := e.store.UserDelete(context.Background(), id); err != nil {
		t.Fatal(err)
	}
}

// authLogin logs in and returns the token pair, failing unless 200.
func authLogin(t *testing.T, e *env, username, pw string, headers ...string) (refresh, access string) {
	t.Helper()
	r := e.do("POST", "/api/auth/login/", map[string]string{"username": username, "password": pw}, headers...)
	r.want(t, http.StatusOK, `{"refresh":"<jwt>","access":"<jwt>"}`)
	return r.field("refresh").(string), r.field("access").(string)
}

// authRefresh rotates a refresh token, failing unless 200.
func authRefresh(t *testing.T, e *env, refresh string) (newRefresh, access string) {
	t.Helper()
	r := e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": refresh})
	r.want(t, http.StatusOK, `{"access":"<jwt>","refresh":"<jwt>"}`)
	return r.field("refresh").(string), r.field("access").(string)
}

// authNoUser checks that no user has the username.
func authNoUser(t *testing.T, e *env, username string) {
	t.Helper()
	if u, err := e.store.UserByUsername(context.Background(), username); !errors.Is(err, flowtrack.ErrNotFound) {
		t.Errorf("user %q exists after a refused registration (%v, %v)", username, u, err)
	}
}

// ---------------------------------------------------------------- register

func TestRegisterSuccess(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		r := e.do("POST", "/api/auth/register/", map[string]any{
			"username": "newbie", "email": "newbie@example.com", "password": authGoodPw})
		r.want(t, http.StatusCreated, `{"id":"<any>","username":"newbie","email":"newbie@example.com","date_joined":"<timestamp>"}`)
		if loc := r.Header.Get("Location"); loc == "" {
			t.Error("201 without a Location header")
		}
		id, ok := r.field("id").(float64)
		if !ok || id < 1 || id != float64(int64(id)) {
			t.Fatalf("id %#v, want a positive integer", r.field("id"))
		}
		u, err := e.store.UserGet(context.Background(), int64(id))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(u.PasswordHash, "$argon2id$") || strings.Contains(u.PasswordHash, authGoodPw) {
			t.Errorf("password stored as %q, want an argon2id hash", u.PasswordHash)
		}
		if !u.IsActive || u.IsStaff || u.IsSuperuser || u.LastLogin != nil {
			t.Errorf("new user active=%v staff=%v superuser=%v last_login=%v", u.IsActive, u.IsStaff, u.IsSuperuser, u.LastLogin)
		}
		authLogin(t, e, "newbie", authGoodPw)

		// Surrounding white space is trimmed; flags are read-only and ignored.
		r = e.do("POST", "/api/auth/register/", map[string]any{
			"username": "  sneaky ", "email": " sneaky@example.com\t", "password": authGoodPw,
			"is_staff": true, "is_superuser": true, "is_active": false, "id": 4242,
			"date_joined": "2001-01-01T00:00:00Z", "last_login": "2001-01-01T00:00:00Z"})
		r.want(t, http.StatusCreated, `{"id":"<any>","username":"sneaky","email":"sneaky@example.com","date_joined":"<timestamp>"}`)
		if r.field("id") == float64(4242) || r.field("date_joined") == "2001-01-01T00:00:00Z" {
			t.Errorf("read-only fields were taken from the input: %s", r.Body)
		}
		u, err = e.store.UserByUsername(context.Background(), "sneaky")
		if err != nil {
			t.Fatal(err)
		}
		if !u.IsActive || u.IsStaff || u.IsSuperuser || u.LastLogin != nil {
			t.Errorf("mass assignment: active=%v staff=%v superuser=%v last_login=%v", u.IsActive, u.IsStaff, u.IsSuperuser, u.LastLogin)
		}

		// Valid usernames and addresses of every allowed shape.
		for _, c := range []struct{ username, email string }{
			{"a.b+c-d_e@f", "first.last+tag@sub.example.co.uk"},
			{"Zoë_Ünïcode", "zoe@example.com"},
			{"名前", "user@localhost"},
			{"x", "x@example.io"},
		} {
			r := e.do("POST", "/api/auth/register/", map[string]any{"username": c.username, "email": c.email, "password": authGoodPw})
			r.want(t, http.StatusCreated, jsonf(`{"id":"<any>","username":%q,"email":%q,"date_joined":"<timestamp>"}`, c.username, c.email))
		}
		// A number is a valid string for a CharField, as in DRF.
		r = e.do("POST", "/api/auth/register/", `{"username":12345,"email":"n@example.com","password":"correct-horse-9"}`)
		r.want(t, http.StatusCreated, `{"id":"<any>","username":"12345","email":"n@example.com","date_joined":"<timestamp>"}`)
	})
}

func TestRegisterValidation(t *testing.T) {
	long254 := strings.Repeat("a", 254-len("@example.com")) + "@example.com"
	cases := []struct {
		name string
		body string
		want string
	}{
		{"missing fields", `{}`,
			`{"username":` + authRequired + `,"email":` + authRequired + `,"password":` + authRequired + `}`},
		{"missing password", `{"username":"u1","email":"u1@example.com"}`, `{"password":` + authRequired + `}`},
		{"blank fields", `{"username":"","email":"   ","password":""}`,
			`{"username":` + authBlank + `,"email":` + authBlank + `,"password":` + authBlank + `}`},
		{"white space password", `{"username":"u2","email":"u2@example.com","password":"    "}`, `{"password":` + authBlank + `}`},
		{"null fields", `{"username":null,"email":null,"password":null}`,
			`{"username":` + authNull + `,"email":` + authNull + `,"password":` + authNull + `}`},
		{"wrong types", `{"username":true,"email":"u3@example.com","password":["x"]}`,
			`{"username":["Not a valid string."],"password":["Not a valid string."]}`},
		{"email of a wrong type", `{"username":"u4","email":true,"password":"correct-horse-9"}`, `{"email":` + authBadEmail + `}`},
		{"username with a space", `{"username":"bad name","email":"u5@example.com","password":"correct-horse-9"}`, `{"username":` + authBadUsername + `}`},
		{"username with !", `{"username":"bad!","email":"u6@example.com","password":"correct-horse-9"}`, `{"username":` + authBadUsername + `}`},
		{"username with /", `{"username":"a/b","email":"u7@example.com","password":"correct-horse-9"}`, `{"username":` + authBadUsername + `}`},
		{"username with ;", `{"username":"a;b","email":"u8@example.com","password":"correct-horse-9"}`, `{"username":` + authBadUsername + `}`},
		{"username with <", `{"username":"<script>","email":"u9@example.com","password":"correct-horse-9"}`, `{"username":` + authBadUsername + `}`},
		{"email plain", `{"username":"e1","email":"plainaddress","password":"correct-horse-9"}`, `{"email":` + authBadEmail + `}`},
		{"email no domain", `{"username":"e2","email":"missing-domain@","password":"correct-horse-9"}`, `{"email":` + authBadEmail + `}`},
		{"email no local part", `{"username":"e3","email":"@example.com","password":"correct-horse-9"}`, `{"email":` + authBadEmail + `}`},
		{"email two @", `{"username":"e4","email":"two@@example.com","password":"correct-horse-9"}`, `{"email":` + authBadEmail + `}`},
		{"email with space", `{"username":"e5","email":"spaces in@example.com","password":"correct-horse-9"}`, `{"email":` + authBadEmail + `}`},
		{"email domain without dot", `{"username":"e6","email":"a@b","password":"correct-horse-9"}`, `{"email":` + authBadEmail + `}`},
		{"email domain with _", `{"username":"e7","email":"user@exa_mple.com","password":"correct-horse-9"}`, `{"email":` + authBadEmail + `}`},
		{"email domain with ..", `{"username":"e8","email":"user@example..com","password":"correct-horse-9"}`, `{"email":` + authBadEmail + `}`},
		{"email local part ends with .", `{"username":"e9","email":"user.@example.com","password":"correct-horse-9"}`, `{"email":` + authBadEmail + `}`},
		{"email over 254", jsonf(`{"username":"e10","email":"a%s","password":"correct-horse-9"}`, long254),
			`{"email":["Ensure this field has no more than 254 characters."]}`},
		{"password too short", `{"username":"p1","email":"p1@example.com","password":"Ab1!xyz"}`, jsonf(`{"password":[%q]}`, authPwShort)},
		{"password numeric", `{"username":"p2","email":"p2@example.com","password":"83920571"}`, jsonf(`{"password":[%q]}`, authPwNumeric)},
		{"password short and numeric", `{"username":"p3","email":"p3@example.com","password":"8392057"}`,
			jsonf(`{"password":[%q,%q]}`, authPwShort, authPwNumeric)},
		{"password similar to username", `{"username":"margaret","email":"m1@example.com","password":"margaret1"}`,
			jsonf(`{"password":[%q]}`, authPwUsername)},
		{"password similar to username, any case", `{"username":"Margaret","email":"m2@example.com","password":"MARGARET12"}`,
			jsonf(`{"password":[%q]}`, authPwUsername)},
		{"password similar to email", `{"username":"zed","email":"quartermaster@example.com","password":"Quartermaster"}`,
			jsonf(`{"password":[%q]}`, authPwEmail)},
		{"password similar and short", `{"username":"kim","email":"k@example.com","password":"kim1"}`,
			jsonf(`{"password":[%q,%q]}`, authPwUsername, authPwShort)},
		{"several errors together", `{"username":"bad name","email":"nope","password":"8392057"}`,
			jsonf(`{"username":%s,"email":%s,"password":[%q,%q]}`, authBadUsername, authBadEmail, authPwShort, authPwNumeric)},
	}
	engines(t, func(t *testing.T, e *env) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := e.do("POST", "/api/auth/register/", c.body)
				r.want(t, http.StatusBadRequest, c.want)
				var in map[string]any
				json.Unmarshal([]byte(c.body), &in)
				if name, ok := in["username"].(string); ok && name != "" {
					authNoUser(t, e, strings.TrimSpace(name))
				}
			})
		}
		// The longest valid address is accepted.
		r := e.do("POST", "/api/auth/register/", map[string]any{"username": "e254", "email": long254, "password": authGoodPw})
		r.want(t, http.StatusCreated, jsonf(`{"id":"<any>","username":"e254","email":%q,"date_joined":"<timestamp>"}`, long254))
	})
}

func TestRegisterUsernameLength(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		for _, letter := range []string{"é", "名", "a"} {
			ok := strings.Repeat(letter, 150)
			r := e.do("POST", "/api/auth/register/", map[string]any{"username": ok, "email": "l@example.com", "password": authGoodPw})
			r.want(t, http.StatusCreated, jsonf(`{"id":"<any>","username":%q,"email":"l@example.com","date_joined":"<timestamp>"}`, ok))
			tooLong := strings.Repeat(letter, 151)
			r = e.do("POST", "/api/auth/register/", map[string]any{"username": tooLong, "email": "l@example.com", "password": authGoodPw})
			r.want(t, http.StatusBadRequest, `{"username":["Ensure this field has no more than 150 characters."]}`)
			authNoUser(t, e, tooLong)
		}
	})
}

func TestRegisterDuplicateUsername(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		r := e.do("POST", "/api/auth/register/", map[string]any{"username": "Frank", "email": "frank@example.com", "password": authGoodPw})
		r.want(t, http.StatusCreated, `{"id":"<any>","username":"Frank","email":"frank@example.com","date_joined":"<timestamp>"}`)
		for _, name := range []string{"Frank", "frank", "FRANK", "fRaNk", " Frank "} {
			t.Run(name, func(t *testing.T) {
				r := e.do("POST", "/api/auth/register/", map[string]any{"username": name, "email": "other@example.com", "password": authGoodPw})
				r.want(t, http.StatusBadRequest, `{"username":`+authTaken+`}`)
			})
		}
		// The email is not required to be unique, as in Django.
		r = e.do("POST", "/api/auth/register/", map[string]any{"username": "frank2", "email": "frank@example.com", "password": authGoodPw})
		r.want(t, http.StatusCreated, `{"id":"<any>","username":"frank2","email":"frank@example.com","date_joined":"<timestamp>"}`)
		// The first account is untouched: its password still logs in.
		authLogin(t, e, "Frank", authGoodPw)

		// Every field is checked and all errors are reported together,
		// the taken username among them.
		t.Run("taken username with other errors", func(t *testing.T) {
			r := e.do("POST", "/api/auth/register/", map[string]any{"username": "FRANK", "email": "nope", "password": "8392057"})
			r.want(t, http.StatusBadRequest, jsonf(`{"username":%s,"email":%s,"password":[%q,%q]}`,
				authTaken, authBadEmail, authPwShort, authPwNumeric))
		})
	})
}

func TestRegisterClosed(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		closed := setup(t, e.engine, func(c *api.Config) { c.AllowSignup = false })
		for _, body := range []any{
			map[string]any{"username": "late", "email": "late@example.com", "password": authGoodPw},
			map[string]any{},
			"not json",
		} {
			r := closed.do("POST", "/api/auth/register/", body)
			r.want(t, http.StatusForbidden, `{"detail":"Registration is closed."}`)
			if h := r.Header.Get("WWW-Authenticate"); h != "" {
				t.Errorf("403 with WWW-Authenticate %q", h)
			}
		}
		authNoUser(t, closed, "late")
		// Open registration on the default configuration.
		e.do("POST", "/api/auth/register/", map[string]any{"username": "late", "email": "late@example.com", "password": authGoodPw}).
			want(t, http.StatusCreated, `{"id":"<any>","username":"late","email":"late@example.com","date_joined":"<timestamp>"}`)
	})
}

// ---------------------------------------------------------------- login

func TestLoginTokenPair(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		r := e.do("POST", "/api/auth/login/", map[string]string{"username": "alice", "password": alice.Password})
		r.want(t, http.StatusOK, `{"refresh":"<jwt>","access":"<jwt>"}`)
		if !bytes.HasPrefix(r.Body, []byte(`{"refresh":`)) {
			t.Errorf("body %s: want refresh first, then access", r.Body)
		}
		refresh, access := r.field("refresh").(string), r.field("access").(string)
		rc := authCheckToken(t, refresh, "refresh", alice.ID, 86400)
		ac := authCheckToken(t, access, "access", alice.ID, 300)
		if rc["jti"] == ac["jti"] {
			t.Error("access and refresh tokens share a jti")
		}
		// The access token authenticates; the two logins gave distinct tokens.
		if refresh == alice.Refresh || access == alice.Access {
			t.Error("two logins gave the same token")
		}
		e.do("GET", "/api/auth/me/", nil, authBearer("Bearer "+access)...).
			want(t, http.StatusOK, jsonf(`{"id":%d,"username":"alice","email":"alice@example.com","date_joined":"<timestamp>","last_login":"<timestamp>","is_staff":false}`, alice.ID))
		// The login endpoint ignores any Authorization header, as SimpleJWT's views do.
		e.do("POST", "/api/auth/login/", map[string]string{"username": "alice", "password": alice.Password},
			authBearer("Bearer garbage")...).want(t, http.StatusOK, `{"refresh":"<jwt>","access":"<jwt>"}`)
	})
}

func TestLoginSetsLastLogin(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		r := e.do("POST", "/api/auth/register/", map[string]any{"username": "lastly", "email": "lastly@example.com", "password": authGoodPw})
		r.want(t, http.StatusCreated, `{"id":"<any>","username":"lastly","email":"lastly@example.com","date_joined":"<timestamp>"}`)
		id := int64(r.field("id").(float64))
		u, err := e.store.UserGet(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if u.LastLogin != nil {
			t.Fatalf("last_login %v before any login", u.LastLogin)
		}
		before := time.Now().Add(-time.Second)
		_, access := authLogin(t, e, "lastly", authGoodPw)
		r = e.do("GET", "/api/auth/me/", nil, authBearer("Bearer "+access)...)
		r.want(t, http.StatusOK, jsonf(`{"id":%d,"username":"lastly","email":"lastly@example.com","date_joined":"<timestamp>","last_login":"<timestamp>","is_staff":false}`, id))
		last, err := time.Parse(time.RFC3339Nano, r.field("last_login").(string))
		if err != nil {
			t.Fatal(err)
		}
		if last.Before(before) || last.After(time.Now().Add(time.Second)) {
			t.Errorf("last_login %v, want about now", last)
		}
		// A failed login does not change it.
		e.do("POST", "/api/auth/login/", map[string]string{"username": "lastly", "password": "wrong-password-1"}).want(t, 401, authBadCreds)
		r2 := e.do("GET", "/api/auth/me/", nil, authBearer("Bearer "+access)...)
		if r2.field("last_login") != r.field("last_login") {
			t.Errorf("last_login changed by a failed login: %v -> %v", r.field("last_login"), r2.field("last_login"))
		}
	})
}

func TestLoginFailuresLookAlike(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		idle := e.user("idle")
		authSetActive(t, e, idle.ID, false)
		cases := []struct{ name, username, password string }{
			{"wrong password", "alice", "wrong-password-1"},
			{"password of another user", "alice", idle.Password},
			{"unknown user", "nobody", alice.Password},
			{"inactive user with the right password", "idle", idle.Password},
			{"inactive user with a wrong password", "idle", "wrong-password-1"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := e.do("POST", "/api/auth/login/", map[string]string{"username": c.username, "password": c.password})
				authWant401(t, r, authBadCreds)
			})
		}
		// Reactivated, the account logs in again; alice was never locked out.
		authSetActive(t, e, idle.ID, true)
		authLogin(t, e, "idle", idle.Password)
		authLogin(t, e, "alice", alice.Password)
	})
}

func TestLoginValidation(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"missing fields", `{}`, `{"username":` + authRequired + `,"password":` + authRequired + `}`},
		{"empty body", ``, `{"username":` + authRequired + `,"password":` + authRequired + `}`},
		{"missing password", `{"username":"alice"}`, `{"password":` + authRequired + `}`},
		{"missing username", `{"password":"x"}`, `{"username":` + authRequired + `}`},
		{"blank fields", `{"username":"","password":""}`, `{"username":` + authBlank + `,"password":` + authBlank + `}`},
		{"white space fields", `{"username":"  ","password":" "}`, `{"username":` + authBlank + `,"password":` + authBlank + `}`},
		{"null fields", `{"username":null,"password":null}`, `{"username":` + authNull + `,"password":` + authNull + `}`},
	}
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var r *response
				if c.body == "" {
					r = e.do("POST", "/api/auth/login/", nil)
				} else {
					r = e.do("POST", "/api/auth/login/", c.body)
				}
				r.want(t, http.StatusBadRequest, c.want)
			})
		}
		// Bad input is not a failed login: alice is not throttled.
		for range 3 {
			for _, c := range cases {
				e.do("POST", "/api/auth/login/", c.body)
			}
		}
		authLogin(t, e, "alice", alice.Password)
	})
}

// ---------------------------------------------------------------- throttling

func TestThrottleUsername(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		bob := e.user("bob")
		for i := range 5 {
			r := e.do("POST", "/api/auth/login/", map[string]string{"username": "alice", "password": "wrong-" + strconv.Itoa(i)})
			authWant401(t, r, authBadCreds)
		}
		// The 6th attempt is throttled, even with the right password.
		authWant429(t, e.do("POST", "/api/auth/login/", map[string]string{"username": "alice", "password": alice.Password}))
		authWant429(t, e.do("POST", "/api/auth/login/", map[string]string{"username": "alice", "password": "wrong-again"}))
		// From another address too: the limit is the username's.
		authWant429(t, e.do("POST", "/api/auth/login/", map[string]string{"username": "alice", "password": alice.Password},
			"RemoteAddr", "198.51.100.20:4000"))
		// Other usernames are unaffected.
		authLogin(t, e, "bob", bob.Password)
		// alice's tokens issued before keep working.
		alice.do("GET", "/api/auth/me/", nil).want(t, http.StatusOK, jsonf(
			`{"id":%d,"username":"alice","email":"alice@example.com","date_joined":"<timestamp>","last_login":"<timestamp>","is_staff":false}`, alice.ID))

		// An unknown username is throttled the same way, so a 429 does not
		// tell who exists.
		for range 5 {
			authWant401(t, e.do("POST", "/api/auth/login/", map[string]string{"username": "ghost", "password": "wrong-password"},
				"RemoteAddr", "198.51.100.21:4000"), authBadCreds)
		}
		authWant429(t, e.do("POST", "/api/auth/login/", map[string]string{"username": "ghost", "password": "wrong-password"},
			"RemoteAddr", "198.51.100.21:4000"))
	})
}

func TestThrottleAddress(t *testing.T) {
	const attacker, attacker2, other = "203.0.113.9:5555", "203.0.113.9:6666", "198.51.100.7:5555"
	engines(t, func(t *testing.T, e *env) {
		erin := e.user("erin")
		// 20 failures from one address, spread over usernames so that no
		// username reaches its own limit.
		for i := range 20 {
			name := "victim" + strconv.Itoa(i/5)
			r := e.do("POST", "/api/auth/login/", map[string]string{"username": name, "password": "guess-" + strconv.Itoa(i)},
				"RemoteAddr", attacker)
			authWant401(t, r, authBadCreds)
		}
		// The address is throttled for every username, the right password included,
		// whatever port or forwarding header it comes with.
		authWant429(t, e.do("POST", "/api/auth/login/", map[string]string{"username": "erin", "password": erin.Password},
			"RemoteAddr", attacker))
		authWant429(t, e.do("POST", "/api/auth/login/", map[string]string{"username": "erin", "password": erin.Password},
			"RemoteAddr", attacker2))
		authWant429(t, e.do("POST", "/api/auth/login/", map[string]string{"username": "someone-new", "password": "x"},
			"RemoteAddr", attacker2, "X-Forwarded-For", "198.51.100.7", "X-Real-Ip", "198.51.100.7"))
		// Another address is not.
		authLogin(t, e, "erin", erin.Password, "RemoteAddr", other)
		authLogin(t, e, "erin", erin.Password)
	})
}

// ---------------------------------------------------------------- refresh

func TestRefreshRotation(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		a := alice.Refresh
		r := e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": a})
		r.want(t, http.StatusOK, `{"access":"<jwt>","refresh":"<jwt>"}`)
		if !bytes.HasPrefix(r.Body, []byte(`{"access":`)) {
			t.Errorf("body %s: want access first, then refresh", r.Body)
		}
		b, access := r.field("refresh").(string), r.field("access").(string)
		if b == a {
			t.Fatal("refresh did not rotate the refresh token")
		}
		ac := authPayloadOf(t, a)
		bc := authCheckToken(t, b, "refresh", alice.ID, 86400)
		authCheckToken(t, access, "access", alice.ID, 300)
		if bc["jti"] == ac["jti"] {
			t.Error("rotated token kept its jti")
		}
		if authInt(t, bc, "exp") < authInt(t, ac, "exp") || authInt(t, bc, "iat") < authInt(t, ac, "iat") {
			t.Error("the new refresh token's exp does not count from the refresh")
		}
		e.do("GET", "/api/auth/me/", nil, authBearer("Bearer "+access)...).want(t, http.StatusOK, jsonf(
			`{"id":%d,"username":"alice","email":"alice@example.com","date_joined":"<timestamp>","last_login":"<timestamp>","is_staff":false}`, alice.ID))

		// The old token is blacklisted; the new one verifies and rotates.
		authWant401(t, e.do("POST", "/api/auth/verify/", map[string]string{"token": a}), authTokenErr("Token is blacklisted"))
		e.do("POST", "/api/auth/verify/", map[string]string{"token": b}).want(t, http.StatusOK, `{}`)
		c, _ := authRefresh(t, e, b)
		authWant401(t, e.do("POST", "/api/auth/verify/", map[string]string{"token": b}), authTokenErr("Token is blacklisted"))
		e.do("POST", "/api/auth/verify/", map[string]string{"token": c}).want(t, http.StatusOK, `{}`)
		// The refresh endpoint ignores any Authorization header.
		e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": c}, authBearer("Bearer garbage")...).
			want(t, http.StatusOK, `{"access":"<jwt>","refresh":"<jwt>"}`)
	})
}

func TestRefreshReuseDetection(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		other, _ := authLogin(t, e, "alice", alice.Password) // another login of the same user
		bob := e.user("bob")
		a := alice.Refresh
		b, _ := authRefresh(t, e, a)
		c, _ := authRefresh(t, e, b)

		// A was rotated: presenting it again is refused and ends its family.
		authWant401(t, e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": a}), authTokenErr("Token is blacklisted"))
		authWant401(t, e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": c}), authTokenErr("Token is blacklisted"))
		authWant401(t, e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": b}), authTokenErr("Token is blacklisted"))
		authWant401(t, e.do("POST", "/api/auth/verify/", map[string]string{"token": c}), authTokenErr("Token is blacklisted"))
		authWant401(t, e.do("POST", "/api/auth/logout/", map[string]string{"refresh": c}), authTokenErr("Token is blacklisted"))

		// Another login of the same user, and other users, are unaffected.
		o2, _ := authRefresh(t, e, other)
		authRefresh(t, e, o2)
		authRefresh(t, e, bob.Refresh)

		// Reuse of a token two generations back ends the family too.
		x, _ := authLogin(t, e, "alice", alice.Password)
		y, _ := authRefresh(t, e, x)
		z, _ := authRefresh(t, e, y)
		authWant401(t, e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": y}), authTokenErr("Token is blacklisted"))
		authWant401(t, e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": z}), authTokenErr("Token is blacklisted"))
	})
}

func TestRefreshErrors(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		expired, _, err := token.NewIssuer(testKey, -time.Hour, -time.Minute).Issue(token.Refresh, alice.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		_, _, parts := authSegments(t, alice.Refresh)
		sig := []byte(parts[2])
		sig[0] = map[bool]byte{true: 'B', false: 'A'}[sig[0] == 'A']
		tamperedSig := parts[0] + "." + parts[1] + "." + string(sig)
		payload := authPayload("refresh", alice.ID, time.Hour)
		cases := []struct {
			name   string
			body   any
			status int
			want   string
		}{
			{"missing field", map[string]any{}, 400, `{"refresh":` + authRequired + `}`},
			{"empty body", nil, 400, `{"refresh":` + authRequired + `}`},
			{"blank", map[string]any{"refresh": ""}, 400, `{"refresh":` + authBlank + `}`},
			{"null", map[string]any{"refresh": nil}, 400, `{"refresh":` + authNull + `}`},
			{"garbage", map[string]any{"refresh": "garbage"}, 401, authTokenErr("Token is invalid")},
			{"three dots", map[string]any{"refresh": "a.b.c"}, 401, authTokenErr("Token is invalid")},
			{"access token", map[string]any{"refresh": alice.Access}, 401, authTokenErr("Token has wrong type")},
			{"expired", map[string]any{"refresh": expired}, 401, authTokenErr("Token is expired")},
			{"wrong key", map[string]any{"refresh": authHMAC(t, jwt.SigningMethodHS256, []byte("another-secret-key-of-32-bytes!!!"), authJWTHeader, payload)},
				401, authTokenErr("Token is invalid")},
			{"alg none", map[string]any{"refresh": authCraft(`{"alg":"none","typ":"JWT"}`, payload, nil)}, 401, authTokenErr("Token is invalid")},
			{"HS512", map[string]any{"refresh": authHMAC(t, jwt.SigningMethodHS512, testKey, `{"alg":"HS512","typ":"JWT"}`, payload)},
				401, authTokenErr("Token is invalid")},
			{"tampered signature", map[string]any{"refresh": tamperedSig}, 401, authTokenErr("Token is invalid")},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := e.do("POST", "/api/auth/refresh/", c.body)
				if c.status == 401 {
					authWant401(t, r, c.want)
				} else {
					r.want(t, c.status, c.want)
				}
			})
		}
		// None of it spent alice's token.
		authRefresh(t, e, alice.Refresh)
	})
}

func TestRefreshInactiveOrDeletedUser(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		idle := e.user("idle")
		gone := e.user("gone")
		authSetActive(t, e, idle.ID, false)
		authWant401(t, e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": idle.Refresh}), authNoActive)
		authDelete(t, e, gone.ID)
		authWant401(t, e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": gone.Refresh}), authNoActive)
		// A refresh token, validly signed, for an id that never existed.
		never, _, err := e.tokens.Issue(token.Refresh, 987654, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		authWant401(t, e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": never}), authNoActive)
		// Reactivated, the user's token refreshes again: the refusal spent nothing.
		authSetActive(t, e, idle.ID, true)
		authRefresh(t, e, idle.Refresh)
	})
}

// ---------------------------------------------------------------- verify

func TestVerify(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		expired, _, err := token.NewIssuer(testKey, -time.Minute, -time.Minute).Issue(token.Access, alice.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		payload := authPayload("access", alice.ID, time.Hour)
		for _, tok := range []string{alice.Access, alice.Refresh} {
			e.do("POST", "/api/auth/verify/", map[string]string{"token": tok}).want(t, http.StatusOK, `{}`)
		}
		// Authorization is ignored on the token endpoints.
		e.do("POST", "/api/auth/verify/", map[string]string{"token": alice.Access}, authBearer("Bearer garbage")...).want(t, http.StatusOK, `{}`)
		cases := []struct {
			name  string
			token string
			want  string
		}{
			{"garbage", "garbage", "Token is invalid"},
			{"three dots", "a.b.c", "Token is invalid"},
			{"expired", expired, "Token is expired"},
			{"wrong key", authHMAC(t, jwt.SigningMethodHS256, []byte("another-secret-key-of-32-bytes!!!"), authJWTHeader, payload), "Token is invalid"},
			{"alg none", authCraft(`{"alg":"none","typ":"JWT"}`, payload, nil), "Token is invalid"},
			{"HS384", authHMAC(t, jwt.SigningMethodHS384, testKey, `{"alg":"HS384","typ":"JWT"}`, payload), "Token is invalid"},
			{"RS256", authCraft(`{"alg":"RS256","typ":"JWT"}`, payload, authRandom(256)), "Token is invalid"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				authWant401(t, e.do("POST", "/api/auth/verify/", map[string]string{"token": c.token}), authTokenErr(c.want))
			})
		}
		e.do("POST", "/api/auth/verify/", map[string]any{}).want(t, http.StatusBadRequest, `{"token":`+authRequired+`}`)
		e.do("POST", "/api/auth/verify/", map[string]any{"token": ""}).want(t, http.StatusBadRequest, `{"token":`+authBlank+`}`)
		e.do("POST", "/api/auth/verify/", map[string]any{"refresh": alice.Refresh}).want(t, http.StatusBadRequest, `{"token":`+authRequired+`}`)

		// A blacklisted refresh token no longer verifies.
		e.do("POST", "/api/auth/logout/", map[string]string{"refresh": alice.Refresh}).want(t, http.StatusOK, `{}`)
		authWant401(t, e.do("POST", "/api/auth/verify/", map[string]string{"token": alice.Refresh}), authTokenErr("Token is blacklisted"))
	})
}

// ---------------------------------------------------------------- logout

func TestLogout(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		other, _ := authLogin(t, e, "alice", alice.Password)

		// No access token is needed, and a bad Authorization header is ignored.
		e.do("POST", "/api/auth/logout/", map[string]string{"refresh": alice.Refresh}).want(t, http.StatusOK, `{}`)
		authWant401(t, e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": alice.Refresh}), authTokenErr("Token is blacklisted"))
		authWant401(t, e.do("POST", "/api/auth/logout/", map[string]string{"refresh": alice.Refresh}), authTokenErr("Token is blacklisted"))
		authWant401(t, e.do("POST", "/api/auth/verify/", map[string]string{"token": alice.Refresh}), authTokenErr("Token is blacklisted"))

		e.do("POST", "/api/auth/logout/", map[string]string{"refresh": other}, authBearer("Bearer garbage")...).want(t, http.StatusOK, `{}`)
		authWant401(t, e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": other}), authTokenErr("Token is blacklisted"))

		// An access token is the wrong type, sent alone or with a valid Authorization.
		third, access := authLogin(t, e, "alice", alice.Password)
		authWant401(t, e.do("POST", "/api/auth/logout/", map[string]string{"refresh": access}), authTokenErr("Token has wrong type"))
		authWant401(t, e.do("POST", "/api/auth/logout/", map[string]string{"refresh": access}, authBearer("Bearer "+access)...),
			authTokenErr("Token has wrong type"))
		authWant401(t, e.do("POST", "/api/auth/logout/", map[string]string{"refresh": "garbage"}), authTokenErr("Token is invalid"))
		e.do("POST", "/api/auth/logout/", map[string]any{}).want(t, http.StatusBadRequest, `{"refresh":`+authRequired+`}`)
		e.do("POST", "/api/auth/logout/", map[string]any{"token": third}).want(t, http.StatusBadRequest, `{"refresh":`+authRequired+`}`)
		// The failed logouts left the third login's refresh token working.
		authRefresh(t, e, third)
	})
}

// ---------------------------------------------------------------- me

func TestMe(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		meBody := func(email string) string {
			return jsonf(`{"id":%d,"username":"alice","email":%q,"date_joined":"<timestamp>","last_login":"<timestamp>","is_staff":false}`, alice.ID, email)
		}
		first := alice.do("GET", "/api/auth/me/", nil)
		first.want(t, http.StatusOK, meBody("alice@example.com"))
		authWant401(t, e.do("GET", "/api/auth/me/", nil), authNotProvided)
		authWant401(t, e.do("PATCH", "/api/auth/me/", map[string]any{"email": "x@example.com"}), authNotProvided)

		// Only the email changes; username, is_staff and the rest are read-only.
		r := alice.do("PATCH", "/api/auth/me/", map[string]any{"email": " new@example.com ", "username": "hacker",
			"is_staff": true, "is_superuser": true, "is_active": false, "id": 999, "last_login": nil,
			"date_joined": "2001-01-01T00:00:00Z", "password": "owned-Passw0rd"})
		r.want(t, http.StatusOK, meBody("new@example.com"))
		for _, f := range []string{"date_joined", "last_login"} {
			if r.field(f) != first.field(f) {
				t.Errorf("%s changed from %v to %v", f, first.field(f), r.field(f))
			}
		}
		alice.do("GET", "/api/auth/me/", nil).want(t, http.StatusOK, meBody("new@example.com"))
		u, err := e.store.UserGet(context.Background(), alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		if u.Username != "alice" || u.IsStaff || u.IsSuperuser || !u.IsActive {
			t.Errorf("read-only fields changed: %+v", u)
		}
		authLogin(t, e, "alice", alice.Password) // the password did not change

		alice.do("PATCH", "/api/auth/me/", map[string]any{}).want(t, http.StatusOK, meBody("new@example.com"))
		alice.do("PATCH", "/api/auth/me/", nil).want(t, http.StatusOK, meBody("new@example.com"))

		for _, c := range []struct{ name, body, want string }{
			{"invalid", `{"email":"not-an-email"}`, `{"email":` + authBadEmail + `}`},
			{"two @", `{"email":"a@@example.com"}`, `{"email":` + authBadEmail + `}`},
			{"blank", `{"email":"  "}`, `{"email":` + authBlank + `}`},
			{"null", `{"email":null}`, `{"email":` + authNull + `}`},
			{"wrong type", `{"email":true}`, `{"email":` + authBadEmail + `}`},
			{"too long", jsonf(`{"email":"%s@example.com"}`, strings.Repeat("a", 243)), `{"email":["Ensure this field has no more than 254 characters."]}`},
		} {
			t.Run(c.name, func(t *testing.T) {
				alice.do("PATCH", "/api/auth/me/", c.body).want(t, http.StatusBadRequest, c.want)
				alice.do("GET", "/api/auth/me/", nil).want(t, http.StatusOK, meBody("new@example.com"))
			})
		}
		r = alice.do("PUT", "/api/auth/me/", map[string]any{"email": "put@example.com"})
		r.want(t, http.StatusMethodNotAllowed, `{"detail":"Method \"PUT\" not allowed."}`)
		if got := r.Header.Get("Allow"); got != "GET, PATCH, HEAD, OPTIONS" {
			t.Errorf("Allow %q", got)
		}
	})
}

// ---------------------------------------------------------------- password

func TestPasswordChange(t *testing.T) {
	const newPw = "brand-new-Secret42"
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		second, _ := authLogin(t, e, "alice", alice.Password)
		second, _ = authRefresh(t, e, second) // a rotated token of another login
		bob := e.user("bob")

		authWant401(t, e.do("POST", "/api/auth/password/", map[string]string{"old_password": alice.Password, "new_password": newPw}), authNotProvided)

		for _, c := range []struct{ name, old, new, want string }{
			{"wrong old password", "not-my-password", newPw, authOldWrong},
			{"too short", alice.Password, "Ab1!xyz", jsonf(`{"new_password":[%q]}`, authPwShort)},
			{"numeric", alice.Password, "83920571", jsonf(`{"new_password":[%q]}`, authPwNumeric)},
			{"similar to username", alice.Password, "alice123", jsonf(`{"new_password":[%q]}`, authPwUsername)},
			{"blank", alice.Password, "  ", `{"new_password":` + authBlank + `}`},
		} {
			t.Run(c.name, func(t *testing.T) {
				alice.do("POST", "/api/auth/password/", map[string]string{"old_password": c.old, "new_password": c.new}).
					want(t, http.StatusBadRequest, c.want)
			})
		}
		alice.do("POST", "/api/auth/password/", map[string]any{}).want(t, http.StatusBadRequest,
			`{"old_password":`+authRequired+`,"new_password":`+authRequired+`}`)
		// The refusals changed nothing: the tokens still verify, the old password still logs in.
		e.do("POST", "/api/auth/verify/", map[string]string{"token": alice.Refresh}).want(t, http.StatusOK, `{}`)
		e.do("POST", "/api/auth/verify/", map[string]string{"token": second}).want(t, http.StatusOK, `{}`)
		third, _ := authLogin(t, e, "alice", alice.Password)

		r := alice.do("POST", "/api/auth/password/", map[string]string{"old_password": alice.Password, "new_password": newPw})
		r.want(t, http.StatusNoContent, "")

		// Every refresh token of the user is revoked.
		for _, tok := range []string{alice.Refresh, second, third} {
			authWant401(t, e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": tok}), authTokenErr("Token is blacklisted"))
		}
		// Other users keep theirs.
		authRefresh(t, e, bob.Refresh)
		// The old password no longer logs in, the new one does.
		authWant401(t, e.do("POST", "/api/auth/login/", map[string]string{"username": "alice", "password": alice.Password}), authBadCreds)
		fresh, _ := authLogin(t, e, "alice", newPw)
		authRefresh(t, e, fresh)
	})
}

// ---------------------------------------------------------------- protected endpoints

func TestAuthHeaderParsing(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		cases := []struct {
			name    string
			headers []string
			want    string
		}{
			{"no header", nil, authNotProvided},
			{"Bearer alone", authBearer("Bearer"), authBadHeader},
			{"three words", authBearer("Bearer " + alice.Access + " extra"), authBadHeader},
			{"three words, token last", authBearer("Bearer Bearer " + alice.Access), authBadHeader},
			{"lowercase bearer", authBearer("bearer " + alice.Access), authNotProvided},
			{"uppercase BEARER", authBearer("BEARER " + alice.Access), authNotProvided},
			{"lowercase bearer x", authBearer("bearer x"), authNotProvided},
			{"Basic", authBearer("Basic YWxpY2U6cGFzcy1hbGljZS1TZWNyZXQ5"), authNotProvided},
			{"Token scheme", authBearer("Token " + alice.Access), authNotProvided},
			{"JWT scheme", authBearer("JWT " + alice.Access), authNotProvided},
			{"token alone", authBearer(alice.Access), authNotProvided},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				authWant401(t, e.do("GET", "/api/projects/", nil, c.headers...), c.want)
				// Authentication comes before the method check.
				authWant401(t, e.do("PATCH", "/api/projects/", map[string]any{}, c.headers...), c.want)
			})
		}
		alice.do("GET", "/api/projects/", nil).want(t, http.StatusOK, `{"count":0,"next":null,"previous":null,"results":[]}`)
	})
}

func TestAuthNoOtherCredentials(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		for _, q := range []string{"token", "access_token", "access", "jwt", "auth", "Authorization"} {
			authWant401(t, e.do("GET", "/api/projects/?"+q+"="+alice.Access, nil), authNotProvided)
		}
		authWant401(t, e.do("GET", "/api/projects/?Authorization=Bearer+"+alice.Access, nil), authNotProvided)
		authWant401(t, e.do("GET", "/api/projects/", nil, "Cookie", "sessionid=abc; access_token="+alice.Access+"; jwt="+alice.Access), authNotProvided)
		authWant401(t, e.do("GET", "/api/projects/", nil, "X-Access-Token", alice.Access), authNotProvided)
		authWant401(t, e.do("POST", "/api/projects/", map[string]any{"name": "sneaky", "token": alice.Access, "access": alice.Access}), authNotProvided)
		alice.do("GET", "/api/projects/", nil).want(t, http.StatusOK, `{"count":0,"next":null,"previous":null,"results":[]}`)
	})
}

// TestTokenAttacks sends forged, altered and unusable tokens to protected
// endpoints: every one is refused with SimpleJWT's exact body and changes
// nothing.
func TestTokenAttacks(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		mallory := e.user("mallory")
		carol := e.user("carol")
		dave := e.user("dave")
		pid := alice.create("/api/projects/", map[string]any{"name": "Alice's plans", "description": "secret"})
		beforeList := alice.do("GET", "/api/projects/", nil)
		beforeProject := alice.do("GET", jsonf("/api/projects/%d/", pid), nil)
		beforeMe := alice.do("GET", "/api/auth/me/", nil)

		payload := authPayload("access", alice.ID, 5*time.Minute)
		header := func(alg string) string { return jsonf(`{"alg":%q,"typ":"JWT"}`, alg) }

		expired, _, err := token.NewIssuer(testKey, -time.Minute, -time.Minute).Issue(token.Access, alice.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		_, _, ex := authSegments(t, expired)

		// mallory's own token with alice's id put in, signature kept.
		_, mPayload, mParts := authSegments(t, mallory.Access)
		forged := bytes.Replace(mPayload, []byte(jsonf(`"user_id":"%d"`, mallory.ID)), []byte(jsonf(`"user_id":"%d"`, alice.ID)), 1)
		if bytes.Equal(forged, mPayload) {
			t.Fatalf("cannot find user_id in %s", mPayload)
		}
		tamperedPayload := mParts[0] + "." + authEnc(forged) + "." + mParts[2]
		// The same with user_id as a number, as SimpleJWT before 5.5.1 wrote it.
		forgedNum := bytes.Replace(mPayload, []byte(jsonf(`"user_id":"%d"`, mallory.ID)), []byte(jsonf(`"user_id":%d`, alice.ID)), 1)
		tamperedPayloadNum := mParts[0] + "." + authEnc(forgedNum) + "." + mParts[2]

		_, _, aParts := authSegments(t, alice.Access)
		sig := []byte(aParts[2])
		sig[0] = map[bool]byte{true: 'B', false: 'A'}[sig[0] == 'A']
		tamperedSig := aParts[0] + "." + aParts[1] + "." + string(sig)
		otherSig := aParts[0] + "." + aParts[1] + "." + mParts[2]

		noUserID := authHMAC(t, jwt.SigningMethodHS256, testKey, header("HS256"), jsonf(
			`{"token_type":"access","exp":%d,"iat":%d,"jti":%q}`, time.Now().Add(time.Minute).Unix(), time.Now().Unix(), token.NewJTI()))
		neverUser, _, err := e.tokens.Issue(token.Access, 987654, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		authDelete(t, e, carol.ID)
		authSetActive(t, e, dave.ID, false)

		invalid := authInvalidAccess("Token is invalid")
		type attack struct{ name, token, want string }
		cases := []attack{
			{"wrong key", authHMAC(t, jwt.SigningMethodHS256, []byte("another-secret-key-of-32-bytes!!!"), header("HS256"), payload), invalid},
			{"empty key", authHMAC(t, jwt.SigningMethodHS256, []byte{}, header("HS256"), payload), invalid},
			{"HS384", authHMAC(t, jwt.SigningMethodHS384, testKey, header("HS384"), payload), invalid},
			{"HS512", authHMAC(t, jwt.SigningMethodHS512, testKey, header("HS512"), payload), invalid},
			{"HS384 header on an HS512 signature", authHMAC(t, jwt.SigningMethodHS512, testKey, header("HS384"), payload), invalid},
			{"RS256", authCraft(header("RS256"), payload, authRandom(256)), invalid},
			{"ES256", authCraft(header("ES256"), payload, authRandom(64)), invalid},
			{"HS256 without signature", authCraft(header("HS256"), payload, nil), invalid},
			{"expired", expired, authInvalidAccess("Token is expired")},
			{"expired with a bad signature", ex[0] + "." + ex[1] + "." + mParts[2], invalid},
			{"tampered payload", tamperedPayload, invalid},
			{"tampered payload, numeric user_id", tamperedPayloadNum, invalid},
			{"tampered signature", tamperedSig, invalid},
			{"signature of another token", otherSig, invalid},
			{"refresh token", alice.Refresh, authInvalidAccess("Token has wrong type")},
			{"garbage", "garbage", invalid},
			{"empty segments", "..", invalid},
			{"two segments", aParts[0] + "." + aParts[1], invalid},
			{"four segments", alice.Access + ".x", invalid},
			{"no user_id claim", noUserID, authNoUserID},
			{"deleted user", carol.Access, authUserGone},
			{"user that never existed", neverUser, authUserGone},
			{"inactive user", dave.Access, authUserOff},
		}
		for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
			cases = append(cases,
				attack{"alg " + alg + ", empty signature", authCraft(header(alg), payload, nil), invalid},
				attack{"alg " + alg + ", some signature", authCraft(header(alg), payload, []byte("signature")), invalid},
				attack{"alg " + alg + ", valid HS256 signature", authHMAC(t, jwt.SigningMethodHS256, testKey, header(alg), payload), invalid},
				attack{"alg " + alg + ", no typ", authCraft(jsonf(`{"alg":%q}`, alg), payload, nil), invalid},
			)
		}

		requests := []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/projects/", nil},
			{"POST", "/api/projects/", map[string]any{"name": "pwned"}},
			{"GET", jsonf("/api/projects/%d/", pid), nil},
			{"PATCH", jsonf("/api/projects/%d/", pid), map[string]any{"name": "pwned"}},
			{"PUT", jsonf("/api/projects/%d/", pid), map[string]any{"name": "pwned", "description": ""}},
			{"DELETE", jsonf("/api/projects/%d/", pid), nil},
			{"POST", "/api/workflows/", map[string]any{"project": pid, "name": "pwned"}},
			{"GET", "/api/auth/me/", nil},
			{"PATCH", "/api/auth/me/", map[string]any{"email": "pwned@evil.test"}},
			{"POST", "/api/auth/password/", map[string]any{"old_password": alice.Password, "new_password": "pwned-Passw0rd!"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				for _, req := range requests {
					r := e.do(req.method, req.path, req.body, authBearer("Bearer "+c.token)...)
					if r.Status != http.StatusUnauthorized {
						t.Errorf("%s %s: status %d, want 401; body %s", req.method, req.path, r.Status, r.Body)
						continue
					}
					authWant401(t, r, c.want)
				}
			})
		}

		// Nothing changed: alice's data and account are as before, mallory
		// got nothing, and alice's password still logs in.
		if got := alice.do("GET", "/api/projects/", nil); !bytes.Equal(got.Body, beforeList.Body) {
			t.Errorf("alice's projects changed:\n  %s\nwas\n  %s", got.Body, beforeList.Body)
		}
		if got := alice.do("GET", jsonf("/api/projects/%d/", pid), nil); !bytes.Equal(got.Body, beforeProject.Body) {
			t.Errorf("alice's project changed:\n  %s\nwas\n  %s", got.Body, beforeProject.Body)
		}
		if got := alice.do("GET", "/api/auth/me/", nil); !bytes.Equal(got.Body, beforeMe.Body) {
			t.Errorf("alice's account changed:\n  %s\nwas\n  %s", got.Body, beforeMe.Body)
		}
		alice.do("GET", "/api/workflows/", nil).want(t, http.StatusOK, `{"count":0,"next":null,"previous":null,"results":[]}`)
		mallory.do("GET", "/api/projects/", nil).want(t, http.StatusOK, `{"count":0,"next":null,"previous":null,"results":[]}`)
		authLogin(t, e, "alice", alice.Password)
		// dave's and carol's state is as set: the refusals did not alter it.
		if u, err := e.store.UserGet(context.Background(), dave.ID); err != nil || u.IsActive {
			t.Errorf("dave: %+v %v", u, err)
		}
	})
}
