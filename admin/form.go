package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/flowtrack/flowtrack"
)

// field is an input of a form.
type field struct {
	name, label string
	typ         string // text, textarea, select, date, email, password, checkbox
	required    bool
	help        string
	options     func(ctx context.Context, p *Panel) ([]option, error)
}

// form is the create and edit form of a kind. Values travel as the
// strings of the HTML form; save checks them with the API's rules.
type form struct {
	fields []field
	// defaults are the values of a new object, with those of a link
	// ("add a task to this workflow").
	defaults map[string]string
	// load returns an object's values and name.
	load func(ctx context.Context, p *Panel, id int64) (map[string]string, string, error)
	// save creates (id 0) or changes an object and returns its id and name.
	save func(ctx context.Context, p *Panel, actor *flowtrack.User, id int64, values map[string]string) (int64, string, error)
	// related links an object's children.
	related func(id int64) []cell
}

// formView is what form.html shows.
type formView struct {
	Title     string
	Action    string
	Submit    string
	Fields    []fieldView
	Errors    []string
	DeleteURL string
	Links     []cell
}

type fieldView struct {
	Name, Label, Type, Value, Help string
	Required, Checked, Disabled    bool
	Options                        []option
	Errors                         []string
}

// formHandler serves a kind's create (new/) and edit ({id}/) pages.
func (p *Panel) formHandler(k *kind) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, s *session) error {
		ctx := r.Context()
		var id int64
		title := "Add " + k.noun
		values := map[string]string{}
		if r.PathValue("id") != "" {
			var err error
			if id, err = idOf(r, strings.ToUpper(k.noun[:1])+k.noun[1:]); err != nil {
				return err
			}
			var name string
			if values, name, err = k.form.load(ctx, p, id); err != nil {
				return err
			}
			title = "Change " + k.noun + " “" + name + "”"
		} else {
			for n, v := range k.form.defaults {
				values[n] = v
			}
			for _, f := range k.form.fields {
				if v := r.URL.Query().Get(f.name); v != "" && f.typ == "select" {
					values[f.name] = v
				}
			}
		}
		var problems error
		if r.Method == http.MethodPost {
			for _, f := range k.form.fields {
				values[f.name] = r.PostForm.Get(f.name)
			}
			newID, name, err := k.form.save(ctx, p, s.user, id, values)
			var invalid *flowtrack.ValidationError
			switch {
			case errors.As(err, &invalid):
				problems = invalid
			case err != nil:
				return err
			default:
				verb := "added"
				if id != 0 {
					verb = "changed"
				}
				msg := fmt.Sprintf("The %s “%s” was %s.", k.noun, name, verb)
				return p.done(w, r, s, "/admin/"+k.path+"/"+strconv.FormatInt(newID, 10)+"/", msg)
			}
		}
		v, err := p.formView(ctx, k.form.fields, values, problems)
		if err != nil {
			return err
		}
		v.Title, v.Submit = title, "Save"
		if id != 0 {
			v.Action = "/admin/" + k.path + "/" + strconv.FormatInt(id, 10) + "/"
			v.DeleteURL = v.Action + "delete/"
			if k.form.related != nil {
				v.Links = k.form.related(id)
			}
		} else {
			v.Action = "/admin/" + k.path + "/new/"
		}
		status := http.StatusOK
		if problems != nil {
			status = http.StatusUnprocessableEntity
		}
		return p.render(w, r, s, status, "form", title, v)
	}
}

// formView builds the fields of a form with their values and messages.
func (p *Panel) formView(ctx context.Context, fields []field, values map[string]string, problems error) (*formView, error) {
	v := &formView{}
	var invalid *flowtrack.ValidationError
	errors.As(problems, &invalid)
	for _, f := range fields {
		fv := fieldView{Name: f.name, Label: f.label, Type: f.typ, Value: values[f.name], Help: f.help, Required: f.required}
		fv.Checked = f.typ == "checkbox" && values[f.name] == "on"
		if f.options != nil {
			opts, err := f.options(ctx, p)
			if err != nil {
				return nil, err
			}
			found := false
			for _, o := range opts {
				o.Selected = o.Value == fv.Value
				found = found || o.Selected
				fv.Options = append(fv.Options, o)
			}
			if !found && fv.Value != "" {
				// The current reference may lie beyond the first choices.
				fv.Options = append(fv.Options, option{Value: fv.Value, Label: "#" + fv.Value, Selected: true})
			}
		}
		if invalid != nil {
			fv.Errors = invalid.Messages(f.name)
		}
		v.Fields = append(v.Fields, fv)
	}
	if invalid != nil {
		v.Errors = invalid.Messages(flowtrack.NonFieldErrors)
	}
	return v, nil
}

// text returns a form value as a set input.
func text(values map[string]string, name string) flowtrack.Opt[string] {
	return flowtrack.Some(values[name])
}

// reference reads a required reference field with the API's messages.
func reference(p *flowtrack.Problems, values map[string]string, name string) flowtrack.Opt[int64] {
	if strings.TrimSpace(values[name]) == "" {
		p.Add(name, flowtrack.MsgRequired)
		return flowtrack.Opt[int64]{}
	}
	return flowtrack.ParseRef(p, name, values[name])
}

// exists records a reference to a missing object, as the API reports it:
// with the other problems, not after them.
func exists(ctx context.Context, p *flowtrack.Problems, name string, ref flowtrack.Opt[int64], get func(context.Context, int64) error) error {
	if !ref.Set {
		return nil
	}
	err := get(ctx, ref.Value)
	if errors.Is(err, flowtrack.ErrNotFound) {
		p.Add(name, flowtrack.MsgInvalidPK(strconv.FormatInt(ref.Value, 10)))
		return nil
	}
	return err
}

var projectForm = &form{
	fields: []field{
		{name: "owner", label: "Owner", typ: "select", required: true, options: ownerChoices,
			help: "A new owner takes the project's workflows and tasks along."},
		{name: "name", label: "Name", typ: "text", required: true},
		{name: "description", label: "Description", typ: "textarea"},
	},
	load: func(ctx context.Context, p *Panel, id int64) (map[string]string, string, error) {
		pr, err := p.store.AdminProjectGet(ctx, id)
		if err != nil {
			return nil, "", err
		}
		return map[string]string{"owner": strconv.FormatInt(pr.OwnerID, 10), "name": pr.Name,
			"description": pr.Description}, pr.Name, nil
	},
	save: func(ctx context.Context, p *Panel, actor *flowtrack.User, id int64, values map[string]string) (int64, string, error) {
		var problems flowtrack.Problems
		owner := reference(&problems, values, "owner")
		if err := exists(ctx, &problems, "owner", owner, func(ctx context.Context, id int64) error {
			_, err := p.store.UserGet(ctx, id)
			return err
		}); err != nil {
			return 0, "", err
		}
		in := flowtrack.ProjectInput{Name: text(values, "name"), Description: text(values, "description")}
		in.Check(&problems, true)
		if err := problems.Err(); err != nil {
			return 0, "", err
		}
		pr, err := p.store.AdminProjectSave(ctx, actor, id, owner.Value, in)
		if err != nil {
			return 0, "", err
		}
		return pr.ID, pr.Name, nil
	},
	related: func(id int64) []cell {
		return []cell{{Text: "Workflows of this project", URL: filtered(workflows, "project", id)},
			{Text: "Tasks of this project", URL: filtered(tasks, "project", id)},
			{Text: "Add a workflow", URL: "/admin/workflows/new/?project=" + strconv.FormatInt(id, 10)},
			{Text: "History", URL: "/admin/log/?kind=project&object=" + strconv.FormatInt(id, 10)}}
	},
}

var workflowForm = &form{
	fields: []field{
		{name: "project", label: "Project", typ: "select", required: true, options: projectChoices,
			help: "Moving a workflow to another user's project takes its tasks to that user."},
		{name: "name", label: "Name", typ: "text", required: true},
		{name: "status", label: "Status", typ: "select", required: true, options: choices(flowtrack.WorkflowStatuses...)},
	},
	defaults: map[string]string{"status": flowtrack.WorkflowStatuses[0]},
	load: func(ctx context.Context, p *Panel, id int64) (map[string]string, string, error) {
		w, err := p.store.AdminWorkflowGet(ctx, id)
		if err != nil {
			return nil, "", err
		}
		return map[string]string{"project": strconv.FormatInt(w.ProjectID, 10), "name": w.Name, "status": w.Status}, w.Name, nil
	},
	save: func(ctx context.Context, p *Panel, actor *flowtrack.User, id int64, values map[string]string) (int64, string, error) {
		var problems flowtrack.Problems
		in := flowtrack.WorkflowInput{ProjectID: reference(&problems, values, "project"),
			Name: text(values, "name"), Status: text(values, "status")}
		if err := exists(ctx, &problems, "project", in.ProjectID, func(ctx context.Context, id int64) error {
			_, err := p.store.AdminProjectGet(ctx, id)
			return err
		}); err != nil {
			return 0, "", err
		}
		in.Check(&problems, true)
		if err := problems.Err(); err != nil {
			return 0, "", err
		}
		w, err := p.store.AdminWorkflowSave(ctx, actor, id, in)
		if err != nil {
			return 0, "", err
		}
		return w.ID, w.Name, nil
	},
	related: func(id int64) []cell {
		return []cell{{Text: "Tasks of this workflow", URL: filtered(tasks, "workflow", id)},
			{Text: "Add a task", URL: "/admin/tasks/new/?workflow=" + strconv.FormatInt(id, 10)},
			{Text: "History", URL: "/admin/log/?kind=workflow&object=" + strconv.FormatInt(id, 10)}}
	},
}

var taskForm = &form{
	fields: []field{
		{name: "workflow", label: "Workflow", typ: "select", required: true, options: workflowChoices,
			help: "Moving a task to another user's workflow gives it to that user."},
		{name: "title", label: "Title", typ: "text", required: true},
		{name: "description", label: "Description", typ: "textarea"},
		{name: "status", label: "Status", typ: "select", required: true, options: choices(flowtrack.TaskStatuses...)},
		{name: "priority", label: "Priority", typ: "select", required: true, options: choices(flowtrack.TaskPriorities...)},
		{name: "due_date", label: "Due date", typ: "date", help: "Leave empty for no due date."},
	},
	defaults: map[string]string{"status": flowtrack.TaskStatuses[0], "priority": flowtrack.TaskDefaultPriority},
	load: func(ctx context.Context, p *Panel, id int64) (map[string]string, string, error) {
		t, err := p.store.AdminTaskGet(ctx, id)
		if err != nil {
			return nil, "", err
		}
		due := ""
		if t.DueDate != nil {
			due = string(*t.DueDate)
		}
		return map[string]string{"workflow": strconv.FormatInt(t.WorkflowID, 10), "title": t.Title,
			"description": t.Description, "status": t.Status, "priority": t.Priority, "due_date": due}, t.Title, nil
	},
	save: func(ctx context.Context, p *Panel, actor *flowtrack.User, id int64, values map[string]string) (int64, string, error) {
		var problems flowtrack.Problems
		in := flowtrack.TaskInput{WorkflowID: reference(&problems, values, "workflow"),
			Title: text(values, "title"), Description: text(values, "description"),
			Status: text(values, "status"), Priority: text(values, "priority")}
		if err := exists(ctx, &problems, "workflow", in.WorkflowID, func(ctx context.Context, id int64) error {
			_, err := p.store.AdminWorkflowGet(ctx, id)
			return err
		}); err != nil {
			return 0, "", err
		}
		in.DueDate = flowtrack.Some[*flowtrack.Date](nil)
		if raw := strings.TrimSpace(values["due_date"]); raw != "" {
			if d, ok := flowtrack.ParseDate(raw); ok {
				in.DueDate = flowtrack.Some(&d)
			} else {
				problems.Add("due_date", flowtrack.MsgDate)
			}
		}
		in.Check(&problems, true)
		if err := problems.Err(); err != nil {
			return 0, "", err
		}
		t, err := p.store.AdminTaskSave(ctx, actor, id, in)
		if err != nil {
			return 0, "", err
		}
		return t.ID, t.Title, nil
	},
	related: func(id int64) []cell {
		return []cell{{Text: "History", URL: "/admin/log/?kind=task&object=" + strconv.FormatInt(id, 10)}}
	},
}

// deleteView is what delete.html shows.
type deleteView struct {
	Noun, Name, Action, CancelURL string
	Impact                        *flowtrack.Impact
	Refusal                       string
}

// deleteHandler asks to confirm a delete, listing what goes with the
// object, and deletes on the confirmation's POST.
func (p *Panel) deleteHandler(k *kind) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, s *session) error {
		ctx := r.Context()
		id, err := idOf(r, k.noun)
		if err != nil {
			return err
		}
		name, err := k.label(ctx, p, id)
		if err != nil {
			return err
		}
		refusal, err := p.deleteRefusal(ctx, s, k, id)
		if err != nil {
			return err
		}
		if r.Method == http.MethodPost && refusal == "" {
			if err := p.store.AdminDelete(ctx, s.user, k.name, id); err != nil {
				return err
			}
			return p.done(w, r, s, "/admin/"+k.path+"/", fmt.Sprintf("The %s “%s” was deleted.", k.noun, name))
		}
		im, err := p.store.AdminImpact(ctx, k.name, id)
		if err != nil {
			return err
		}
		base := "/admin/" + k.path + "/" + strconv.FormatInt(id, 10) + "/"
		v := &deleteView{Noun: k.noun, Name: name, Action: base + "delete/", CancelURL: base, Impact: im, Refusal: refusal}
		status := http.StatusOK
		if refusal != "" {
			status = http.StatusForbidden
		}
		return p.render(w, r, s, status, "delete", "Delete "+k.noun+" “"+name+"”", v)
	}
}

// deleteRefusal says why the staff member may not delete the object, if so.
func (p *Panel) deleteRefusal(ctx context.Context, s *session, k *kind, id int64) (string, error) {
	if k != users {
		return "", nil
	}
	if id == s.user.ID {
		return "You cannot delete your own account.", nil
	}
	target, err := p.store.UserGet(ctx, id)
	if err != nil {
		return "", err
	}
	return manageRefusal(s.user, target), nil
}
