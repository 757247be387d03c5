package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/flowtrack/flowtrack/admin"
)

const (
	msgBadLogin = "Please enter the correct username and password for a staff account. " +
		"Note that both fields may be case-sensitive."
	msgNotStaff = "This account is not a staff account, so it cannot use the admin panel."
	msgCSRF     = "CSRF verification failed: the form was out of date or not sent by this site. Reload the page and try again."
	wantCSP     = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

// sessionCookie is the Set-Cookie of the panel's session in an answer.
func sessionCookie(t *testing.T, p *page) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: p.Header}).Cookies() {
		if c.Name == "flowtrack_admin_session" {
			return c
		}
	}
	return nil
}

func TestAnonymousGoesToLogin(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		b := e.browser()
		b.get("/admin/").expect(t, http.StatusSeeOther, "/admin/login/?next=%2Fadmin%2F")
		b.get("/admin/tasks/?status=todo").expect(t, http.StatusSeeOther, "/admin/login/?next=%2Fadmin%2Ftasks%2F%3Fstatus%3Dtodo")
		b.get("/admin/nothing/").expect(t, http.StatusSeeOther, "/admin/login/?next=%2Fadmin%2Fnothing%2F")
		// A form posted without a session changes nothing and asks to log in.
		b.post("/admin/projects/new/", url.Values{"owner": {"1"}, "name": {"x"}}).expect(t, http.StatusSeeOther, "/admin/login/")
		if got := len(e.logEntries()); got != 0 {
			t.Fatalf("%d log entries, want 0", got)
		}
		css := b.get("/admin/static/admin.css")
		css.expect(t, http.StatusOK, "")
		if ct := css.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
			t.Fatalf("CSS Content-Type %q", ct)
		}
	})
}

func TestLogin(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		e.user("boss", "superuser")
		e.user("plain")
		e.user("gone", "staff", "inactive")

		t.Run("wrong password", func(t *testing.T) {
			b := e.browser()
			res := b.login("boss", "not-the-password")
			res.expect(t, http.StatusOK, "")
			if got := errorsIn(res.Body); len(got) != 1 || got[0] != msgBadLogin {
				t.Fatalf("errors %q", got)
			}
			if sessionCookie(t, res) != nil {
				t.Fatal("a failed login set a session cookie")
			}
			if res.value("username") != "boss" {
				t.Fatalf("the username was not kept: %q", res.value("username"))
			}
		})
		t.Run("unknown and inactive users", func(t *testing.T) {
			for _, name := range []string{"nobody", "gone"} {
				res := e.browser().login(name, passwordOf(name))
				if got := errorsIn(res.Body); res.Status != http.StatusOK || len(got) != 1 || got[0] != msgBadLogin {
					t.Fatalf("%s: %d %q", name, res.Status, got)
				}
			}
		})
		t.Run("not staff", func(t *testing.T) {
			b := e.browser()
			res := b.login("plain", passwordOf("plain"))
			res.expect(t, http.StatusForbidden, "")
			if got := errorsIn(res.Body); len(got) != 1 || got[0] != msgNotStaff {
				t.Fatalf("errors %q", got)
			}
			if sessionCookie(t, res) != nil {
				t.Fatal("a refused login set a session cookie")
			}
			b.get("/admin/").expect(t, http.StatusSeeOther, "/admin/login/?next=%2Fadmin%2F")
		})
		t.Run("login form CSRF", func(t *testing.T) {
			// No login cookie at all, as from another site's form.
			b := e.browser()
			res := b.post("/admin/login/", url.Values{"csrf_token": {"forged"}, "username": {"boss"}, "password": {passwordOf("boss")}})
			res.expect(t, http.StatusForbidden, "")
			if !strings.Contains(res.Body, msgCSRF) {
				t.Fatalf("no CSRF message: %s", res.Body)
			}
			// The cookie, but the wrong token.
			b.get("/admin/login/")
			b.post("/admin/login/", url.Values{"csrf_token": {"forged"}, "username": {"boss"}, "password": {passwordOf("boss")}}).
				expect(t, http.StatusForbidden, "")
		})
		t.Run("staff", func(t *testing.T) {
			b := e.browser()
			// A session id planted before login is never the one used after.
			u, _ := url.Parse(e.url + "/admin/")
			b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "flowtrack_admin_session", Value: "planted", Path: "/admin/"}})
			form := b.get("/admin/login/?next=%2Fadmin%2Ftasks%2F")
			token := csrfField.FindStringSubmatch(form.Body)[1]
			res := b.post("/admin/login/", url.Values{"csrf_token": {token}, "username": {"boss"},
				"password": {passwordOf("boss")}, "next": {"/admin/tasks/"}})
			res.expect(t, http.StatusSeeOther, "/admin/tasks/")
			c := sessionCookie(t, res)
			if c == nil || c.Value == "planted" || len(c.Value) < 40 {
				t.Fatalf("session cookie %+v", c)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/admin/" || c.Secure {
				t.Fatalf("cookie attributes %+v (Secure only over TLS)", c)
			}
			if left := time.Until(c.Expires); left < 11*time.Hour || left > 13*time.Hour {
				t.Fatalf("session expires in %v, want 12h", left)
			}
			dash := b.get("/admin/")
			dash.expect(t, http.StatusOK, "")
			if !strings.Contains(dash.Body, "<h1>Dashboard</h1>") {
				t.Fatalf("no dashboard: %s", dash.Body)
			}
			// A second login gets another session id.
			again := e.browser().login("boss", passwordOf("boss"))
			if c2 := sessionCookie(t, again); c2 == nil || c2.Value == c.Value {
				t.Fatalf("second session %+v", c2)
			}
		})
		t.Run("next stays inside the panel", func(t *testing.T) {
			for _, next := range []string{"//evil.example/", "https://evil.example/admin/", "/admin/\\evil", "/api/projects/", "/admin/login/",
				"/admin/../api/auth/me/", "/admin/../..//evil.example/"} {
				b := e.browser()
				form := b.get("/admin/login/")
				token := csrfField.FindStringSubmatch(form.Body)[1]
				b.post("/admin/login/", url.Values{"csrf_token": {token}, "username": {"boss"},
					"password": {passwordOf("boss")}, "next": {next}}).expect(t, http.StatusSeeOther, "/admin/")
			}
		})
	})
}

func TestLogout(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		b, _ := e.staff("boss")
		// Without the CSRF token, logout is refused and the session lives.
		b.post("/admin/logout/", url.Values{"csrf_token": {""}}).expect(t, http.StatusForbidden, "")
		b.get("/admin/").expect(t, http.StatusOK, "")
		u, _ := url.Parse(e.url + "/admin/")
		old := b.client.Jar.Cookies(u)
		res := b.post("/admin/logout/", nil)
		res.expect(t, http.StatusSeeOther, "/admin/login/?logged_out=1")
		if c := sessionCookie(t, res); c == nil || c.MaxAge >= 0 {
			t.Fatalf("logout did not clear the cookie: %+v", c)
		}
		if !strings.Contains(b.get("/admin/login/?logged_out=1").Body, "You are logged out.") {
			t.Fatal("no logged-out notice")
		}
		// The old cookie, replayed, is dead on the server too.
		replay := e.browser()
		replay.client.Jar.SetCookies(u, old)
		replay.get("/admin/").expect(t, http.StatusSeeOther, "/admin/login/?next=%2Fadmin%2F")
	})
}

func TestAccessEndsWithStaffFlag(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		boss, _ := e.staff("boss")
		helper, hu := e.staff("helper", "staff")
		helper.get("/admin/").expect(t, http.StatusOK, "")
		// The superuser takes the staff flag away: the open session ends.
		boss.post("/admin/users/"+id(hu.ID)+"/", url.Values{"email": {hu.Email}, "is_active": {"on"}}).
			expect(t, http.StatusSeeOther, "/admin/users/"+id(hu.ID)+"/")
		helper.get("/admin/").expect(t, http.StatusSeeOther, "/admin/login/?next=%2Fadmin%2F")
		res := helper.login("helper", passwordOf("helper"))
		res.expect(t, http.StatusForbidden, "")
	})
}

func TestTokensAndSessionsDoNotCross(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		boss, u := e.staff("boss")
		// A valid JWT of a superuser does not open the panel.
		jwt := e.api(u).access
		anon := e.browser()
		anon.do("GET", "/admin/", nil, "Authorization", "Bearer "+jwt).
			expect(t, http.StatusSeeOther, "/admin/login/?next=%2Fadmin%2F")
		// The panel's session does not open the API: its cookie is never
		// sent there (Path=/admin/) and the API reads no cookie anyway.
		res := boss.get("/api/projects/")
		res.expect(t, http.StatusUnauthorized, "")
		if res.Body != `{"detail":"Authentication credentials were not provided."}` {
			t.Fatalf("API body %s", res.Body)
		}
		u2, _ := url.Parse(e.url + "/admin/")
		cookies := boss.client.Jar.Cookies(u2)
		req := e.browser()
		h := []string{}
		for _, c := range cookies {
			h = append(h, "Cookie", c.Name+"="+c.Value)
		}
		req.do("GET", "/api/projects/", nil, h...).expect(t, http.StatusUnauthorized, "")
	})
}

func TestSecurityHeaders(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		b, _ := e.staff("boss")
		for _, path := range []string{"/admin/login/", "/admin/", "/admin/tasks/", "/admin/users/new/", "/admin/log/", "/admin/tasks/99/"} {
			res := b.get(path)
			for name, want := range map[string]string{"Content-Security-Policy": wantCSP, "X-Frame-Options": "DENY",
				"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Referrer-Policy": "same-origin"} {
				if got := res.Header.Get(name); got != want {
					t.Errorf("%s: %s %q, want %q", path, name, got, want)
				}
			}
			if strings.Contains(res.Body, "<script") || strings.Contains(res.Body, " style=") || strings.Contains(res.Body, "<style") {
				t.Errorf("%s: inline script or style, which the CSP blocks", path)
			}
		}
	})
}

func TestLoginThrottleSharedWithAPI(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		u := e.user("boss", "superuser")
		for i := 0; i < 5; i++ {
			e.browser().login("boss", "wrong-password").expect(t, http.StatusOK, "")
		}
		res := e.browser().login("boss", passwordOf("boss"))
		res.expect(t, http.StatusTooManyRequests, "")
		if got := errorsIn(res.Body); len(got) != 1 || !strings.HasPrefix(got[0], "Too many failed logins. Try again in ") {
			t.Fatalf("errors %q", got)
		}
		// The API counts the panel's failures: its login is throttled too.
		c := &apiClient{e: e}
		status, body := c.call("POST", "/api/auth/login/", map[string]string{"username": u.Username, "password": passwordOf(u.Username)})
		if status != http.StatusTooManyRequests {
			t.Fatalf("API login after panel failures: %d %s", status, body)
		}
	})
}

func TestSecureCookiesBehindATLSProxy(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		e.user("boss", "superuser")
		b := e.browser()
		form := b.get("/admin/login/")
		token := csrfField.FindStringSubmatch(form.Body)[1]
		for _, c := range (&http.Response{Header: form.Header}).Cookies() {
			if !c.Secure {
				t.Fatalf("login cookie %+v is not Secure", c)
			}
		}
		// The jar keeps Secure cookies from plain HTTP, so the form is sent by hand.
		res := b.do("POST", "/admin/login/", strings.NewReader(url.Values{"csrf_token": {token}, "username": {"boss"},
			"password": {passwordOf("boss")}}.Encode()), "Content-Type", "application/x-www-form-urlencoded",
			"Cookie", "flowtrack_admin_login="+token)
		res.expect(t, http.StatusSeeOther, "/admin/")
		if c := sessionCookie(t, res); c == nil || !c.Secure || !c.HttpOnly {
			t.Fatalf("session cookie %+v", c)
		}
	}, func(c *admin.Config) { c.SecureCookies = true })
}

func TestTwoLoginPages(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		e.user("boss", "superuser")
		b := e.browser()
		first := csrfField.FindStringSubmatch(b.get("/admin/login/").Body)[1]
		b.get("/admin/login/") // a second tab
		b.post("/admin/login/", url.Values{"csrf_token": {first}, "username": {"boss"}, "password": {passwordOf("boss")}}).
			expect(t, http.StatusSeeOther, "/admin/")
	})
}

func TestStaticFilesOnly(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		b := e.browser()
		b.get("/admin/static/admin.css").expect(t, http.StatusOK, "")
		// No listing of the folder; anonymous, so it asks to log in like any page.
		if res := b.get("/admin/static/"); res.Status == http.StatusOK {
			t.Fatalf("the static folder is listed: %s", res.Body)
		}
	})
}
