package admin

import (
	"net/http"
	"strconv"

	"github.com/flowtrack/flowtrack"
)

// Messages of the user forms, as Django writes them where it has them.
const (
	msgPasswordMismatch = "The two password fields didn’t match."
	msgOwnAccess        = "You cannot take away your own access to the panel."
	msgOwnSuperuser     = "You cannot take away your own superuser status: ask another superuser."
)

// manageRefusal says why actor may not change target, if so.
func manageRefusal(actor, target *flowtrack.User) string {
	if actor.MayManage(target) {
		return ""
	}
	return flowtrack.ErrManageStaff.Error()
}

func (p *Panel) handleUserList(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.listHandler(users)(w, r, s)
}

func (p *Panel) handleLog(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.listHandler(actions)(w, r, s)
}

// flagFields are the checkboxes of a user; only superusers may change
// the last two.
var flagFields = []field{
	{name: "is_active", label: "Active", typ: "checkbox", help: "An inactive user can neither log in nor use a token."},
	{name: "is_staff", label: "Staff", typ: "checkbox", help: "Staff can log in to this panel."},
	{name: "is_superuser", label: "Superuser", typ: "checkbox", help: "Superusers can manage staff accounts."},
}

var passwordFields = []field{
	{name: "password", label: "Password", typ: "password", required: true},
	{name: "password2", label: "Password confirmation", typ: "password", required: true,
		help: "The same password again, for verification."},
}

// checkNewPassword applies the API's password rules and the confirmation,
// and returns the password trimmed as the API trims it, so that it works
// for logging in there.
func checkNewPassword(problems *flowtrack.Problems, values map[string]string, username, email string) string {
	pw := trimmed(values["password"])
	flowtrack.CheckPassword(problems, "password", pw, username, email)
	if pw != trimmed(values["password2"]) {
		problems.Add("password2", msgPasswordMismatch)
	}
	return pw
}

// trimmed is a form value trimmed as the API trims its string fields.
func trimmed(s string) string {
	clean, _ := flowtrack.CheckString(s, true, 0)
	return clean
}

// checked reads a checkbox.
func checked(values map[string]string, name string) bool { return values[name] == "on" }

// handleUserNew creates a user with a password.
func (p *Panel) handleUserNew(w http.ResponseWriter, r *http.Request, s *session) error {
	fields := append(append([]field{
		{name: "username", label: "Username", typ: "text", required: true,
			help: "150 characters or fewer. Letters, digits and @/./+/-/_ only."},
		{name: "email", label: "Email address", typ: "email", required: true},
	}, passwordFields...), flagFields...)
	values := map[string]string{"is_active": "on"}
	var problems error
	if r.Method == http.MethodPost {
		for _, f := range fields {
			values[f.name] = r.PostForm.Get(f.name)
		}
		if !s.user.IsSuperuser {
			values["is_staff"], values["is_superuser"] = "", ""
		}
		var pr flowtrack.Problems
		u := &flowtrack.User{IsActive: checked(values, "is_active"), IsStaff: checked(values, "is_staff"),
			IsSuperuser: checked(values, "is_superuser"), DateJoined: flowtrack.Now()}
		u.Username = flowtrack.CheckUsername(&pr, values["username"])
		u.Email = flowtrack.CheckEmail(&pr, "email", values["email"])
		pw := checkNewPassword(&pr, values, u.Username, u.Email)
		if !pr.Has("username") {
			// Reported with the other problems, as the API does; the unique
			// index still settles a race.
			taken, err := p.store.UsernameTaken(r.Context(), u.Username)
			if err != nil {
				return err
			}
			if taken {
				pr.Add("username", flowtrack.MsgUsernameTaken)
			}
		}
		problems = pr.Err()
		if problems == nil {
			hash, err := p.hasher.Hash(r.Context(), pw)
			if err != nil {
				return err
			}
			u.PasswordHash = hash
			if err := p.store.AdminUserCreate(r.Context(), s.user, u); err != nil {
				if !isInvalid(err) {
					return err
				}
				problems = err
			} else {
				return p.done(w, r, s, "/admin/users/"+strconv.FormatInt(u.ID, 10)+"/",
					"The user “"+u.Username+"” was added.")
			}
		}
	}
	values["password"], values["password2"] = "", "" // never sent back
	v, err := p.formView(r.Context(), fields, values, problems)
	if err != nil {
		return err
	}
	disableFlags(v, s.user)
	v.Title, v.Submit, v.Action = "Add user", "Save", "/admin/users/new/"
	return p.render(w, r, s, statusOf(problems), "form", v.Title, v)
}

// pathUser is the user of the path's {id}.
func (p *Panel) pathUser(r *http.Request) (*flowtrack.User, error) {
	id, err := idOf(r, "User")
	if err != nil {
		return nil, err
	}
	return p.store.UserGet(r.Context(), id)
}

// handleUserEdit changes a user's email and flags.
func (p *Panel) handleUserEdit(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	target, err := p.pathUser(r)
	if err != nil {
		return err
	}
	id := target.ID
	fields := append([]field{{name: "email", label: "Email address", typ: "email", required: true}}, flagFields...)
	values := map[string]string{"email": target.Email, "is_active": on(target.IsActive),
		"is_staff": on(target.IsStaff), "is_superuser": on(target.IsSuperuser)}
	var problems error
	if r.Method == http.MethodPost {
		if refusal := manageRefusal(s.user, target); refusal != "" {
			return errForbidden(refusal)
		}
		for _, f := range fields {
			values[f.name] = r.PostForm.Get(f.name)
		}
		if !s.user.IsSuperuser {
			// The flags are greyed out for them: keep the user's.
			values["is_staff"], values["is_superuser"] = on(target.IsStaff), on(target.IsSuperuser)
		}
		var pr flowtrack.Problems
		u := *target
		u.Email = flowtrack.CheckEmail(&pr, "email", values["email"])
		u.IsActive, u.IsStaff, u.IsSuperuser = checked(values, "is_active"), checked(values, "is_staff"), checked(values, "is_superuser")
		if id == s.user.ID && (!u.IsActive || !u.IsStaff) {
			pr.Add(flowtrack.NonFieldErrors, msgOwnAccess)
		}
		if id == s.user.ID && s.user.IsSuperuser && !u.IsSuperuser {
			// So that the last superuser cannot leave none.
			pr.Add(flowtrack.NonFieldErrors, msgOwnSuperuser)
		}
		if problems = pr.Err(); problems == nil {
			if err := p.store.AdminUserUpdate(ctx, s.user, &u); err != nil {
				return err
			}
			return p.done(w, r, s, "/admin/users/"+strconv.FormatInt(id, 10)+"/",
				"The user “"+target.Username+"” was changed.")
		}
	}
	v, err := p.formView(ctx, fields, values, problems)
	if err != nil {
		return err
	}
	disableFlags(v, s.user)
	v.Title, v.Submit = "Change user “"+target.Username+"”", "Save"
	v.Action = "/admin/users/" + strconv.FormatInt(id, 10) + "/"
	v.DeleteURL = v.Action + "delete/"
	v.Links = []cell{{Text: "Set a new password", URL: v.Action + "password/"},
		{Text: "Projects of this user", URL: filtered(projects, "owner", id)},
		{Text: "Tasks of this user", URL: filtered(tasks, "owner", id)},
		{Text: "History", URL: "/admin/log/?kind=user&object=" + strconv.FormatInt(id, 10)}}
	return p.render(w, r, s, statusOf(problems), "form", v.Title, v)
}

// handleUserPassword sets a new password and revokes the user's refresh
// tokens and panel sessions.
func (p *Panel) handleUserPassword(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	target, err := p.pathUser(r)
	if err != nil {
		return err
	}
	id := target.ID
	values := map[string]string{}
	var problems error
	if r.Method == http.MethodPost {
		if refusal := manageRefusal(s.user, target); refusal != "" {
			return errForbidden(refusal)
		}
		values["password"], values["password2"] = r.PostForm.Get("password"), r.PostForm.Get("password2")
		var pr flowtrack.Problems
		pw := checkNewPassword(&pr, values, target.Username, target.Email)
		if problems = pr.Err(); problems == nil {
			hash, err := p.hasher.Hash(ctx, pw)
			if err != nil {
				return err
			}
			if err := p.store.AdminUserSetPassword(ctx, s.user, id, hash); err != nil {
				return err
			}
			if id == s.user.ID {
				// Setting one's own password ends one's own sessions too.
				http.Redirect(w, r, "/admin/login/", http.StatusSeeOther)
				return nil
			}
			return p.done(w, r, s, "/admin/users/"+strconv.FormatInt(id, 10)+"/",
				"The password of “"+target.Username+"” was changed; their refresh tokens and sessions were revoked.")
		}
	}
	values["password"], values["password2"] = "", ""
	v, err := p.formView(ctx, passwordFields, values, problems)
	if err != nil {
		return err
	}
	v.Title, v.Submit = "Set the password of “"+target.Username+"”", "Change password"
	v.Action = "/admin/users/" + strconv.FormatInt(id, 10) + "/password/"
	return p.render(w, r, s, statusOf(problems), "form", v.Title, v)
}

// disableFlags greys out the flags that only superusers may change; the
// handlers ignore them from anyone else.
func disableFlags(v *formView, actor *flowtrack.User) {
	if actor.IsSuperuser {
		return
	}
	for i := range v.Fields {
		if v.Fields[i].Name == "is_staff" || v.Fields[i].Name == "is_superuser" {
			v.Fields[i].Disabled = true
		}
	}
}

func on(b bool) string {
	if b {
		return "on"
	}
	return ""
}

func isInvalid(err error) bool {
	_, ok := err.(*flowtrack.ValidationError)
	return ok
}

// statusOf is 422 for a form sent back with problems.
func statusOf(problems error) int {
	if problems != nil {
		return http.StatusUnprocessableEntity
	}
	return http.StatusOK
}
