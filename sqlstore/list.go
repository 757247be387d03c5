package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/flowtrack/flowtrack"
)

// listSpec describes how one collection is listed.
type listSpec struct {
	table   string            // "tasks t"
	alias   string            // "t"
	columns string            // "SELECT" and the columns
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
	// narrows, if not nil, returns the filter's condition that an index
	// of the owner's rows finds them by but the walk of the index of an
	// order beginning with field cannot seek, if it has one: the page is
	// then narrowed (see narrowed). A spec with around has none.
	narrows func(f flowtrack.Filter, field string) *narrowBy
	// size, with narrows, selects the number of the owner's ($1) rows.
	size string
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
	// narrowed, when not nil, holds the bounded forms of the page.
	narrowed *narrowed
}

// pageSQL is the page's statement with limit, its LIMIT clause.
func (st listSQL) pageSQL(limit string) string {
	page := st.page + " ORDER BY " + st.order + limit
	if st.around != nil {
		return st.around(page, st.order, st.owner)
	}
	return page
}

// narrowed is the page of a list whose filter an index finds rows by,
// but the walk in the list's order cannot seek to them: walking the
// order's index and keeping the matches, as the page does, read all of a
// user's rows when few matched (0.4 to 1.6 s on both engines for a status
// none of 1,000,000 tasks had). So the page first walks a bounded number
// of rows in order (walkSQL): matches among those are the first in order,
// so if they fill the page it is exact. Otherwise, if the filter's index
// holds few rows of its values (probeSQL), they are read from it and
// sorted (sortedSQL); only when it holds many does the page walk on as
// before, and with that many rows matching the filter, it walks less far.
//
// The index is walked in its own order, under a LIMIT, rather than left to
// the planner: PostgreSQL estimates a user's share of a status from the
// whole table, and a status common among other users' rows but that this
// user has none of made it read the table whole (360 ms at 1,200,000
// rows) to find the matches it expected.
type narrowed struct {
	columns, table, alias string
	// read is what its subqueries select: the page's columns, those a
	// search reads, and the order's expressions that are not columns.
	// (All of a row's columns made SQLite's walk three times as slow.)
	read    string
	order   string // the walk's ORDER BY, on the columns read
	scope   string // WHERE: the owner's conditions and the cursor's
	filters string // WHERE: the filter's and the search's
	where   string // WHERE: all of them
	by      *narrowBy
	filter  string // names by among the owner's filters (see planHints)
	owner   int64
	size    string // see listSpec
}

// narrowBy is a filter whose rows an index (owner_id, expr, ...), walked
// in orderBy, finds: those where expr meets one of parts, each a few
// bounds (as "= value", or a range of dates).
type narrowBy struct {
	expr, orderBy string
	parts         [][]bound
}

// bound is a comparison of a narrowBy's expression with a value.
type bound struct {
	op    string
	value any
}

// equalTo returns the parts of a filter on values of one column.
func equalTo(values []any) [][]bound {
	parts := make([][]bound, len(values))
	for i, v := range values {
		parts[i] = []bound{{"=", v}}
	}
	return parts
}

// Bounds of a narrowed page: the rows the walk reads for a page that ends
// after n matches, and the rows of the filter's index the sort may take.
const (
	walkPerMatch = 100 // a walk fills a page when 1 % of the rows match...
	walkRowsMin  = 1000
	walkRowsMax  = 10000 // ... or, for long pages, fewer
	sortRows     = 5000
)

func walkRows(n int) int { return min(max(walkPerMatch*n, walkRowsMin), walkRowsMax) }

// walkSQL selects the matches among the first walkRows(end) rows in
// order; limit is the page's, which ends after end matches.
func (nw *narrowed) walkSQL(order string, end int, limit string) string {
	return nw.columns + " FROM (SELECT " + nw.read + " FROM " + nw.table + nw.scope +
		" ORDER BY " + order + " LIMIT " + strconv.Itoa(walkRows(end)) + ") " + nw.alias + nw.filters +
		" ORDER BY " + nw.order + limit
}

// isColumn tells whether an expression is a column ("t.title").
func isColumn(expr string) bool {
	_, name, ok := strings.Cut(expr, ".")
	return ok && strings.IndexFunc(name, func(r rune) bool { return !(r == '_' || 'a' <= r && r <= 'z') }) < 0
}

// rows selects what of the owner's rows in the filter's index, up to max
// for each of its parts; b holds the owner as $1 and takes the values.
func (nw *narrowed) rows(b *query, what string, max int) string {
	parts := make([]string, len(nw.by.parts))
	for i, part := range nw.by.parts {
		where := " WHERE " + nw.alias + ".owner_id = $1"
		for _, bd := range part {
			where += " AND " + nw.by.expr + " " + bd.op + " " + b.arg(bd.value)
		}
		parts[i] = "SELECT * FROM (SELECT " + what + " FROM " + nw.table + where +
			" ORDER BY " + nw.by.orderBy + " LIMIT " + strconv.Itoa(max) + ") r"
	}
	return strings.Join(parts, " UNION ALL ")
}

// probeSQL counts the rows of the owner's in the filter's index, up to
// sortRows for each value, reading the index alone.
func (nw *narrowed) probeSQL() Statement {
	b := &query{args: []any{nw.owner}}
	return Statement{"SELECT count(*) FROM (" + nw.rows(b, "1", sortRows) + ") r", b.args}
}

// sortedSQL selects the page from the rows of the filter's index, when
// probeSQL found fewer than sortRows: b holds the page's arguments and
// limit its LIMIT clause. The rows are taken up to twice that, so that
// rows written since the probe are not cut off.
func (nw *narrowed) sortedSQL(b *query, order, limit string) string {
	return nw.columns + " FROM (" + nw.rows(b, nw.read, 2*sortRows) + ") " + nw.alias + nw.where +
		" ORDER BY " + order + limit
}

// sorted is the narrowed list's page sorted from the filter's index
// (sortedSQL), with its LIMIT clause limit.
func (st listSQL) sorted(limit string) Statement {
	b := &query{args: slices.Clone(st.q.args)}
	return Statement{st.narrowed.sortedSQL(b, st.order, limit), b.args}
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
	// The conditions from scoped on are the filter's and the search's,
	// until keyed, where the cursor's position begins.
	scoped := len(b.where)
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

	keyed := len(b.where)
	reverse := lq.Cursor != nil && lq.Cursor.Reverse
	if lq.Cursor != nil && len(lq.Cursor.Key) == len(exprs) {
		b.and(keyset(b, exprs, desc, lq.Cursor.Key, reverse))
	}
	var orderSQL, dirs []string
	for i, e := range exprs {
		dir := " ASC"
		if desc[i] != reverse {
			dir = " DESC"
		}
		orderSQL, dirs = append(orderSQL, e+dir), append(dirs, dir)
	}
	where := b.whereSQL()
	st := listSQL{
		count:     count + " FROM " + spec.table + where,
		countArgs: slices.Clone(b.args),
		page:      spec.columns + " FROM " + spec.table + where,
		order:     strings.Join(orderSQL, ", "),
		owner:     ownerArg,
		around:    spec.around,
		q:         b,
	}
	var by *narrowBy
	if spec.narrows != nil {
		by = spec.narrows(lq.Filter, order[0].Field)
	}
	if by != nil && len(by.parts) > 0 {
		read := strings.TrimPrefix(spec.columns, "SELECT ")
		if len(lq.Search) > 0 {
			for _, col := range spec.search {
				read += ", " + spec.alias + "." + col
			}
		}
		// The walk orders its rows by its own columns, where PostgreSQL
		// sees that they are in order already: an expression on them,
		// such as the due date's, it sorted.
		var walkOrder []string
		for i, e := range exprs {
			if !isColumn(e) {
				name := "sort_key_" + strconv.Itoa(i)
				read += ", " + e + " AS " + name
				e = spec.alias + "." + name
			}
			walkOrder = append(walkOrder, e+dirs[i])
		}
		scope := slices.Concat(b.where[:scoped], b.where[keyed:])
		filters := &query{where: b.where[scoped:keyed]}
		st.narrowed = &narrowed{
			columns: spec.columns, table: spec.table, alias: spec.alias, read: read,
			order:   strings.Join(walkOrder, ", "),
			scope:   (&query{where: scope}).whereSQL(),
			filters: filters.whereSQL(), where: where, by: by, filter: fmt.Sprint(by.expr, by.parts), owner: owner, size: spec.size,
		}
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
	var rows []T
	count := -1
	// No transaction, as DRF runs its count and page: on SQLite a read
	// transaction held across two statements made concurrent readers
	// wait for WAL read locks, with delays of hundreds of milliseconds.
	err := func(tx conn) error {
		var err error
		// page runs the page's first statement after the leading ones,
		// whose rows read takes, and after its probe when p has one, with
		// the owner's size when p asks.
		page := func(p *pagePlan, leading []Statement, read func(i int, r Rows) error) error {
			stmts := leading
			probeAt := -1
			if p.probe.SQL != "" {
				probeAt, stmts = len(stmts), append(stmts, p.probe)
			}
			pageAt := len(stmts)
			stmts = append(stmts, p.first)
			if p.size.SQL != "" {
				stmts = append(stmts, p.size)
			}
			return tx.pipeline(ctx, stmts, func(i int, r Rows) error {
				switch {
				case i < len(leading):
					return read(i, r)
				case i == probeAt:
					return scanOne(r, &p.found)
				case i == pageAt:
					rows, err = scanAll(r, scan)
					return err
				}
				var tasks int64
				if err := scanOne(r, &tasks); err != nil {
					return err
				}
				s.db.hints.sizes.put(s.owner, tasks)
				return nil
			})
		}
		if lq.Cursor != nil {
			p := st.plan(lq.Limit+1, 0, &s.db.hints)
			if err := page(&p, nil, nil); err != nil {
				return err
			}
			rows, err = rest(ctx, tx, &s.db.hints, p, scan, rows, -1)
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
		p := st.plan(lq.Limit, lq.PageOffset(count), &s.db.hints)
		if lq.Last {
			if err := page(&p, nil, nil); err != nil {
				return err
			}
			rows, err = rest(ctx, tx, &s.db.hints, p, scan, rows, count)
			return err
		}
		// Otherwise the first statement and the page go together, in one
		// round trip where the engine allows; the page is dropped if the
		// account is not usable.
		err = page(&p, []Statement{first}, func(_ int, r Rows) error { return scanOne(r, dest...) })
		if err != nil {
			return err
		}
		if err := finish(); err != nil {
			return err
		}
		rows, err = rest(ctx, tx, &s.db.hints, p, scan, rows, count)
		return err
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

// pagePlan is how a page of n rows after offset is read.
type pagePlan struct {
	st        listSQL
	n, offset int
	limit     string
	first     Statement // the page or, narrowed, its bounded walk or its sort
	walked    bool      // first is the bounded walk
	probe     Statement // when not empty, first is the sort, whole if probe finds fewer than sortRows
	found     int       // what probe found
	size      Statement // when not empty, selects the owner's size, to remember
}

// plan returns how to read the page of n rows after offset, with what
// hints may know (nil: nothing). It adds the offset to the list's
// arguments, so it is called once.
func (st listSQL) plan(n, offset int, hints *planHints) pagePlan {
	p := pagePlan{st: st, n: n, offset: offset, limit: st.q.limit(n, offset)}
	p.first = Statement{st.pageSQL(p.limit), st.q.args}
	nw := st.narrowed
	if nw == nil {
		return p
	}
	tasks, known := hints.size(nw.owner)
	if !known {
		p.size = Statement{nw.size, []any{nw.owner}}
	}
	if known && tasks <= walkRowsMin {
		return p
	}
	// Sort the filter's rows at once if they were fewer than the walk
	// reads a moment ago (and so fewer than the sort takes).
	if rows, ok := hints.rows(nw.owner, nw.filter); ok && rows < int64(min(sortRows, walkRows(offset+n))) {
		p.first, p.probe = st.sorted(p.limit), nw.probeSQL()
		return p
	}
	// A page past the walk's rows is walked all the same: the list's
	// count, which comes with it, may show that it is empty.
	p.first.SQL, p.walked = nw.walkSQL(st.order, offset+n, p.limit), true
	return p
}

// rest completes a page whose first statement returned rows: a bounded
// walk that fell short is followed by the page sorted from the filter's
// index, when that holds few rows, or else by the walk in order; a sort
// whose probe found more rows than it takes, by the walk. count is the
// list's, or -1. hints learn what the probes find.
func rest[T any](ctx context.Context, tx conn, hints *planHints, p pagePlan, scan func(interface{ Scan(...any) error }) (*T, error),
	rows []T, count int) ([]T, error) {
	nw := p.st.narrowed
	probed := p.probe.SQL != ""
	if probed {
		hints.probed(nw.owner, nw.filter, int64(p.found))
		if p.found < sortRows {
			return rows, nil
		}
		// The index holds more rows than it did: walk, as for any
		// narrowed page.
		var err error
		walk := nw.walkSQL(p.st.order, p.offset+p.n, p.limit)
		if rows, err = collect(ctx, tx, scan, walk, p.st.q.args...); err != nil {
			return nil, err
		}
		p.walked = true
	}
	// The walk is exact if it filled the page, or if the count shows no
	// match beyond it.
	if !p.walked || len(rows) == p.n || count >= 0 && p.offset+len(rows) >= count {
		return rows, nil
	}
	// Yield before the statements that follow, as serve's yieldFirst does
	// for writes: a request that runs this long (1.4 ms on SQLite for a
	// status 10 of 1,000,000 tasks have) kept Go's scheduler serving the
	// goroutines it readied itself, while the connections with a request
	// waiting to be read got a turn in 61. Under 32 such requests on one
	// core the p90 was 0.48 s and the p99 1.14 s, the handler's p99 2.3
	// ms; with the yield 55 and 67 ms, at the same 700 requests a second.
	runtime.Gosched()
	// The index holds at least the count's rows.
	if count < sortRows && !probed {
		probe := nw.probeSQL()
		var found int
		if err := tx.QueryRowContext(ctx, probe.SQL, probe.Args...).Scan(&found); err != nil {
			return nil, err
		}
		hints.probed(nw.owner, nw.filter, int64(found))
		if found < sortRows {
			sorted := p.st.sorted(p.limit)
			return collect(ctx, tx, scan, sorted.SQL, sorted.Args...)
		}
	}
	return collect(ctx, tx, scan, p.st.pageSQL(p.limit), p.st.q.args...)
}

// StatementPlan is the query plan of one statement of a list.
type StatementPlan struct {
	// Name is "page", "count", "walk", "probe" or "sorted" (see
	// narrowed), with "generic " before it for a generic plan.
	Name string
	Plan []string
}

// ListPlan returns the query plans of the statements a list of one of
// "projects", "workflows" or "tasks" runs for a user: the count (unless
// cursor-paginated) and the page, or for a narrowed page also its walk,
// probe and sort. On PostgreSQL it adds the generic plans of the pages'
// statements, which a connection runs once it has run one five times, if
// that plan costs no more than those it made for their arguments. It is
// for tests and operators checking that lists stay index scans as data
// grows.
func (db *DB) ListPlan(ctx context.Context, userID int64, collection string, lq flowtrack.ListQuery) ([]StatementPlan, error) {
	spec, ok := map[string]listSpec{"projects": projectList, "workflows": workflowList, "tasks": taskList}[collection]
	if !ok {
		return nil, fmt.Errorf("unknown collection %q", collection)
	}
	st := buildList(spec, db.engine.Contains, userID, true, lq)
	limit := lq.Limit
	if lq.Cursor != nil {
		limit++
	}
	p := st.plan(limit, 0, nil)
	type named struct {
		name string
		st   Statement
	}
	stmts := []named{{"page", Statement{st.pageSQL(p.limit), st.q.args}}}
	if p.walked {
		stmts = append(stmts, named{"walk", p.first}, named{"probe", st.narrowed.probeSQL()},
			named{"sorted", st.sorted(p.limit)})
	}
	if lq.Cursor == nil {
		stmts = append(stmts, named{"count", Statement{st.count, st.countArgs}})
	}
	sc, err := db.read.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer sc.Close()
	var plans []StatementPlan
	for _, n := range stmts {
		plan, err := explain(ctx, sc, db.engine.Explain+" "+n.st.SQL, n.st.Args)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.name, err)
		}
		plans = append(plans, StatementPlan{n.name, plan})
	}
	if db.engine.Name != "postgres" {
		return plans, nil
	}
	var names []string
	var pages []Statement
	for _, n := range stmts {
		if n.name != "count" {
			names, pages = append(names, "generic "+n.name), append(pages, n.st)
		}
	}
	generic, err := genericPlans(ctx, sc, pages)
	for i, plan := range generic {
		plans = append(plans, StatementPlan{names[i], plan})
	}
	if err != nil {
		return nil, err
	}
	return plans, nil
}

// genericPlans explains the generic plans of statements on PostgreSQL.
// It leaves prepared statements and a setting on sc's connection, so the
// connection is closed afterwards rather than given back to the pool,
// where the setting would change the plans of requests.
func genericPlans(ctx context.Context, sc *sql.Conn, stmts []Statement) ([][]string, error) {
	defer sc.Raw(func(any) error { return driver.ErrBadConn })
	if _, err := sc.ExecContext(ctx, "SET plan_cache_mode = force_generic_plan"); err != nil {
		return nil, err
	}
	var plans [][]string
	for i, st := range stmts {
		name := fmt.Sprint("flowtrack_plan", i)
		if _, err := sc.ExecContext(ctx, "PREPARE "+name+" AS "+st.SQL); err != nil {
			return plans, err
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
				return plans, fmt.Errorf("generic plan: argument of type %T", v)
			}
		}
		plan, err := explain(ctx, sc, "EXPLAIN EXECUTE "+name+"("+strings.Join(values, ", ")+")", nil)
		if err != nil {
			return plans, err
		}
		plans = append(plans, plan)
	}
	return plans, nil
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
	table: "projects p", alias: "p", columns: "SELECT " + projectColumns, around: countedProjects,
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
	table: "workflows w", alias: "w", columns: workflowColumns,
	order: map[string]string{"name": "w.name", "status": "w.status",
		"created_at": "w.created_at", "updated_at": "w.updated_at"},
	search: []string{"name_fold"},
	filter: func(b *query, f flowtrack.Filter) {
		if f.Project != nil {
			b.and("w.project_id = " + b.arg(*f.Project))
		}
		if f.Status.Active {
			b.in("w.status", anys(f.Status.Values))
		}
	},
}

var taskList = listSpec{
	table: "tasks t", alias: "t", columns: taskColumns,
	order: map[string]string{"title": "t.title", "status": "t.status", "priority": "t.priority",
		"due_date":   dueKey,
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
			b.in("t.status", anys(f.Status.Values))
		}
		if f.Priority.Active {
			b.in("t.priority", anys(priorityRanks(f.Priority.Values)))
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
		// The due date's bounds are written on dueKey as well, as the
		// range of its index (dueRange), which they imply where there is
		// a due date: the walk in due date order then seeks to them
		// instead of reading the dates outside them (0.74 s on
		// PostgreSQL for due dates up to one of 2025 downward, with
		// 800,000 of 1,000,000 tasks later).
		if due := dueRange(f); due != nil {
			for _, bd := range due.parts[0] {
				b.and(due.expr + " " + bd.op + " " + b.arg(bd.value))
			}
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
	size:      "SELECT " + keptTaskCount(" WHERE w.owner_id = $1"),
	// Each of these filters has an index of the owner's rows, which the
	// walk in order seeks by only where it is the order's index too.
	// The workflow and the project, one value, come first.
	narrows: func(f flowtrack.Filter, field string) *narrowBy {
		switch {
		case f.Workflow != nil && field != "created_at":
			return &narrowBy{"t.workflow_id", "t.workflow_id, t.created_at, t.id", equalTo([]any{*f.Workflow})}
		case f.Project != nil && field != "created_at":
			return &narrowBy{"t.project_id", "t.project_id, t.created_at, t.id", equalTo([]any{*f.Project})}
		case f.Status.Active && field != "status":
			return &narrowBy{"t.status", "t.status, t.id", equalTo(anys(slices.Compact(slices.Sorted(slices.Values(f.Status.Values)))))}
		case f.Priority.Active && field != "priority":
			ranks := priorityRanks(f.Priority.Values)
			slices.Sort(ranks)
			return &narrowBy{"t.priority", "t.priority, t.id", equalTo(anys(slices.Compact(ranks)))}
		case field != "due_date":
			return dueRange(f)
		}
		return nil
	},
}

// dueKey is a task's due date as the list sorts it and its index holds
// it: without one, after every date.
const dueKey = "COALESCE(t.due_date, '" + flowtrack.NoDueDate + "')"

// dueRange narrows a filter that bounds the due date (from, to, or
// overdue) to a range of the due date's index, where the filter, on
// t.due_date, cannot seek: a page of tasks due by a date in 2024, when
// none of 1,000,000 were, walked them all (0.15-0.79 s on PostgreSQL;
// 4-6 ms narrowed). The range ends at the last date at most, before the
// tasks with none.
func dueRange(f flowtrack.Filter) *narrowBy {
	overdue := f.Overdue != nil && *f.Overdue
	if f.DueFrom == nil && f.DueTo == nil && !overdue {
		return nil
	}
	part := []bound{{"<=", flowtrack.LastDate}}
	if f.DueFrom != nil {
		part = append(part, bound{">=", string(*f.DueFrom)})
	}
	if f.DueTo != nil {
		part = append(part, bound{"<=", string(*f.DueTo)})
	}
	if overdue {
		part = append(part, bound{"<", string(f.Today)})
	}
	return &narrowBy{dueKey, dueKey + ", t.id", [][]bound{part}}
}

func priorityRanks(priorities []string) []int64 {
	ranks := make([]int64, len(priorities))
	for i, p := range priorities {
		ranks[i] = int64(flowtrack.PriorityRank(p))
	}
	return ranks
}

func anys[T any](values []T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}
