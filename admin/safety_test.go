package admin_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/flowtrack/flowtrack"
)

func TestCSRFOnEveryChange(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		b, _ := e.staff("boss")
		other, _ := e.staff("other")
		f := newFixture(e)
		forms := map[string]url.Values{
			"/admin/logout/":                                nil,
			"/admin/users/new/":                             {"username": {"mallory"}, "email": {"m@example.com"}, "password": {"Tr1cky-Passphrase"}, "password2": {"Tr1cky-Passphrase"}},
			"/admin/users/" + id(f.alice.ID) + "/":          {"email": {"new@example.com"}, "is_active": {"on"}, "is_staff": {"on"}},
			"/admin/users/" + id(f.alice.ID) + "/password/": {"password": {"Tr1cky-Passphrase"}, "password2": {"Tr1cky-Passphrase"}},
			"/admin/users/" + id(f.alice.ID) + "/delete/":   nil,
			"/admin/projects/new/":                          {"owner": {id(f.bob.ID)}, "name": {"x"}},
			"/admin/projects/" + id(f.pa) + "/":             {"owner": {id(f.bob.ID)}, "name": {"x"}},
			"/admin/projects/" + id(f.pa) + "/delete/":      nil,
			"/admin/workflows/new/":                         {"project": {id(f.pa)}, "name": {"x"}, "status": {"active"}},
			"/admin/workflows/" + id(f.wa) + "/":            {"project": {id(f.pb)}, "name": {"x"}, "status": {"active"}},
			"/admin/workflows/" + id(f.wa) + "/delete/":     nil,
			"/admin/tasks/new/":                             {"workflow": {id(f.wa)}, "title": {"x"}, "status": {"todo"}, "priority": {"low"}},
			"/admin/tasks/" + id(f.t1) + "/":                {"workflow": {id(f.wb)}, "title": {"x"}, "status": {"todo"}, "priority": {"low"}},
			"/admin/tasks/" + id(f.t1) + "/delete/":         nil,
		}
		// other's token is valid, but for another session.
		for _, token := range []string{"", "forged", other.csrf, b.csrf + "x", strings.ToUpper(b.csrf)} {
			for path, form := range forms {
				sent := url.Values{"csrf_token": {token}}
				for k, v := range form {
					sent[k] = v
				}
				res := b.post(path, sent)
				if res.Status != http.StatusForbidden || !strings.Contains(res.Body, msgCSRF) {
					t.Fatalf("POST %s with token %q: %d", path, token, res.Status)
				}
			}
		}
		// Nothing changed, and the session lives.
		if n := len(e.logEntries()); n != 0 {
			t.Fatalf("%d log entries", n)
		}
		owns(t, f.ca, f.cb, "/api/tasks/"+id(f.t1)+"/", map[string]any{"title": "Sketch", "workflow": float64(f.wa)})
		owns(t, f.ca, f.cb, "/api/workflows/"+id(f.wa)+"/", map[string]any{"name": "Design"})
		b.get("/admin/").expect(t, http.StatusOK, "")
		// A form sent from another site has no token: same answer.
		b.do("POST", "/admin/tasks/"+id(f.t1)+"/delete/", nil, "Origin", "https://evil.example").expect(t, http.StatusForbidden, "")
		// GET never changes anything, whatever it carries.
		b.get("/admin/tasks/" + id(f.t1) + "/delete/?csrf_token=" + b.csrf)
		b.get("/admin/logout/").expect(t, http.StatusNotFound, "")
		owns(t, f.ca, f.cb, "/api/tasks/"+id(f.t1)+"/", nil)
	})
}

func TestEscaping(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		b, _ := e.staff("boss")
		u := e.user("eve")
		c := e.api(u)
		script := `<script>alert(1)</script>`
		attr := `"><img src=x onerror=alert(2)>`
		p := c.create("/api/projects/", map[string]any{"name": attr, "description": script})
		w := c.create("/api/workflows/", map[string]any{"project": p, "name": script})
		task := c.create("/api/tasks/", map[string]any{"workflow": w, "title": script, "description": attr})
		// A change in the panel puts the title in the flash and the log.
		b.post("/admin/tasks/"+id(task)+"/", url.Values{"workflow": {id(w)}, "title": {script + "!"}, "description": {attr},
			"status": {"todo"}, "priority": {"low"}, "due_date": {""}}).expect(t, http.StatusSeeOther, "")
		pages := []string{"/admin/tasks/" + id(task) + "/", "/admin/", "/admin/tasks/", "/admin/tasks/?q=" + url.QueryEscape(script),
			"/admin/projects/", "/admin/projects/" + id(p) + "/", "/admin/workflows/", "/admin/workflows/" + id(w) + "/",
			"/admin/tasks/" + id(task) + "/delete/", "/admin/projects/" + id(p) + "/delete/", "/admin/log/",
			"/admin/tasks/new/", "/admin/workflows/new/"}
		for _, path := range pages {
			res := b.get(path)
			res.expect(t, http.StatusOK, "")
			if strings.Contains(res.Body, "<script") || strings.Contains(res.Body, "<img") {
				t.Errorf("%s: markup from user data is not escaped", path)
			}
			if !strings.Contains(res.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") && !strings.Contains(res.Body, "&#34;&gt;&lt;img") {
				t.Errorf("%s: the escaped text is missing", path)
			}
		}
		// Escaped in a search box's value and in a login's username too.
		login := e.browser().login(attr, "x")
		if strings.Contains(login.Body, "<img") {
			t.Error("the login page does not escape the username")
		}
	})
}

func TestSuperuserOnlyRules(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		staff, me := e.staff("helper", "staff")
		e.user("boss", "superuser")
		boss, _ := e.store.UserByUsername(t.Context(), "boss")
		plain := e.user("plain")

		// Staff may edit plain users, but the staff flags they send are ignored.
		staff.post("/admin/users/"+id(plain.ID)+"/", url.Values{"email": {"p2@example.com"}, "is_active": {"on"},
			"is_staff": {"on"}, "is_superuser": {"on"}}).expect(t, http.StatusSeeOther, "")
		got, _ := e.store.UserGet(t.Context(), plain.ID)
		if got.Email != "p2@example.com" || got.IsStaff || got.IsSuperuser {
			t.Fatalf("staff changed flags: %+v", got)
		}
		// Nor can they raise themselves.
		staff.post("/admin/users/"+id(me.ID)+"/", url.Values{"email": {me.Email}, "is_active": {"on"}, "is_staff": {"on"},
			"is_superuser": {"on"}}).expect(t, http.StatusSeeOther, "")
		if got, _ := e.store.UserGet(t.Context(), me.ID); got.IsSuperuser {
			t.Fatal("staff made themselves superuser")
		}
		// A new user from staff is never staff.
		staff.post("/admin/users/new/", url.Values{"username": {"sneaky"}, "email": {"s@example.com"},
			"password": {"Tr1cky-Passphrase"}, "password2": {"Tr1cky-Passphrase"}, "is_active": {"on"},
			"is_staff": {"on"}, "is_superuser": {"on"}}).expect(t, http.StatusSeeOther, "")
		if sneaky, _ := e.store.UserByUsername(t.Context(), "sneaky"); sneaky.IsStaff || sneaky.IsSuperuser {
			t.Fatal("staff created a staff user")
		}
		// The form greys the flags out for them.
		form := staff.get("/admin/users/" + id(plain.ID) + "/")
		if !strings.Contains(form.Body, `name="is_superuser" disabled>`) {
			t.Fatalf("flags not disabled:\n%s", form.Body)
		}
		// Staff accounts are the superusers' to manage.
		for _, path := range []string{"/admin/users/" + id(boss.ID) + "/", "/admin/users/" + id(boss.ID) + "/password/",
			"/admin/users/" + id(boss.ID) + "/delete/"} {
			res := staff.post(path, url.Values{"email": {"x@example.com"}, "password": {"Tr1cky-Passphrase"}, "password2": {"Tr1cky-Passphrase"}})
			if res.Status != http.StatusForbidden || !strings.Contains(res.Body, "Only superusers can change staff accounts.") {
				t.Fatalf("%s: %d", path, res.Status)
			}
		}
		if got, _ := e.store.UserGet(t.Context(), boss.ID); got.Email != boss.Email || got.PasswordHash != boss.PasswordHash {
			t.Fatal("staff changed a superuser")
		}
		// A superuser keeps their own superuser status, so one always remains.
		bossPanel := e.browser()
		bossPanel.login("boss", passwordOf("boss")).expect(t, http.StatusSeeOther, "/admin/")
		res := bossPanel.post("/admin/users/"+id(boss.ID)+"/", url.Values{"email": {boss.Email}, "is_active": {"on"}, "is_staff": {"on"}})
		res.expect(t, http.StatusUnprocessableEntity, "")
		if got := res.formErrors(); len(got) != 1 || got[0] != "You cannot take away your own superuser status: ask another superuser." {
			t.Fatalf("errors %q", got)
		}
		// The rule holds on the stored user: a user promoted since the
		// form was read is not a staff member's to change.
		if err := e.store.UserUpdate(t.Context(), &flowtrack.User{ID: plain.ID, Email: "p2@example.com", IsActive: true, IsStaff: true}); err != nil {
			t.Fatal(err)
		}
		stale := *plain
		stale.Email, stale.IsStaff = "stale@example.com", false
		if err := e.store.AdminUserUpdate(t.Context(), me, &stale); !errors.Is(err, flowtrack.ErrManageStaff) {
			t.Fatalf("a stale edit of a new staff member: %v", err)
		}
		if err := e.store.AdminDelete(t.Context(), me, flowtrack.KindUser, plain.ID); !errors.Is(err, flowtrack.ErrManageStaff) {
			t.Fatalf("a stale delete of a new staff member: %v", err)
		}
		// Nobody deletes or locks out their own account.
		staff.post("/admin/users/"+id(me.ID)+"/delete/", nil).expect(t, http.StatusForbidden, "")
		res = staff.post("/admin/users/"+id(me.ID)+"/", url.Values{"email": {me.Email}})
		res.expect(t, http.StatusUnprocessableEntity, "")
		if got := res.formErrors(); len(got) != 1 || got[0] != "You cannot take away your own access to the panel." {
			t.Fatalf("errors %q", got)
		}
	})
}

func TestSetPasswordRevokesTokens(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		b, _ := e.staff("boss")
		alice := e.user("alice")
		c := e.api(alice)
		aliceStaff := e.user("alice2", "staff")
		panel := e.browser()
		panel.login("alice2", passwordOf("alice2")).expect(t, http.StatusSeeOther, "/admin/")

		b.post("/admin/users/"+id(alice.ID)+"/password/", url.Values{"password": {"  Brand-New-Secret1 "},
			"password2": {"Brand-New-Secret1"}}).expect(t, http.StatusSeeOther, "/admin/users/"+id(alice.ID)+"/")
		anon := &apiClient{e: e}
		if status, body := anon.call("POST", "/api/auth/refresh/", map[string]string{"refresh": c.refresh}); status != http.StatusUnauthorized {
			t.Fatalf("refresh after a new password: %d %s", status, body)
		}
		// The new password works on the API, trimmed as the API trims it.
		if status, _ := anon.call("POST", "/api/auth/login/", map[string]string{"username": "alice", "password": "Brand-New-Secret1"}); status != http.StatusOK {
			t.Fatalf("login with the new password: %d", status)
		}
		// A staff member's new password ends their panel sessions.
		b.post("/admin/users/"+id(aliceStaff.ID)+"/password/", url.Values{"password": {"Brand-New-Secret2"},
			"password2": {"Brand-New-Secret2"}}).expect(t, http.StatusSeeOther, "")
		panel.get("/admin/").expect(t, http.StatusSeeOther, "/admin/login/?next=%2Fadmin%2F")
		// No page shows a hash.
		for _, path := range []string{"/admin/users/", "/admin/users/" + id(alice.ID) + "/", "/admin/users/" + id(alice.ID) + "/password/", "/admin/log/"} {
			if strings.Contains(b.get(path).Body, "argon2") {
				t.Errorf("%s shows a password hash", path)
			}
		}
	})
}

func TestHostileRequests(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		b, _ := e.staff("boss")
		f := newFixture(e)
		for _, path := range []string{
			"/admin/tasks/abc/", "/admin/tasks/0/", "/admin/tasks/-1/", "/admin/tasks/99999999999999999999999/",
			"/admin/tasks/424242/", "/admin/users/424242/password/", "/admin/projects/1.5/delete/", "/admin/nothing/",
		} {
			res := b.get(path)
			if res.Status != http.StatusNotFound || !strings.Contains(res.Body, "There is nothing here") {
				t.Errorf("GET %s: %d", path, res.Status)
			}
		}
		for _, path := range []string{
			"/admin/tasks/?o=title;DROP%20TABLE%20tasks", "/admin/tasks/?owner=1%20OR%201=1", "/admin/tasks/?owner=99999999999999999999",
			"/admin/tasks/?q=%ff%fe%00", "/admin/tasks/?q=" + strings.Repeat("a%20", 3000), "/admin/tasks/?priority=x&status=y&overdue=2",
			"/admin/log/?object=-5&actor=abc&kind=%00", "/admin/users/?staff=maybe&o=password_hash", "/admin/tasks/?workflow=" + id(f.wb) + "&p=2",
		} {
			if res := b.get(path); res.Status != http.StatusOK {
				t.Errorf("GET %s: %d", path, res.Status)
			}
		}
		// Forms with broken encodings or values.
		b.do("POST", "/admin/tasks/new/", strings.NewReader("%zz"), "Content-Type", "application/x-www-form-urlencoded").
			expect(t, http.StatusBadRequest, "")
		form := url.Values{"csrf_token": {b.csrf}, "workflow": {strings.Repeat("9", 5000)}, "title": {"x"}, "status": {"todo"}, "priority": {"low"}}
		res := b.post("/admin/tasks/new/", form)
		if got := res.fieldErrors("workflow"); res.Status != http.StatusUnprocessableEntity || len(got) != 1 ||
			got[0] != `Invalid pk "`+strings.Repeat("9", 5000)+`" - object does not exist.` {
			t.Errorf("a 5,000-digit reference: %d %.80q", res.Status, got)
		}
		// Invalid UTF-8 is taken as the API takes it in JSON: as U+FFFD.
		form.Set("workflow", id(f.wa))
		form.Set("title", "\xff\xfeok")
		res = b.post("/admin/tasks/new/", form)
		res.expect(t, http.StatusSeeOther, "")
		if got := b.get(res.Header.Get("Location")).value("title"); got != "\uFFFDok" {
			t.Errorf("title %q", got)
		}
		// A search past the API's limits is refused with its message, not run.
		res = b.get("/admin/tasks/?q=" + strings.Repeat("a%20", 21))
		if got := errorsIn(res.Body); res.Status != http.StatusOK || len(got) != 1 || got[0] != "Search: Ensure this value has at most 20 terms." {
			t.Errorf("21 search terms: %d %q", res.Status, got)
		}
		// NUL characters in a login never reach the database.
		if got := errorsIn(e.browser().login("boss\x00", "x\x00").Body); len(got) != 1 || got[0] != msgBadLogin {
			t.Errorf("login with NUL: %q", got)
		}
		// A body past the limit is refused.
		big := "csrf_token=" + b.csrf + "&title=" + strings.Repeat("x", 300<<10)
		res = b.do("POST", "/admin/tasks/new/", strings.NewReader(big), "Content-Type", "application/x-www-form-urlencoded")
		if res.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("a 300 KiB form: %d", res.Status)
		}
		if n := len(e.logEntries()); n != 1 {
			t.Errorf("%d log entries after hostile requests, want the one create", n)
		}
	})
}
