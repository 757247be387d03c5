package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/flowtrack/flowtrack"
)

// listSpec describes how one collection is listed.
type listSpec struct {
	table   string            // "tasks t"
	alias   string            // "t"
	columns string            // the SELECT list and FROM clause
	order   map[string]string // ordering field → SQL expression
	search  []string          // case-folded columns a search term may match
	filter  func(b *query, f flowtrack.Filter)
	// around, if not nil, wraps the statement that selects a page of
	// rows (columns, then WHERE, ORDER BY order and LIMIT) of the owner
	// whose placeholder is owner in one that adds what is counted for
	// each, so that only the page's rows are counted for.
	around func(page, order, owner string) string
	// kept, if not nil, adds to b, a query on "workflows w" of the
	// owner, the conditions under which the sum of the workflows' task
	// counts is the list's count, and tells whether the filter allows that.
	kept func(b *query, f flowtrack.Filter) bool
	// versioned tells that a count which walks the rows may be remembered
	// with the owner's taskVersion (see countCache).
	versioned bool
}

// query builds a statement's WHERE clause and its arguments.
type query struct {
	where []string
	args  []any
}

// arg adds an argument and returns its placeholder.
func (b *query) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

// limit returns the LIMIT clause of a page of n rows after offset. n is
// written as a number, not a parameter: PostgreSQL estimates a statement
// whose LIMIT is a parameter as if it returned a tenth of its rows, so it
// never chose the generic plan of a list and planned every page afresh
// (on a 1,000,000-task database, 0.12 ms a page; cursor pages at 3,750
// req/s, 5,300 with the generic plan). Page sizes are at most 100, and so
// are the statements that differ only by it. The offset, which has no
// such bound, stays a parameter; the first page has none.
func (b *query) limit(n, offset int) string {
	clause := " LIMIT " + strconv.Itoa(n)
	if offset > 0 {
		clause += " OFFSET " + b.arg(offset)
	}
	return clause
}

// and adds a condition.
func (b *query) and(cond string) { b.where = append(b.where, cond) }

// in adds "expr IN (...)"; an empty set matches nothing.
func (b *query) in(expr string, values []any) {
	if len(values) == 0 {
		b.and("1 = 0")
		return
	}
	ph := make([]string, len(values))
	for i, v := range values {
		ph[i] = b.arg(v)
	}
	b.and(expr + " IN (" + strings.Join(ph, ", ") + ")")
}

func (b *query) whereSQL() string { return " WHERE " + strings.Join(b.where, " AND ") }

// listSQL is the text of a list's statements: the count with its
// arguments, and the page without its LIMIT, whose arguments q holds.
type listSQL struct {
	count, page string
	countArgs   []any
	q           *query
	order       string
	owner       string // the owner's placeholder
	around      func(page, order, owner string) string
	// version, when set, selects the owner's taskVersion (and, as the
	// count does, is_active): the count may then come from the store's
	// countCache, keyed by cacheKey, or from versionedCount, the count
	// with the version it was taken at as its last column.
	version        string
	versionedCount string
	cacheKey       string
}

// pageSQL is the page's statement with limit, its LIMIT clause.
func (st listSQL) pageSQL(limit string) string {
	page := st.page + " ORDER BY " + st.order + limit
	if st.around != nil {
		return st.around(page, st.order, st.owner)
	}
	return page
}

// buildList writes the statements of a list for one owner. With
// account, the count also returns the owner's is_active (NULL for no such
// user) and a cursor's page, which has no count, requires activeCaller.
func buildList(spec listSpec, contains func(column, placeholder string) string, owner int64, account bool, lq flowtrack.ListQuery) listSQL {
	b := &query{}
	ownerArg := b.arg(owner)
	b.and(spec.alias + ".owner_id = " + ownerArg)
	count := "SELECT count(*)"
	active := ""
	if account {
		active = ", (SELECT is_active FROM users WHERE id = $1)"
		count += active
		if lq.Cursor != nil {
			b.and(activeCaller)
		}
	}
	spec.filter(b, lq.Filter)
	for _, term := range lq.Search {
		p := b.arg(term)
		var alts []string
		for _, col := range spec.search {
			alts = append(alts, contains(spec.alias+"."+col, p))
		}
		b.and("(" + strings.Join(alts, " OR ") + ")")
	}

	order := lq.Ordering()
	exprs := make([]string, 0, len(order)+1)
	desc := make([]bool, 0, len(order)+1)
	for _, o := range order {
		exprs = append(exprs, spec.order[o.Field])
		desc = append(desc, o.Desc)
	}
	// id breaks ties, in the direction of the last field.
	exprs = append(exprs, spec.alias+".id")
	desc = append(desc, desc[len(desc)-1])

	reverse := lq.Cursor != nil && lq.Cursor.Reverse
	if lq.Cursor != nil && len(lq.Cursor.Key) == len(exprs) {
		b.and(keyset(b, exprs, desc, lq.Cursor.Key, reverse))
	}
	var orderSQL []string
	for i, e := range exprs {
		dir := " ASC"
		if desc[i] != reverse {
			dir = " DESC"
		}
		orderSQL = append(orderSQL, e+dir)
	}
	where := b.whereSQL()
	st := listSQL{
		count:     count + " FROM " + spec.table + where,
		countArgs: slices.Clone(b.args),
		page:      spec.columns + where,
		order:     strings.Join(orderSQL, ", "),
		owner:     ownerArg,
		around:    spec.around,
		q:         b,
	}
	// The count kept with the workflows, when the filter allows it, reads
	// a few rows where count(*) walks every one that matches.
	if spec.kept != nil && len(lq.Search) == 0 {
		kb := &query{}
		kb.and("w.owner_id = " + kb.arg(owner))
		if spec.kept(kb, lq.Filter) {
			st.count = strings.Replace(count, "count(*)", keptTaskCount(kb.whereSQL()), 1)
			st.countArgs = kb.args
			return st
		}
	}
	// A cursor's page has no count to remember.
	if spec.versioned && lq.Cursor == nil {
		st.version = "SELECT " + taskVersion + active
		st.versionedCount = count + ", " + taskVersion + " FROM " + spec.table + where
		// Hashed: a key holds up to 20 search terms of 1,000 characters,
		// and 4,096 of them would otherwise take tens of megabytes.
		key := sha256.Sum256([]byte(st.count + "\x00" + fmt.Sprintf("%#v", st.countArgs)))
		st.cacheKey = string(key[:])
	}
	return st
}

// list runs a list query for the scope's user: the count and a page by
// offset, or Limit+1 rows after a cursor (count -1), in walk order.
func list[T any](ctx context.Context, s *scope, spec listSpec, lq flowtrack.ListQuery,
	scan func(interface{ Scan(...any) error }) (*T, error)) ([]T, int, error) {
	account := s.callerCheck() != ""
	st := buildList(spec, s.db.engine.Contains, s.owner, account, lq)
	b := st.q
	var rows []T
	count := -1
	// No transaction, as DRF runs its count and page: on SQLite a read
	// transaction held across two statements made concurrent readers
	// wait for WAL read locks, with delays of hundreds of milliseconds.
	err := func(tx conn) error {
		var err error
		if lq.Cursor != nil {
			rows, err = collect(ctx, tx, scan, st.pageSQL(b.limit(lq.Limit+1, 0)), b.args...)
			return err
		}
		// The first statement is the count, or the version a remembered
		// count must have; either also tells whether the account is usable.
		var active sql.NullBool
		var version int64
		first, dest := Statement{st.count, st.countArgs}, []any{&count}
		if st.version != "" {
			first, dest = Statement{st.version, []any{s.owner}}, []any{&version}
		}
		if account {
			dest = append(dest, &active)
		}
		// finish checks the account and, where the count may be
		// remembered, finds it.
		finish := func() error {
			if account {
				if err := accountError(active); err != nil {
					return err
				}
				s.proven = true
			}
			if st.version == "" {
				return nil
			}
			n, err := s.db.counts.get(ctx, st.cacheKey, version, func(ctx context.Context) (n, at int64, err error) {
				var active sql.NullBool
				dest := []any{&n, &at}
				if account {
					dest = []any{&n, &active, &at}
				}
				err = tx.QueryRowContext(ctx, st.versionedCount, st.countArgs...).Scan(dest...)
				return n, at, err
			})
			count = int(n)
			return err
		}
		if lq.Last {
			// The last page's offset depends on the count.
			if err := tx.QueryRowContext(ctx, first.SQL, first.Args...).Scan(dest...); err != nil {
				return err
			}
			if err := finish(); err != nil {
				return err
			}
		}
		page := Statement{st.pageSQL(b.limit(lq.Limit, lq.PageOffset(count))), b.args}
		if lq.Last {
			rows, err = collect(ctx, tx, scan, page.SQL, page.Args...)
			return err
		}
		// Otherwise the first statement and the page go together, in one
		// round trip where the engine allows; the page is dropped if the
		// account is not usable.
		err = tx.pipeline(ctx, []Statement{first, page}, func(i int, r Rows) error {
			if i == 0 {
				return scanOne(r, dest...)
			}
			rows, err = scanAll(r, scan)
			return err
		})
		if err != nil {
			return err
		}
		return finish()
	}(s.db.reader())
	if err != nil {
		return nil, 0, err
	}
	// A cursor's rows show the account usable; an empty page may be its
	// doing.
	if len(rows) > 0 {
		s.proven = s.caller
	} else if err := s.Verify(ctx); err != nil {
		return nil, 0, err
	}
	return rows, count, nil
}

// ListPlan returns the query plans of the statements a list of one of
// "projects", "workflows" or "tasks" runs for a user: the count (unless
// cursor-paginated) and the page, and on PostgreSQL also the page's
// generic plan, which it runs once a connection has run the page five
// times, if that plan costs no more than those it made for their
// arguments. It is for tests and operators checking that lists stay index
// scans as data grows.
func (db *DB) ListPlan(ctx context.Context, userID int64, collection string, lq flowtrack.ListQuery) ([]string, error) {
	spec, ok := map[string]listSpec{"projects": projectList, "workflows": workflowList, "tasks": taskList}[collection]
	if !ok {
		return nil, fmt.Errorf("unknown collection %q", collection)
	}
	st := buildList(spec, db.engine.Contains, userID, true, lq)
	limit := lq.Limit
	if lq.Cursor != nil {
		limit++
	}
	sc, err := db.read.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer sc.Close()
	page := Statement{st.pageSQL(st.q.limit(limit, 0)), st.q.args}
	plan, err := explain(ctx, sc, db.engine.Explain+" "+page.SQL, page.Args)
	if err == nil && lq.Cursor == nil {
		var count []string
		count, err = explain(ctx, sc, db.engine.Explain+" "+st.count, st.countArgs)
		plan = append(plan, count...)
	}
	if err == nil && db.engine.Name == "postgres" {
		var generic []string
		generic, err = genericPlan(ctx, sc, page)
		plan = append(plan, generic...)
	}
	return plan, err
}

// genericPlan explains the generic plan of st on PostgreSQL. It leaves
// a prepared statement and a setting on sc's connection, so the
// connection is closed afterwards rather than given back to the pool,
// where the setting would change the plans of requests.
func genericPlan(ctx context.Context, sc *sql.Conn, st Statement) ([]string, error) {
	defer sc.Raw(func(any) error { return driver.ErrBadConn })
	if _, err := sc.ExecContext(ctx, "PREPARE flowtrack_plan AS "+st.SQL); err != nil {
		return nil, err
	}
	if _, err := sc.ExecContext(ctx, "SET plan_cache_mode = force_generic_plan"); err != nil {
		return nil, err
	}
	// EXECUTE takes no parameters of its own, so the arguments are
	// written as literals; a generic plan does not depend on them.
	values := make([]string, len(st.Args))
	for i, v := range st.Args {
		switch v := v.(type) {
		case string:
			// An E'' literal reads the same whatever
			// standard_conforming_strings says.
			values[i] = "E'" + strings.NewReplacer(`\`, `\\`, "'", "''").Replace(v) + "'"
		case int, int64, bool:
			values[i] = fmt.Sprint(v)
		default:
			return nil, fmt.Errorf("generic plan: argument of type %T", v)
		}
	}
	return explain(ctx, sc, "EXPLAIN EXECUTE flowtrack_plan("+strings.Join(values, ", ")+")", nil)
}

// explain runs an EXPLAIN statement and returns its lines (the last
// column on both engines), then an empty line.
func explain(ctx context.Context, sc *sql.Conn, query string, args []any) ([]string, error) {
	rows, err := sc.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var plan []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		plan = append(plan, fmt.Sprint(vals[len(vals)-1]))
	}
	return append(plan, ""), rows.Err()
}

// keyset returns the condition "comes after key in walk order". When
// every field runs one way it is a row-value comparison, which both
// engines answer with an index seek; mixed directions expand it.
func keyset(b *query, exprs []string, desc []bool, key []any, reverse bool) string {
	ph := make([]string, len(key))
	for i, v := range key {
		ph[i] = b.arg(v)
	}
	after := func(i int) string {
		if desc[i] != reverse {
			return " < "
		}
		return " > "
	}
	same := true
	for i := range desc {
		same = same && desc[i] == desc[0]
	}
	if same {
		return "(" + strings.Join(exprs, ", ") + ")" + after(0) + "(" + strings.Join(ph, ", ") + ")"
	}
	var ors []string
	for i := range exprs {
		var ands []string
		for j := 0; j < i; j++ {
			ands = append(ands, exprs[j]+" = "+ph[j])
		}
		ands = append(ands, exprs[i]+after(i)+ph[i])
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	// The bound on the first field lets the index seek to the position.
	return exprs[0] + strings.TrimSpace(after(0)) + "= " + ph[0] + " AND (" + strings.Join(ors, " OR ") + ")"
}

var projectList = listSpec{
	table: "projects p", alias: "p", columns: projectPageSelect, around: countedProjects,
	order:  map[string]string{"name": "p.name", "created_at": "p.created_at", "updated_at": "p.updated_at"},
	search: []string{"name_fold", "description_fold"},
	filter: func(b *query, f flowtrack.Filter) {
		if f.CreatedFrom != nil {
			b.and("p.created_at >= " + b.arg(micros(*f.CreatedFrom)))
		}
		if f.CreatedTo != nil {
			b.and("p.created_at <= " + b.arg(micros(*f.CreatedTo)))
		}
	},
}

var workflowList = listSpec{
	table: "workflows w", alias: "w", columns: workflowSelect,
	order: map[string]string{"name": "w.name", "status": "w.status",
		"created_at": "w.created_at", "updated_at": "w.updated_at"},
	search: []string{"name_fold"},
	filter: func(b *query, f flowtrack.Filter) {
		if f.Project != nil {
			b.and("w.project_id = " + b.arg(*f.Project))
		}
		if f.Status.Active {
			b.in("w.status", strings2any(f.Status.Values))
		}
	},
}

var taskList = listSpec{
	table: "tasks t", alias: "t", columns: taskSelect,
	order: map[string]string{"title": "t.title", "status": "t.status", "priority": "t.priority",
		"due_date":   "COALESCE(t.due_date, '" + flowtrack.NoDueDate + "')",
		"created_at": "t.created_at", "updated_at": "t.updated_at"},
	search: []string{"title_fold", "description_fold"},
	filter: func(b *query, f flowtrack.Filter) {
		if f.Workflow != nil {
			b.and("t.workflow_id = " + b.arg(*f.Workflow))
		}
		if f.Project != nil {
			b.and("t.project_id = " + b.arg(*f.Project))
		}
		if f.Status.Active {
			b.in("t.status", strings2any(f.Status.Values))
		}
		if f.Priority.Active {
			var ranks []any
			for _, p := range f.Priority.Values {
				ranks = append(ranks, int64(flowtrack.PriorityRank(p)))
			}
			b.in("t.priority", ranks)
		}
		if f.DueFrom != nil {
			b.and("t.due_date >= " + b.arg(string(*f.DueFrom)))
		}
		if f.DueTo != nil {
			b.and("t.due_date <= " + b.arg(string(*f.DueTo)))
		}
		if f.Overdue != nil {
			overdue := "(t.due_date < " + b.arg(string(f.Today)) + " AND t.status <> 'done')"
			if !*f.Overdue {
				overdue = "NOT COALESCE(" + overdue + ", FALSE)"
			}
			b.and(overdue)
		}
	},
	kept: func(b *query, f flowtrack.Filter) bool {
		if f.Workflow != nil {
			b.and("w.id = " + b.arg(*f.Workflow))
		}
		if f.Project != nil {
			b.and("w.project_id = " + b.arg(*f.Project))
		}
		// Any other filter needs the rows themselves.
		f.Workflow, f.Project, f.Today = nil, nil, ""
		return reflect.DeepEqual(f, flowtrack.Filter{})
	},
	versioned: true,
}

func strings2any(values []string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}
