package api

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowtrack/flowtrack"
)

// listParams describes the query parameters of one collection, as its
// django-filter FilterSet and DRF filter backends would.
type listParams struct {
	filters  []filterParam // in the FilterSet's order, for the order of errors
	ordering []string      // the fields `ordering` may name
}

// filterParam reads one filter parameter into f; msg is the problem with
// an invalid value.
type filterParam struct {
	name  string
	parse func(r *request, value string, f *flowtrack.Filter) (msg string, err error)
}

const msgChoiceRef = "Select a valid choice. That choice is not one of the available choices."

func msgChoiceValue(v string) string {
	return "Select a valid choice. " + v + " is not one of the available choices."
}

// readListQuery reads filters, search and ordering; every invalid filter
// is reported in one 400. The page parameters are read elsewhere.
func (lp *listParams) readListQuery(r *request, q url.Values) (flowtrack.ListQuery, error) {
	var lq flowtrack.ListQuery
	lq.Filter.Today = today()
	var p flowtrack.Problems
	for _, fp := range lp.filters {
		v := lastValue(q, fp.name)
		if v == "" {
			continue // as django-filter: an empty value does not filter
		}
		msg, err := fp.parse(r, v, &lq.Filter)
		if err != nil {
			return lq, err
		}
		if msg != "" {
			p.Add(fp.name, msg)
		}
	}
	terms, msg := flowtrack.ParseSearch(lastValue(q, "search"))
	if msg != "" {
		p.Add("search", msg)
	}
	lq.Search = terms
	if err := p.Err(); err != nil {
		return lq, err
	}
	lq.Order = lp.readOrdering(lastValue(q, "ordering"))
	return lq, nil
}

// today is the current date in UTC, which overdue compares due dates with.
func today() flowtrack.Date {
	return flowtrack.Date(time.Now().UTC().Format(time.DateOnly))
}

// readOrdering keeps the known fields of an ordering parameter, as DRF's
// OrderingFilter drops the others; a field named twice counts once.
func (lp *listParams) readOrdering(v string) []flowtrack.OrderBy {
	var order []flowtrack.OrderBy
	seen := map[string]bool{}
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		field := strings.TrimPrefix(part, "-")
		if seen[field] || !slices.Contains(lp.ordering, field) {
			continue
		}
		seen[field] = true
		order = append(order, flowtrack.OrderBy{Field: field, Desc: strings.HasPrefix(part, "-")})
	}
	return order
}

// orderingString is the canonical text of an order, bound into cursors.
func orderingString(order []flowtrack.OrderBy) string {
	parts := make([]string, len(order))
	for i, o := range order {
		parts[i] = o.Field
		if o.Desc {
			parts[i] = "-" + o.Field
		}
	}
	return strings.Join(parts, ",")
}

// refFilter filters by one of the caller's projects or workflows; another
// user's id is the same 400 as a missing one.
func refFilter(get func(flowtrack.Scope, *request, int64) error, set func(*flowtrack.Filter, int64)) func(*request, string, *flowtrack.Filter) (string, error) {
	return func(r *request, v string, f *flowtrack.Filter) (string, error) {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || id <= 0 {
			return msgChoiceRef, nil
		}
		if err := get(r.data, r, id); err != nil {
			if errors.Is(err, flowtrack.ErrNotFound) {
				return msgChoiceRef, nil
			}
			return "", err
		}
		set(f, id)
		return "", nil
	}
}

var projectFilter = filterParam{"project", refFilter(
	func(sc flowtrack.Scope, r *request, id int64) error {
		_, err := sc.ProjectGet(r.Context(), id)
		return err
	},
	func(f *flowtrack.Filter, id int64) { f.Project = &id })}

var workflowFilter = filterParam{"workflow", refFilter(
	func(sc flowtrack.Scope, r *request, id int64) error {
		_, err := sc.WorkflowGet(r.Context(), id)
		return err
	},
	func(f *flowtrack.Filter, id int64) { f.Workflow = &id })}

// choiceFilter filters by one value (name) or a comma-separated list
// (name__in) of choices; both narrow the same set.
func choiceFilter(name string, choices []string, in bool, set func(*flowtrack.Filter) *flowtrack.Set) filterParam {
	return filterParam{name, func(_ *request, v string, f *flowtrack.Filter) (string, error) {
		items := []string{v}
		if in {
			items = strings.Split(v, ",")
		}
		// The set holds each choice once, however often it was named, so
		// the SQL has at most one placeholder per choice.
		chosen := map[string]bool{}
		for _, item := range items {
			if item = strings.TrimSpace(item); item == "" {
				continue
			}
			if !slices.Contains(choices, item) {
				return msgChoiceValue(item), nil
			}
			chosen[item] = true
		}
		s := set(f)
		var values []string
		for _, c := range choices {
			if chosen[c] && (!s.Active || slices.Contains(s.Values, c)) {
				values = append(values, c)
			}
		}
		*s = flowtrack.Set{Active: true, Values: values}
		return "", nil
	}}
}

// dateFilter is an inclusive bound on a date.
func dateFilter(name string, set func(*flowtrack.Filter, flowtrack.Date)) filterParam {
	return filterParam{name, func(_ *request, v string, f *flowtrack.Filter) (string, error) {
		d, ok := flowtrack.ParseDate(strings.TrimSpace(v))
		if !ok {
			return "Enter a valid date.", nil
		}
		set(f, d)
		return "", nil
	}}
}

// timeFilter is an inclusive bound on a timestamp.
func timeFilter(name string, set func(*flowtrack.Filter, time.Time)) filterParam {
	return filterParam{name, func(_ *request, v string, f *flowtrack.Filter) (string, error) {
		t, ok := parseDateTime(strings.TrimSpace(v))
		if !ok {
			return "Enter a valid date/time.", nil
		}
		set(f, t)
		return "", nil
	}}
}

// dateTimeLayouts are the ISO 8601 forms Django's parse_datetime reads.
var dateTimeLayouts = []string{
	"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00", "2006-01-02T15:04Z0700", "2006-01-02T15:04Z07", "2006-01-02T15:04",
	"2006-01-02",
}

// parseDateTime reads an ISO 8601 timestamp; without a zone it is UTC, and
// a date alone is its midnight.
func parseDateTime(v string) (time.Time, bool) {
	if len(v) > 10 && v[10] == ' ' {
		v = v[:10] + "T" + v[11:]
	}
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC().Truncate(time.Microsecond), true
		}
	}
	return time.Time{}, false
}

var overdueFilter = filterParam{"overdue", func(_ *request, v string, f *flowtrack.Filter) (string, error) {
	var b bool
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1":
		b = true
	case "false", "0":
	default:
		return "Enter a valid boolean.", nil
	}
	f.Overdue = &b
	return "", nil
}}

var projectParams = &listParams{
	filters: []filterParam{
		timeFilter("created_at__gte", func(f *flowtrack.Filter, t time.Time) { f.CreatedFrom = &t }),
		timeFilter("created_at__lte", func(f *flowtrack.Filter, t time.Time) { f.CreatedTo = &t }),
	},
	ordering: []string{"name", "created_at", "updated_at"},
}

var workflowParams = &listParams{
	filters: []filterParam{
		projectFilter,
		choiceFilter("status", flowtrack.WorkflowStatuses, false, func(f *flowtrack.Filter) *flowtrack.Set { return &f.Status }),
		choiceFilter("status__in", flowtrack.WorkflowStatuses, true, func(f *flowtrack.Filter) *flowtrack.Set { return &f.Status }),
	},
	ordering: []string{"name", "status", "created_at", "updated_at"},
}

var taskParams = &listParams{
	filters: []filterParam{
		workflowFilter,
		projectFilter,
		choiceFilter("status", flowtrack.TaskStatuses, false, func(f *flowtrack.Filter) *flowtrack.Set { return &f.Status }),
		choiceFilter("status__in", flowtrack.TaskStatuses, true, func(f *flowtrack.Filter) *flowtrack.Set { return &f.Status }),
		choiceFilter("priority", flowtrack.TaskPriorities, false, func(f *flowtrack.Filter) *flowtrack.Set { return &f.Priority }),
		choiceFilter("priority__in", flowtrack.TaskPriorities, true, func(f *flowtrack.Filter) *flowtrack.Set { return &f.Priority }),
		dateFilter("due_date__gte", func(f *flowtrack.Filter, d flowtrack.Date) { f.DueFrom = &d }),
		dateFilter("due_date__lte", func(f *flowtrack.Filter, d flowtrack.Date) { f.DueTo = &d }),
		overdueFilter,
	},
	ordering: []string{"title", "status", "priority", "due_date", "created_at", "updated_at"},
}
