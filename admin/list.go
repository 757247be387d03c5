package admin

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/flowtrack/flowtrack"
)

// pageSize is the rows of a list page.
const pageSize = 50

// maxPage bounds a page number read from a link.
const maxPage = 1 << 30 / pageSize

// maxChoices bounds the options of a select of users, projects or
// workflows; a value beyond them can still be chosen from a row's link.
const maxChoices = 500

// column is a list column; order is the key it sorts by, if any.
type column struct {
	label, order string
}

// cell is a value in a list, linked when url is set.
type cell struct {
	Text, URL string
	Short     bool // kept on one line
}

// option is a choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

// filter is a list filter and the select's choices. A filter without
// choices takes an id from a link and is kept as a hidden field.
type filter struct {
	name, label string
	options     func(ctx context.Context, p *Panel) ([]option, error)
}

// kind is one of the lists of the panel.
type kind struct {
	path, name  string // URL segment and action-log kind
	title, noun string // "Tasks", "task"
	search      string // what the search box looks in
	columns     []column
	filters     []filter
	// list returns the rows of a page and the total count.
	list func(ctx context.Context, p *Panel, q flowtrack.AdminQuery) ([][]cell, int, error)
	// label names one object, for the delete page; its NotFound is a 404.
	label func(ctx context.Context, p *Panel, id int64) (string, error)
	// form, when set, is the create and edit form of the kind.
	form *form
}

// listView is what list.html shows.
type listView struct {
	Title, Noun string
	NewURL      string
	Search      string
	SearchHelp  string
	Error       string // a search past the limits, not applied
	Order       string
	Filters     []filterView
	Columns     []columnView
	Rows        [][]cell
	Total, Page int
	Pages       int
	PrevURL     string
	NextURL     string
	ClearURL    string
}

type filterView struct {
	Name, Label string
	Options     []option
	Hidden      string // the value of a filter without choices
}

type columnView struct {
	Label, URL, Arrow string
}

// listHandler serves a kind's list with search, filters, ordering by
// column and pagination.
func (p *Panel) listHandler(k *kind) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, s *session) error {
		ctx := r.Context()
		query := r.URL.Query()
		v := &listView{Title: k.title, Noun: k.noun, Search: query.Get("q"), SearchHelp: k.search, Order: query.Get("o")}
		if k.form != nil || k == users {
			v.NewURL = "/admin/" + k.path + "/new/"
		}
		q := flowtrack.AdminQuery{Search: v.Search, Filters: map[string]string{}, Limit: pageSize, Today: today()}
		if _, msg := flowtrack.ParseSearch(v.Search); msg != "" {
			v.Error, q.Search = "Search: "+msg, ""
		}
		for _, f := range k.filters {
			value := query.Get(f.name)
			fv := filterView{Name: f.name, Label: f.label}
			if f.options == nil {
				if isID(f, value) {
					q.Filters[f.name], fv.Hidden = value, value
					v.Filters = append(v.Filters, fv)
				}
				continue
			}
			opts, err := f.options(ctx, p)
			if err != nil {
				return err
			}
			found := false
			for _, o := range opts {
				o.Selected = value != "" && o.Value == value
				found = found || o.Selected
				fv.Options = append(fv.Options, o)
			}
			if !found && value != "" && isID(f, value) {
				// A reference beyond the select's first choices, from a link.
				fv.Options = append(fv.Options, option{Value: value, Label: "#" + value, Selected: true})
				found = true
			}
			if found {
				q.Filters[f.name] = value
			}
			v.Filters = append(v.Filters, fv)
		}
		for _, c := range k.columns {
			if c.order != "" && (v.Order == c.order || v.Order == "-"+c.order) {
				q.Order = v.Order
			}
		}
		v.Page = 1
		if n, err := strconv.Atoi(query.Get("p")); err == nil && n > 1 {
			v.Page = min(n, maxPage) // an offset past any table, that cannot overflow
		}
		q.Offset = (v.Page - 1) * pageSize
		rows, total, err := k.list(ctx, p, q)
		if err != nil {
			return err
		}
		v.Rows, v.Total = rows, total
		v.Pages = max(1, (total+pageSize-1)/pageSize)
		if v.Page > v.Pages {
			// Past the end (rows were deleted): show the last page.
			v.Page = v.Pages
			q.Offset = (v.Page - 1) * pageSize
			if v.Rows, v.Total, err = k.list(ctx, p, q); err != nil {
				return err
			}
		}
		base := url.Values{}
		if v.Search != "" {
			base.Set("q", v.Search)
		}
		for name, value := range q.Filters {
			base.Set(name, value)
		}
		for _, c := range k.columns {
			cv := columnView{Label: c.label}
			if c.order != "" {
				next := c.order
				switch q.Order {
				case c.order:
					cv.Arrow, next = "▲", "-"+c.order
				case "-" + c.order:
					cv.Arrow = "▼"
				}
				cv.URL = link(k, base, "o", next)
			}
			v.Columns = append(v.Columns, cv)
		}
		if q.Order != "" {
			base.Set("o", q.Order)
		}
		if v.Page > 1 {
			v.PrevURL = link(k, base, "p", strconv.Itoa(v.Page-1))
		}
		if v.Page < v.Pages {
			v.NextURL = link(k, base, "p", strconv.Itoa(v.Page+1))
		}
		if len(base) > 0 {
			v.ClearURL = "/admin/" + k.path + "/"
		}
		return p.render(w, r, s, http.StatusOK, "list", k.title, v)
	}
}

// link is the list's URL with base's parameters and one more.
func link(k *kind, base url.Values, name, value string) string {
	q := url.Values{}
	for n, vs := range base {
		q[n] = slices.Clone(vs)
	}
	q.Set(name, value)
	return "/admin/" + k.path + "/?" + q.Encode()
}

// isID tells whether a filter takes ids and value is one.
func isID(f filter, value string) bool {
	switch f.name {
	case "owner", "project", "workflow", "actor", "object":
		n, err := strconv.ParseInt(value, 10, 64)
		return err == nil && n > 0
	}
	return false
}

// choices turns fixed values into options.
func choices(values ...string) func(context.Context, *Panel) ([]option, error) {
	return func(context.Context, *Panel) ([]option, error) {
		opts := make([]option, len(values))
		for i, v := range values {
			opts[i] = option{Value: v, Label: v}
		}
		return opts, nil
	}
}

// yesNo are the options of a flag filter.
func yesNo(context.Context, *Panel) ([]option, error) {
	return []option{{Value: "1", Label: "Yes"}, {Value: "0", Label: "No"}}, nil
}

// today is the date that "overdue" is measured against: UTC, as the API's.
func today() flowtrack.Date {
	return flowtrack.Date(flowtrack.Now().Format("2006-01-02"))
}

// idOf reads the {id} of a path.
func idOf(r *http.Request, resource string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, flowtrack.NotFound(resource)
	}
	return id, nil
}

// ownerChoices are the users, by username.
func ownerChoices(ctx context.Context, p *Panel) ([]option, error) {
	list, _, err := p.store.AdminUserList(ctx, flowtrack.AdminQuery{Order: "username", Limit: maxChoices, NoCount: true})
	if err != nil {
		return nil, err
	}
	opts := make([]option, len(list))
	for i, u := range list {
		opts[i] = option{Value: strconv.FormatInt(u.ID, 10), Label: u.Username}
	}
	return opts, nil
}

// projectChoices are the projects, by name, with their owners.
func projectChoices(ctx context.Context, p *Panel) ([]option, error) {
	list, _, err := p.store.AdminProjectList(ctx, flowtrack.AdminQuery{Order: "name", Limit: maxChoices, NoCount: true})
	if err != nil {
		return nil, err
	}
	opts := make([]option, len(list))
	for i, pr := range list {
		opts[i] = option{Value: strconv.FormatInt(pr.ID, 10), Label: pr.Name + " — " + pr.Owner}
	}
	return opts, nil
}

// workflowChoices are the workflows, by name, with their projects and owners.
func workflowChoices(ctx context.Context, p *Panel) ([]option, error) {
	list, _, err := p.store.AdminWorkflowList(ctx, flowtrack.AdminQuery{Order: "name", Limit: maxChoices, NoCount: true})
	if err != nil {
		return nil, err
	}
	opts := make([]option, len(list))
	for i, w := range list {
		opts[i] = option{Value: strconv.FormatInt(w.ID, 10), Label: w.Name + " — " + w.Project + " — " + w.Owner}
	}
	return opts, nil
}
