package api_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/text/cases"
)

// propertySeedEnv names the variable that replays TestListProperty with a
// given seed.
const propertySeedEnv = "FLOWTRACK_PROPERTY_SEED"

// Cases per engine: random task list queries, and project and workflow ones.
const (
	propTaskCases     = 200
	propProjectCases  = 35
	propWorkflowCases = 35
	propMaxReports    = 6 // distinct failures reported per engine
)

// TestListProperty checks that lists never lie: random data made through
// the API for several users, then many random list queries (filters,
// search, ordering, page sizes, page-number and cursor walks) compared
// with a plain in-memory model that implements api.md's list semantics on
// its own: every row exactly once, in the model's order, none of another
// user, the right count, and backward cursor walks that retrace the
// forward one.
func TestListProperty(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(propertySeedEnv); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", propertySeedEnv, s, err)
		}
		seed = v
	}
	t.Logf("seed %d (replay with %s=%d)", seed, propertySeedEnv, seed)
	engines(t, func(t *testing.T, e *env) {
		p := &prop{t: t, e: e, seed: seed, rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)),
			fold: cases.Fold(), reported: map[string]int{}}
		start := time.Now()
		p.build()
		built := time.Since(start)
		p.run()
		t.Logf("%s: seed %d: %d task, %d project, %d workflow list cases run, %d failing", e.engine, seed,
			p.cases["tasks"], p.cases["projects"], p.cases["workflows"], p.failures)
		t.Logf("%s: %d page-number walks, %d cursor walks, %d with invalid filters (400); %d list requests; "+
			"walks by rows expected: %d none, %d 1-5, %d 6-20, %d more",
			e.engine, p.pageWalks, p.cursorWalks, p.invalidCases, p.requests, p.sizes[0], p.sizes[1], p.sizes[2], p.sizes[3])
		t.Logf("%s: data: %d projects, %d workflows, %d tasks of 3 users, made in %v; %v in all",
			e.engine, p.nProjects, p.nWorkflows, p.nTasks, built.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	})
}

// propVocab are the words of titles, names and descriptions: non-ASCII
// letters whose case folds in several ways, LIKE metacharacters, quotes
// and commas.
var propVocab = []string{
	"Über", "über", "UBER", "straße", "STRASSE", "Strasse", "ΩMEGA", "ωmega", "naïve", "NAÏVE", "café",
	"Ærø", "日本語", "emoji🙂", "ΟΔΟΣ", "οδός", "ǅemal",
	"alpha", "Alpha", "beta", "Gamma", "delta", "zeta", "a", "B", "z",
	"100%", "50%off", "%", "snake_case", "_under", "a_b", `back\slash`, `C:\dir`, `\`, `\%_`,
	"O'Brien", "it's", `say"hi"`, `"quoted"`, "comma,list", "x,y", ",", "a,b,c",
}

var (
	propTaskStatuses     = []string{"todo", "in_progress", "blocked", "done"}
	propTaskPriorities   = []string{"low", "medium", "high", "urgent"}
	propWorkflowStatuses = []string{"active", "paused", "completed", "archived"}
)

// propRank is a priority's rank in api.md's order.
func propRank(p string) int {
	return slices.Index(propTaskPriorities, p)
}

// propRow is an object of any collection, as the API renders it and as the
// model holds it.
type propRow struct {
	ID            int64   `json:"id"`
	Owner         *int64  `json:"owner"`
	Project       *int64  `json:"project"`
	Workflow      *int64  `json:"workflow"`
	Name          string  `json:"name"`
	Title         string  `json:"title"`
	Description   string  `json:"description"`
	Status        string  `json:"status"`
	Priority      string  `json:"priority"`
	DueDate       *string `json:"due_date"`
	CompletedAt   *string `json:"completed_at"`
	WorkflowCount *int64  `json:"workflow_count"`
	TaskCount     *int64  `json:"task_count"`
	CreatedAt     string  `json:"created_at"`
	UpdatedAt     string  `json:"updated_at"`

	created, updated int64    // microseconds since the epoch
	folded           []string // the searched fields, case-folded
}

// sig is what a rendered row must match of the model's.
func (r *propRow) sig() string {
	b, _ := json.Marshal(r)
	return string(b)
}

// propUser is everything one user owns.
type propUser struct {
	c         *client
	projects  map[int64]*propRow
	workflows map[int64]*propRow
	tasks     map[int64]*propRow
	pIDs      []int64 // sorted, for deterministic choices
	wIDs      []int64
	tIDs      []int64
}

func (m *propUser) rows(kind string) (map[int64]*propRow, []int64) {
	switch kind {
	case "projects":
		return m.projects, m.pIDs
	case "workflows":
		return m.workflows, m.wIDs
	}
	return m.tasks, m.tIDs
}

// taskProject is the project of a task as api.md defines it: its
// workflow's.
func (m *propUser) taskProject(task *propRow) int64 {
	return *m.workflows[*task.Workflow].Project
}

// propKV is one query parameter, in the order sent.
type propKV struct{ k, v string }

func propEncode(ps []propKV) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = url.QueryEscape(p.k) + "=" + url.QueryEscape(p.v)
	}
	return strings.Join(parts, "&")
}

// propLastValues reads parameters as Django's QueryDict.get: the last of
// repeated ones.
func propLastValues(ps []propKV) map[string]string {
	m := map[string]string{}
	for _, p := range ps {
		m[p.k] = p.v
	}
	return m
}

func propValues(ps []propKV) url.Values {
	v := url.Values{}
	for _, p := range ps {
		v[p.k] = append(v[p.k], p.v)
	}
	return v
}

// propResource is one collection as the model sees it.
type propResource struct {
	kind     string
	path     string
	ordering []string
	filter   func(m *propUser, r *propRow, q map[string]string, today string) bool
	// invalid names the filters whose value is invalid, in q.
	invalid func(m *propUser, q map[string]string) []string
}

var propResources = map[string]*propResource{
	"projects": {kind: "projects", path: "/api/projects/",
		ordering: []string{"name", "created_at", "updated_at"}, filter: propProjectMatches, invalid: propProjectInvalid},
	"workflows": {kind: "workflows", path: "/api/workflows/",
		ordering: []string{"name", "status", "created_at", "updated_at"}, filter: propWorkflowMatches, invalid: propWorkflowInvalid},
	"tasks": {kind: "tasks", path: "/api/tasks/",
		ordering: []string{"title", "status", "priority", "due_date", "created_at", "updated_at"}, filter: propTaskMatches, invalid: propTaskInvalid},
}

// propCase is one list query of one user.
type propCase struct {
	res    *propResource
	m      *propUser
	params []propKV
	cursor bool
}

func (c *propCase) url(extra ...propKV) string {
	ps := slices.Concat(c.params, extra)
	if c.cursor {
		ps = append(ps, propKV{"cursor", ""})
	}
	if len(ps) == 0 {
		return c.res.path
	}
	return c.res.path + "?" + propEncode(ps)
}

func (c *propCase) String() string {
	mode := "page-number"
	if c.cursor {
		mode = "cursor"
	}
	return fmt.Sprintf("%s walk of GET %s as %s", mode, c.url(), c.m.c.Username)
}

// propFailure is a difference between the server and the model; kind groups
// failures for shrinking and reporting.
type propFailure struct {
	kind string
	msg  string
}

func propFail(kind, format string, args ...any) *propFailure {
	return &propFailure{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// prop is the state of the property test on one engine.
type prop struct {
	t     *testing.T
	e     *env
	seed  uint64
	rng   *rand.Rand
	fold  cases.Caser
	users []*propUser

	cases                  map[string]int
	pageWalks, cursorWalks int
	requests               int
	failures               int
	reported               map[string]int
	nProjects, nWorkflows  int
	nTasks                 int
	shrinking              bool
	shrinks                int
	invalidCases           int
	sizes                  [4]int // walks by rows expected: 0, 1-5, 6-20, more
	today                  time.Time
}

func (p *prop) foldText(s string) string { return p.fold.String(s) }

func (p *prop) pick(list []string) string { return list[p.rng.IntN(len(list))] }

func (p *prop) pickID(ids []int64) int64 { return ids[p.rng.IntN(len(ids))] }

// words joins min to max random words of the vocabulary.
func (p *prop) words(min, max int) string {
	n := min + p.rng.IntN(max-min+1)
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(p.pick([]string{" ", " ", " ", ", ", " - ", "  "}))
		}
		b.WriteString(p.pick(propVocab))
	}
	return b.String()
}

// date is today (UTC) shifted by days.
func (p *prop) date(days int) string {
	return p.today.AddDate(0, 0, days).Format(time.DateOnly)
}

// dueDate is a random due date: null, past, today or future.
func (p *prop) dueDate() any {
	switch p.rng.IntN(8) {
	case 0, 1:
		return nil
	case 2:
		return p.date(0)
	case 3:
		return p.date(-1)
	}
	return p.date(p.rng.IntN(61) - 30)
}

// mustDo sends a request that must answer want, and decodes its body.
func (p *prop) mustDo(c *client, method, path string, body any, want int) *propRow {
	p.t.Helper()
	r := c.do(method, path, body)
	if r.Status != want {
		p.t.Fatalf("%s %s %v: %d %s", method, path, body, r.Status, r.Body)
	}
	var row propRow
	if err := json.Unmarshal(r.Body, &row); err != nil {
		p.t.Fatalf("%s %s: %v in %s", method, path, err, r.Body)
	}
	return &row
}

// build makes the data of three users through the API, with random
// updates and, through SQL, equal timestamps; then reads the model back.
func (p *prop) build() {
	p.today = time.Now().UTC().Truncate(24 * time.Hour)
	r := p.rng
	for i, name := range []string{"ana", "bo", "cy"} {
		c := p.e.user(fmt.Sprintf("prop%d%s", i, name))
		m := &propUser{c: c}
		p.users = append(p.users, m)

		for range 2 + r.IntN(3) {
			body := map[string]any{"name": p.words(1, 3)}
			if r.IntN(4) != 0 {
				body["description"] = p.words(0, 6)
			}
			m.pIDs = append(m.pIDs, c.create("/api/projects/", body))
		}
		for _, pid := range m.pIDs {
			for range 1 + r.IntN(3) {
				body := map[string]any{"project": pid, "name": p.words(1, 3)}
				if r.IntN(3) != 0 {
					body["status"] = p.pick(propWorkflowStatuses)
				}
				m.wIDs = append(m.wIDs, c.create("/api/workflows/", body))
			}
		}
		for range 60 + r.IntN(61) {
			body := map[string]any{"workflow": p.pickID(m.wIDs), "title": p.words(1, 4)}
			if r.IntN(3) != 0 {
				body["description"] = p.words(0, 8)
			}
			if r.IntN(4) != 0 {
				body["status"] = p.pick(propTaskStatuses)
			}
			if r.IntN(4) != 0 {
				body["priority"] = p.pick(propTaskPriorities)
			}
			if due := p.dueDate(); due != nil || r.IntN(2) == 0 {
				body["due_date"] = due
			}
			m.tIDs = append(m.tIDs, c.create("/api/tasks/", body))
		}

		// Random updates, so that updated_at differs from created_at and
		// objects move between workflows and projects.
		for _, id := range m.pIDs {
			if r.IntN(5) < 2 {
				body := map[string]any{"name": p.words(1, 3)}
				if r.IntN(2) == 0 {
					body["description"] = p.words(0, 5)
				}
				p.mustDo(c, "PATCH", fmt.Sprintf("/api/projects/%d/", id), body, http.StatusOK)
			}
		}
		for _, id := range m.wIDs {
			if r.IntN(5) < 2 {
				body := map[string]any{}
				if r.IntN(2) == 0 {
					body["name"] = p.words(1, 3)
				}
				if r.IntN(2) == 0 {
					body["status"] = p.pick(propWorkflowStatuses)
				}
				if r.IntN(3) == 0 {
					body["project"] = p.pickID(m.pIDs)
				}
				p.mustDo(c, "PATCH", fmt.Sprintf("/api/workflows/%d/", id), body, http.StatusOK)
			}
		}
		for _, id := range m.tIDs {
			if r.IntN(10) < 3 {
				body := map[string]any{}
				if r.IntN(2) == 0 {
					body["title"] = p.words(1, 4)
				}
				if r.IntN(3) == 0 {
					body["description"] = p.words(0, 6)
				}
				if r.IntN(2) == 0 {
					body["status"] = p.pick(propTaskStatuses)
				}
				if r.IntN(3) == 0 {
					body["priority"] = p.pick(propTaskPriorities)
				}
				if r.IntN(3) == 0 {
					body["due_date"] = p.dueDate()
				}
				if r.IntN(6) == 0 {
					body["workflow"] = p.pickID(m.wIDs)
				}
				p.mustDo(c, "PATCH", fmt.Sprintf("/api/tasks/%d/", id), body, http.StatusOK)
			}
		}
		p.readModel(m)

		// Equal timestamps cannot be made through the API: set them in the
		// database, to exercise the id tiebreaker, and spread the projects'
		// creation times over days for the created_at filters.
		db := p.e.store.SQL()
		exec := func(table, column string, value, id int64) {
			p.t.Helper()
			if _, err := db.Exec("UPDATE "+table+" SET "+column+" = $1 WHERE id = $2", value, id); err != nil {
				p.t.Fatalf("UPDATE %s: %v", table, err)
			}
		}
		now := time.Now().UnixMicro()
		var prev int64
		for i, id := range m.pIDs {
			v := now - r.Int64N(10*24*int64(time.Hour/time.Microsecond))
			if i > 0 && r.IntN(3) == 0 {
				v = prev
			}
			exec("projects", "created_at", v, id)
			if r.IntN(4) == 0 {
				exec("projects", "updated_at", v, id)
			}
			prev = v
		}
		for _, id := range m.wIDs {
			if r.IntN(3) == 0 {
				exec("workflows", "created_at", m.workflows[p.pickID(m.wIDs)].created, id)
			}
			if r.IntN(5) == 0 {
				exec("workflows", "updated_at", m.workflows[p.pickID(m.wIDs)].updated, id)
			}
		}
		for _, id := range m.tIDs {
			if r.IntN(5) == 0 {
				exec("tasks", "created_at", m.tasks[p.pickID(m.tIDs)].created, id)
			}
			if r.IntN(8) == 0 {
				exec("tasks", "updated_at", m.tasks[p.pickID(m.tIDs)].updated, id)
			}
		}
		p.readModel(m)
		p.checkModel(m)
		p.nProjects += len(m.pIDs)
		p.nWorkflows += len(m.wIDs)
		p.nTasks += len(m.tIDs)
	}
}

// readModel reads every object of the user back, one GET each.
func (p *prop) readModel(m *propUser) {
	read := func(path string, ids []int64, fields func(*propRow) []string) map[int64]*propRow {
		rows := map[int64]*propRow{}
		for _, id := range ids {
			row := p.mustDo(m.c, "GET", fmt.Sprintf("%s%d/", path, id), nil, http.StatusOK)
			var err error
			if row.created, err = propStamp(row.CreatedAt); err != nil {
				p.t.Fatalf("%s%d/: created_at: %v", path, id, err)
			}
			if row.updated, err = propStamp(row.UpdatedAt); err != nil {
				p.t.Fatalf("%s%d/: updated_at: %v", path, id, err)
			}
			for _, f := range fields(row) {
				row.folded = append(row.folded, p.foldText(f))
			}
			rows[id] = row
		}
		return rows
	}
	m.projects = read("/api/projects/", m.pIDs, func(r *propRow) []string { return []string{r.Name, r.Description} })
	m.workflows = read("/api/workflows/", m.wIDs, func(r *propRow) []string { return []string{r.Name} })
	m.tasks = read("/api/tasks/", m.tIDs, func(r *propRow) []string { return []string{r.Title, r.Description} })
}

// propStamp reads an API timestamp as microseconds.
func propStamp(s string) (int64, error) {
	if !stampPattern.MatchString(s) {
		return 0, fmt.Errorf("%q is not a DRF timestamp", s)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UnixMicro(), err
}

// checkModel checks what the detail views said against the model's own
// derivations: a task's project is its workflow's, and the counts.
func (p *prop) checkModel(m *propUser) {
	wfCount, taskCount, wfTasks := map[int64]int64{}, map[int64]int64{}, map[int64]int64{}
	for _, id := range m.wIDs {
		wfCount[*m.workflows[id].Project]++
	}
	for _, id := range m.tIDs {
		task := m.tasks[id]
		if got, want := *task.Project, m.taskProject(task); got != want {
			p.t.Errorf("task %d of workflow %d: project %d, want its workflow's project %d", id, *task.Workflow, got, want)
		}
		taskCount[m.taskProject(task)]++
		wfTasks[*task.Workflow]++
	}
	for _, id := range m.pIDs {
		pr := m.projects[id]
		if *pr.WorkflowCount != wfCount[id] || *pr.TaskCount != taskCount[id] {
			p.t.Errorf("project %d: workflow_count %d, task_count %d; want %d, %d",
				id, *pr.WorkflowCount, *pr.TaskCount, wfCount[id], taskCount[id])
		}
	}
	for _, id := range m.wIDs {
		if got := *m.workflows[id].TaskCount; got != wfTasks[id] {
			p.t.Errorf("workflow %d: task_count %d, want %d", id, got, wfTasks[id])
		}
	}
}

// run sends the random list queries, interleaving users and collections.
func (p *prop) run() {
	p.cases = map[string]int{}
	var plan []string
	for range propTaskCases {
		plan = append(plan, "tasks")
	}
	for range propProjectCases {
		plan = append(plan, "projects")
	}
	for range propWorkflowCases {
		plan = append(plan, "workflows")
	}
	p.rng.Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })
	for i, kind := range plan {
		c := &propCase{res: propResources[kind], m: p.users[i%len(p.users)], cursor: p.rng.IntN(2) == 0}
		switch kind {
		case "tasks":
			c.params = p.taskParams(c.m)
		case "projects":
			c.params = p.projectParams(c.m)
		default:
			c.params = p.workflowParams(c.m)
		}
		p.cases[kind]++
		if f := p.check(c); f != nil {
			p.failed(c, f)
		}
	}
}

// failed shrinks a failing case to a minimal one and reports it, once per
// kind of failure.
func (p *prop) failed(c *propCase, f *propFailure) {
	p.failures++
	if len(p.reported) >= propMaxReports || p.shrinks >= 3*propMaxReports {
		return
	}
	p.shrinks++
	min, mf := p.shrink(c, f)
	keys := make([]string, len(min.params))
	for i, param := range min.params {
		keys[i] = param.k
	}
	sort.Strings(keys)
	sig := fmt.Sprintf("%s %v %s %v", c.res.kind, c.cursor, f.kind, keys)
	if p.reported[sig]++; p.reported[sig] > 1 {
		return
	}
	p.t.Errorf("%s: seed %d: %s\n  failing query: %s\n  minimal query: %s\n  %s",
		p.e.engine, p.seed, f.kind, c, min, mf.msg)
}

// shrink drops parameters while the case fails the same way.
func (p *prop) shrink(c *propCase, f *propFailure) (*propCase, *propFailure) {
	p.shrinking = true
	defer func() { p.shrinking = false }()
	var tries []*propCase
	for changed := true; changed; {
		changed = false
		tries = tries[:0]
		for i := range c.params {
			try := *c
			try.params = slices.Delete(slices.Clone(c.params), i, i+1)
			tries = append(tries, &try)
		}
		// Then single parts of an ordering or a search.
		for i, param := range c.params {
			sep := ","
			if param.k == "search" {
				sep = " "
			} else if param.k != "ordering" {
				continue
			}
			parts := strings.Split(param.v, sep)
			for j := range parts {
				if len(parts) < 2 {
					break
				}
				try := *c
				try.params = slices.Clone(c.params)
				try.params[i].v = strings.Join(slices.Delete(slices.Clone(parts), j, j+1), sep)
				tries = append(tries, &try)
			}
		}
		for _, try := range tries {
			if f2 := p.check(try); f2 != nil && f2.kind == f.kind {
				c, f, changed = try, f2, true
				break
			}
		}
	}
	return c, f
}

// --- random queries

// searchValue is a search parameter of one to three terms or a quoted
// phrase and terms, from the vocabulary and the user's own texts, in
// random case.
func (p *prop) searchValue(texts []string) string {
	r := p.rng
	sep := func() string { return p.pick([]string{" ", " ", ",", ", ", "\t", "  ", " ,"}) }
	var parts []string
	if r.IntN(4) == 0 {
		// A phrase: a piece of a real text with a space in it.
		// Neither quotes nor backslashes inside: DRF's smart_split reads
		// \" and \\ in a phrase as escapes.
		text := []rune(strings.NewReplacer(`"`, "", `\`, "").Replace(texts[r.IntN(len(texts))]))
		if len(text) > 2 {
			i := r.IntN(len(text) - 1)
			j := i + 2 + r.IntN(min(12, len(text)-i-1))
			if phrase := strings.TrimSpace(string(text[i:j])); phrase != "" {
				parts = append(parts, `"`+p.randomCase(phrase)+`"`)
			}
		}
	}
	var bare []string
	for range []int{1, 1, 1, 1, 2, 2, 3}[r.IntN(7)] - min(len(parts), 1) {
		var src string
		switch r.IntN(3) {
		case 0:
			src = p.pick(propVocab)
		case 1:
			src = texts[r.IntN(len(texts))]
		default:
			w := []rune(p.pick(propVocab))
			i := r.IntN(len(w))
			src = string(w[i : i+1+r.IntN(len(w)-i)])
		}
		// One piece between separators, sometimes only part of it.
		pieces := strings.FieldsFunc(src, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
		if len(pieces) == 0 {
			continue
		}
		w := []rune(pieces[r.IntN(len(pieces))])
		if r.IntN(2) == 0 {
			i := r.IntN(len(w))
			w = w[i : i+1+r.IntN(len(w)-i)]
		}
		bare = append(bare, p.randomCase(string(w)))
	}
	// Quotes only inside a lone term: a term that starts or ends with one,
	// or quotes that pair across terms, read differently in DRF's
	// smart_split (which also takes 'single-quoted' phrases).
	for _, term := range bare {
		if len(parts)+len(bare) > 1 {
			term = strings.NewReplacer(`"`, "", "'", "").Replace(term)
		}
		if term = strings.Trim(term, `"'`); term != "" {
			parts = append(parts, term)
		}
	}
	if len(parts) == 0 {
		parts = []string{"a"}
	}
	p.rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
	var b strings.Builder
	if r.IntN(6) == 0 {
		b.WriteString(sep())
	}
	for i, part := range parts {
		if i > 0 {
			sp := sep()
			if sp == "," && (strings.HasPrefix(part, `"`) || strings.HasPrefix(parts[i-1], `"`)) {
				sp = ", " // DRF's smart_split glues "a phrase",term together
			}
			b.WriteString(sp)
		}
		b.WriteString(part)
	}
	if r.IntN(6) == 0 {
		b.WriteString(sep())
	}
	return b.String()
}

// randomCase changes the case of some letters, and sometimes ß to SS.
func (p *prop) randomCase(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch p.rng.IntN(3) {
		case 0:
			if c == 'ß' && p.rng.IntN(2) == 0 {
				b.WriteString("SS")
				continue
			}
			c = unicode.ToUpper(c)
		case 1:
			c = unicode.ToLower(c)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// orderingValue is 0 to 3 distinct known fields in random directions, and
// sometimes unknown ones that the server must drop.
func (p *prop) orderingValue(fields []string) string {
	r := p.rng
	var parts []string
	for _, i := range r.Perm(len(fields))[:r.IntN(4)] {
		f := fields[i]
		if r.IntN(2) == 0 {
			f = "-" + f
		}
		if r.IntN(8) == 0 {
			f = " " + f + " "
		}
		parts = append(parts, f)
	}
	if len(parts) == 0 || r.IntN(4) == 0 {
		unknown := []string{"id", "-id", "bogus", "owner", "-description", "Title", "NAME", "--" + fields[0],
			"+" + fields[0], "", "-", "workflow", "project", "completed_at", "?", "created_at.id", "pk"}
		for range 1 + r.IntN(2) {
			at := r.IntN(len(parts) + 1)
			parts = slices.Insert(parts, at, p.pick(unknown))
		}
	}
	return strings.Join(parts, ",")
}

// pageSize is mostly 1 to 25, sometimes larger, invalid or over 100.
func (p *prop) pageSize(ps []propKV) []propKV {
	switch n := p.rng.IntN(20); {
	case n < 14:
		return append(ps, propKV{"page_size", strconv.Itoa(1 + p.rng.IntN(25))})
	case n < 16:
		return append(ps, propKV{"page_size", p.pick([]string{"0", "-3", "abc", "", "1.5", "2x", " "})})
	case n < 17:
		return append(ps, propKV{"page_size", p.pick([]string{"101", "150", "100000"})})
	case n < 18:
		return append(ps, propKV{"page_size", strconv.Itoa(26 + p.rng.IntN(75))})
	}
	return ps // the default
}

// choiceList is 1 to 3 choices joined by commas.
func (p *prop) choiceList(choices []string) string {
	var vs []string
	for _, i := range p.rng.Perm(len(choices))[:1+p.rng.IntN(3)] {
		vs = append(vs, choices[i])
	}
	return strings.Join(vs, p.pick([]string{",", ",", ", "}))
}

// decorate adds what must not change a list: an unknown parameter, an
// empty filter, an earlier value of a repeated one; then page size,
// search and ordering.
func (p *prop) decorate(ps []propKV, res *propResource, texts []string, filters []string) []propKV {
	r := p.rng
	r.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
	if r.IntN(8) == 0 {
		ps = append(ps, propKV{p.pick([]string{"foo", "title", "name", "owner", "format", "q"}), "x"})
	}
	if r.IntN(8) == 0 {
		ps = append(ps, propKV{p.pick(filters), ""})
	}
	if r.IntN(25) == 0 {
		// A value that may be invalid: then the list is a 400 naming it.
		ps = append(ps, propKV{p.pick(filters), p.pick([]string{"bogus", "1", "todo", "2020-01-01", "-1", "2026-02-30"})})
	}
	if len(ps) > 0 && r.IntN(6) == 0 {
		// An earlier value of a repeated parameter is ignored, even an
		// invalid one.
		later := ps[r.IntN(len(ps))]
		ps = slices.Insert(ps, 0, propKV{later.k, p.pick([]string{"bogus", "", "1", "todo", "2020-01-01"})})
	}
	if r.IntN(2) == 0 {
		ps = append(ps, propKV{"search", p.searchValue(texts)})
	}
	if r.IntN(5) != 0 {
		ps = append(ps, propKV{"ordering", p.orderingValue(res.ordering)})
	}
	return p.pageSize(ps)
}

func (p *prop) texts(m *propUser, kind string) []string {
	rows, ids := m.rows(kind)
	var texts []string
	for _, id := range ids {
		r := rows[id]
		for _, s := range []string{r.Name, r.Title, r.Description} {
			if s != "" {
				texts = append(texts, s)
			}
		}
	}
	return texts
}

func (p *prop) dateParam() string {
	d := p.today.AddDate(0, 0, p.rng.IntN(61)-30)
	if p.rng.IntN(5) == 0 {
		return fmt.Sprintf("%d-%d-%d", d.Year(), d.Month(), d.Day()) // one-digit month and day
	}
	return d.Format(time.DateOnly)
}

func (p *prop) taskParams(m *propUser) []propKV {
	r := p.rng
	var ps []propKV
	if r.IntN(5) == 0 {
		ps = append(ps, propKV{"workflow", strconv.FormatInt(p.pickID(m.wIDs), 10)})
	}
	if r.IntN(5) == 0 {
		ps = append(ps, propKV{"project", strconv.FormatInt(p.pickID(m.pIDs), 10)})
	}
	if r.IntN(6) == 0 {
		ps = append(ps, propKV{"status", p.pick(propTaskStatuses)})
	}
	if r.IntN(5) == 0 {
		ps = append(ps, propKV{"status__in", p.choiceList(propTaskStatuses)})
	}
	if r.IntN(6) == 0 {
		ps = append(ps, propKV{"priority", p.pick(propTaskPriorities)})
	}
	if r.IntN(5) == 0 {
		ps = append(ps, propKV{"priority__in", p.choiceList(propTaskPriorities)})
	}
	for _, name := range []string{"due_date__gte", "due_date__lte"} {
		if r.IntN(6) == 0 {
			v := p.dateParam()
			if task := m.tasks[p.pickID(m.tIDs)]; task.DueDate != nil && r.IntN(2) == 0 {
				v = *task.DueDate // on a boundary
			}
			ps = append(ps, propKV{name, v})
		}
	}
	if r.IntN(5) == 0 {
		ps = append(ps, propKV{"overdue", p.pick([]string{"true", "false", "True", "FALSE", "1", "0"})})
	}
	return p.decorate(ps, propResources["tasks"], p.texts(m, "tasks"), []string{"workflow", "project",
		"status", "status__in", "priority", "priority__in", "due_date__gte", "due_date__lte", "overdue"})
}

func (p *prop) workflowParams(m *propUser) []propKV {
	r := p.rng
	var ps []propKV
	if r.IntN(3) == 0 {
		ps = append(ps, propKV{"project", strconv.FormatInt(p.pickID(m.pIDs), 10)})
	}
	if r.IntN(4) == 0 {
		ps = append(ps, propKV{"status", p.pick(propWorkflowStatuses)})
	}
	if r.IntN(4) == 0 {
		ps = append(ps, propKV{"status__in", p.choiceList(propWorkflowStatuses)})
	}
	return p.decorate(ps, propResources["workflows"], p.texts(m, "workflows"), []string{"project", "status", "status__in"})
}

func (p *prop) projectParams(m *propUser) []propKV {
	r := p.rng
	var ps []propKV
	for _, name := range []string{"created_at__gte", "created_at__lte"} {
		if r.IntN(2) == 0 {
			ps = append(ps, propKV{name, p.timeParam(m)})
		}
	}
	return p.decorate(ps, propResources["projects"], p.texts(m, "projects"), []string{"created_at__gte", "created_at__lte"})
}

// timeParam is a timestamp near a project's creation, in one of the ISO
// 8601 forms.
func (p *prop) timeParam(m *propUser) string {
	r := p.rng
	base := m.projects[p.pickID(m.pIDs)].created
	offsets := []int64{0, 0, 1, -1, 1e6, -1e6, 3600e6, -3600e6, 86400e6, -86400e6}
	t := time.UnixMicro(base + offsets[r.IntN(len(offsets))]).UTC()
	switch r.IntN(4) {
	case 0:
		return t.Format("2006-01-02T15:04:05.000000Z")
	case 1:
		return t.Format(time.RFC3339Nano)
	case 2:
		return t.In(time.FixedZone("", -(5*3600 + 30*60))).Format("2006-01-02T15:04:05.999999-07:00")
	}
	return t.Format(time.DateOnly) // its midnight, UTC
}

// --- the model

// propSplit splits a search value as api.md says: on white space and
// commas, double-quoted phrases kept whole.
func propSplit(s string) []string {
	isSep := func(r rune) bool { return r == ',' || unicode.IsSpace(r) }
	rs := []rune(s)
	var terms []string
	for i := 0; i < len(rs); {
		if isSep(rs[i]) {
			i++
			continue
		}
		if rs[i] == '"' {
			if j := slices.Index(rs[i+1:], '"'); j >= 0 {
				if phrase := string(rs[i+1 : i+1+j]); strings.TrimSpace(phrase) != "" {
					terms = append(terms, phrase)
				}
				i += j + 2
				continue
			}
		}
		j := i
		for j < len(rs) && !isSep(rs[j]) {
			j++
		}
		terms = append(terms, string(rs[i:j]))
		i = j
	}
	return terms
}

// propOrder is one field of a model ordering.
type propOrder struct {
	field string
	desc  bool
}

// propOrdering keeps the known fields of an ordering value; none means
// newest first.
func propOrdering(v string, known []string) []propOrder {
	var out []propOrder
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		o := propOrder{field: part}
		if strings.HasPrefix(part, "-") {
			o = propOrder{field: part[1:], desc: true}
		}
		if !slices.Contains(known, o.field) || slices.ContainsFunc(out, func(x propOrder) bool { return x.field == o.field }) {
			continue
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		return []propOrder{{"created_at", true}}
	}
	return out
}

// propCompareField compares two rows by one field: text by code points,
// priority by rank, a missing due date after every date.
func propCompareField(a, b *propRow, field string) int {
	switch field {
	case "name":
		return strings.Compare(a.Name, b.Name)
	case "title":
		return strings.Compare(a.Title, b.Title)
	case "status":
		return strings.Compare(a.Status, b.Status)
	case "priority":
		return cmp.Compare(propRank(a.Priority), propRank(b.Priority))
	case "due_date":
		switch {
		case a.DueDate == nil && b.DueDate == nil:
			return 0
		case a.DueDate == nil:
			return 1
		case b.DueDate == nil:
			return -1
		}
		return strings.Compare(*a.DueDate, *b.DueDate)
	case "created_at":
		return cmp.Compare(a.created, b.created)
	case "updated_at":
		return cmp.Compare(a.updated, b.updated)
	}
	panic("unknown field " + field)
}

func propCompareRows(a, b *propRow, ord []propOrder) int {
	for _, o := range ord {
		c := propCompareField(a, b, o.field)
		if o.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	c := cmp.Compare(a.ID, b.ID) // the tiebreaker, as the last field runs
	if ord[len(ord)-1].desc {
		c = -c
	}
	return c
}

// propChoiceOK applies a one-value or comma-separated filter of choices.
func propChoiceOK(value, one, in string) bool {
	if one != "" && value != one {
		return false
	}
	if in != "" {
		var set []string
		for _, v := range strings.Split(in, ",") {
			set = append(set, strings.TrimSpace(v))
		}
		if !slices.Contains(set, value) {
			return false
		}
	}
	return true
}

func propIDIs(id int64, v string) bool {
	return v == "" || strconv.FormatInt(id, 10) == v
}

// propDate reads a date filter value: YYYY-MM-DD, one-digit month and
// day allowed.
func propDate(v string) (string, bool) {
	d, err := time.Parse("2006-1-2", v)
	if err != nil {
		return "", false
	}
	return d.Format(time.DateOnly), true
}

// propInvalid collects the names of filters with an invalid value; an
// empty value does not filter, so is never invalid.
func propInvalid(q map[string]string, checks map[string]func(string) bool) []string {
	var bad []string
	for name, ok := range checks {
		if v := q[name]; v != "" && !ok(v) {
			bad = append(bad, name)
		}
	}
	sort.Strings(bad)
	return bad
}

func propOwnID(ids []int64) func(string) bool {
	return func(v string) bool {
		n, err := strconv.ParseInt(v, 10, 64)
		return err == nil && slices.Contains(ids, n)
	}
}

func propOneOf(choices []string) func(string) bool {
	return func(v string) bool { return slices.Contains(choices, v) }
}

func propSomeOf(choices []string) func(string) bool {
	return func(v string) bool {
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" && !slices.Contains(choices, item) {
				return false
			}
		}
		return true
	}
}

func propIsDate(v string) bool { _, ok := propDate(v); return ok }

func propIsTime(v string) bool { _, ok := propTime(v); return ok }

func propTaskInvalid(m *propUser, q map[string]string) []string {
	return propInvalid(q, map[string]func(string) bool{
		"workflow": propOwnID(m.wIDs), "project": propOwnID(m.pIDs),
		"status": propOneOf(propTaskStatuses), "status__in": propSomeOf(propTaskStatuses),
		"priority": propOneOf(propTaskPriorities), "priority__in": propSomeOf(propTaskPriorities),
		"due_date__gte": propIsDate, "due_date__lte": propIsDate,
		"overdue": func(v string) bool { return slices.Contains([]string{"true", "false", "1", "0"}, strings.ToLower(v)) },
	})
}

func propWorkflowInvalid(m *propUser, q map[string]string) []string {
	return propInvalid(q, map[string]func(string) bool{
		"project": propOwnID(m.pIDs), "status": propOneOf(propWorkflowStatuses), "status__in": propSomeOf(propWorkflowStatuses),
	})
}

func propProjectInvalid(_ *propUser, q map[string]string) []string {
	return propInvalid(q, map[string]func(string) bool{"created_at__gte": propIsTime, "created_at__lte": propIsTime})
}

func propTaskMatches(m *propUser, t *propRow, q map[string]string, today string) bool {
	if !propIDIs(*t.Workflow, q["workflow"]) || !propIDIs(m.taskProject(t), q["project"]) ||
		!propChoiceOK(t.Status, q["status"], q["status__in"]) || !propChoiceOK(t.Priority, q["priority"], q["priority__in"]) {
		return false
	}
	if v, _ := propDate(q["due_date__gte"]); v != "" && (t.DueDate == nil || *t.DueDate < v) {
		return false
	}
	if v, _ := propDate(q["due_date__lte"]); v != "" && (t.DueDate == nil || *t.DueDate > v) {
		return false
	}
	if v := strings.ToLower(q["overdue"]); v != "" {
		overdue := t.DueDate != nil && *t.DueDate < today && t.Status != "done"
		if overdue != (v == "true" || v == "1") {
			return false
		}
	}
	return true
}

func propWorkflowMatches(_ *propUser, w *propRow, q map[string]string, _ string) bool {
	return propIDIs(*w.Project, q["project"]) && propChoiceOK(w.Status, q["status"], q["status__in"])
}

// propTime reads a created_at filter value: ISO 8601 with a zone, or a
// date alone meaning its midnight UTC.
func propTime(v string) (int64, bool) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		if t, err = time.Parse(time.DateOnly, v); err != nil {
			return 0, false
		}
	}
	return t.UnixMicro(), true
}

func propProjectMatches(_ *propUser, pr *propRow, q map[string]string, _ string) bool {
	if v, ok := propTime(q["created_at__gte"]); ok && pr.created < v {
		return false
	}
	if v, ok := propTime(q["created_at__lte"]); ok && pr.created > v {
		return false
	}
	return true
}

// want is the model's answer to a case: the rows in order.
func (p *prop) want(c *propCase) ([]*propRow, []propOrder) {
	q := propLastValues(c.params)
	today := time.Now().UTC().Format(time.DateOnly)
	var terms []string
	for _, term := range propSplit(q["search"]) {
		terms = append(terms, p.foldText(term))
	}
	rows, ids := c.m.rows(c.res.kind)
	var out []*propRow
	for _, id := range ids {
		r := rows[id]
		if !c.res.filter(c.m, r, q, today) {
			continue
		}
		ok := true
		for _, term := range terms {
			ok = ok && slices.ContainsFunc(r.folded, func(f string) bool { return strings.Contains(f, term) })
		}
		if ok {
			out = append(out, r)
		}
	}
	ord := propOrdering(q["ordering"], c.res.ordering)
	slices.SortFunc(out, func(a, b *propRow) int { return propCompareRows(a, b, ord) })
	return out, ord
}

// propPageSize is page_size as DRF reads it: default 20, at most 100.
func propPageSize(v string) int {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 20
	}
	return min(n, 100)
}

// --- the walks

// propEnvelope is a list response.
type propEnvelope struct {
	Count    *int      `json:"count"`
	Next     *string   `json:"next"`
	Previous *string   `json:"previous"`
	Results  []propRow `json:"results"`
}

// get fetches one page and checks its envelope's keys.
func (p *prop) get(c *propCase, target string) (*propEnvelope, *propFailure) {
	p.requests++
	r := c.m.c.do("GET", target, nil)
	if r.Status != http.StatusOK {
		return nil, propFail("status", "GET %s: status %d, body %s", target, r.Status, r.Body)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &keys); err != nil {
		return nil, propFail("envelope", "GET %s: %v in %s", target, err, r.Body)
	}
	want := []string{"count", "next", "previous", "results"}
	if c.cursor {
		want = want[1:]
	}
	var got []string
	for k := range keys {
		got = append(got, k)
	}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		return nil, propFail("envelope", "GET %s: keys %v, want %v", target, got, want)
	}
	var env propEnvelope
	if err := json.Unmarshal(r.Body, &env); err != nil {
		return nil, propFail("envelope", "GET %s: %v in %s", target, err, r.Body)
	}
	if string(keys["results"]) == "null" {
		return nil, propFail("envelope", "GET %s: results is null", target)
	}
	return &env, nil
}

// propDescribe shows rows from index from on, with their sort keys.
func propDescribe(rows []*propRow, ord []propOrder, from int) string {
	var parts []string
	if from > 0 {
		parts = append(parts, fmt.Sprintf("(%d rows before)", from))
	}
	for i := from; i < len(rows); i++ {
		if i == from+8 {
			parts = append(parts, fmt.Sprintf("... (%d rows in all)", len(rows)))
			break
		}
		r := rows[i]
		var keys []string
		for _, o := range ord {
			var v any
			switch o.field {
			case "name":
				v = strconv.Quote(r.Name)
			case "title":
				v = strconv.Quote(r.Title)
			case "status":
				v = r.Status
			case "priority":
				v = r.Priority
			case "due_date":
				v = "null"
				if r.DueDate != nil {
					v = *r.DueDate
				}
			case "created_at":
				v = r.CreatedAt
			case "updated_at":
				v = r.UpdatedAt
			}
			keys = append(keys, fmt.Sprintf("%s=%v", o.field, v))
		}
		parts = append(parts, fmt.Sprintf("%d{%s}", r.ID, strings.Join(keys, " ")))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// comparePage checks a page's rows against the model's.
func (p *prop) comparePage(c *propCase, where string, got []propRow, want []*propRow, ord []propOrder) *propFailure {
	rows, _ := c.m.rows(c.res.kind)
	var gotRows []*propRow
	for i := range got {
		g := &got[i]
		model, ok := rows[g.ID]
		if !ok {
			return propFail("foreign", "%s: row %d is not one of %s's %s: %s", where, g.ID, c.m.c.Username, c.res.kind, g.sig())
		}
		gotRows = append(gotRows, model)
	}
	first := 0 // the first difference
	for first < len(got) && first < len(want) && got[first].ID == want[first].ID {
		first++
	}
	if first < len(got) || first < len(want) {
		from := max(0, first-2)
		return propFail("rows", "%s: rows differ from row %d on\n  got  %s\n  want %s",
			where, first+1, propDescribe(gotRows, ord, from), propDescribe(want, ord, from))
	}
	for i := range got {
		g, w := &got[i], want[i]
		if g.sig() != w.sig() {
			return propFail("fields", "%s: row %d\n  got  %s\n  want %s", where, g.ID, g.sig(), w.sig())
		}
	}
	return nil
}

// checkLink checks a next or previous link: absolute, to the collection,
// every other parameter kept, keys sorted, param set to value (absent when
// value is "", anything non-empty when value is "*"). It returns the path
// and query to follow.
func (p *prop) checkLink(c *propCase, link *string, sent []propKV, param, value string) (string, *propFailure) {
	u, err := url.Parse(*link)
	if err != nil || u.Scheme != "http" || u.Host != "example.com" || u.Path != c.res.path {
		return "", propFail("links", "link %q is not an absolute URL of %s", *link, c.res.path)
	}
	q := u.Query()
	switch got := q.Get(param); {
	case value == "" && q.Has(param):
		return "", propFail("links", "link %q should leave %s out", *link, param)
	case value == "*" && got == "":
		return "", propFail("links", "link %q has no %s", *link, param)
	case value != "" && value != "*" && got != value:
		return "", propFail("links", "link %q: %s=%q, want %q", *link, param, got, value)
	}
	delete(q, param)
	want := propValues(sent)
	delete(want, param)
	if len(q) == 0 {
		q = nil
	}
	if len(want) == 0 {
		want = nil
	}
	if !reflect.DeepEqual(q, want) {
		return "", propFail("links", "link %q keeps %v, want %v", *link, q, want)
	}
	var keys []string
	for _, part := range strings.Split(u.RawQuery, "&") {
		k, _, _ := strings.Cut(part, "=")
		keys = append(keys, k)
	}
	if !slices.IsSorted(keys) {
		return "", propFail("links", "link %q: parameters not sorted", *link)
	}
	return u.RequestURI(), nil
}

func (p *prop) check(c *propCase) *propFailure {
	if bad := c.res.invalid(c.m, propLastValues(c.params)); len(bad) > 0 {
		// Every invalid filter is reported in one 400.
		if !p.shrinking {
			p.invalidCases++
		}
		p.requests++
		r := c.m.c.do("GET", c.url(), nil)
		var body map[string][]string
		json.Unmarshal(r.Body, &body)
		var keys []string
		for k := range body {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if r.Status != http.StatusBadRequest || !slices.Equal(keys, bad) {
			return propFail("status", "GET %s: %d %s, want 400 naming %v", c.url(), r.Status, r.Body, bad)
		}
		return nil
	}
	want, ord := p.want(c)
	size := propPageSize(propLastValues(c.params)["page_size"])
	var chunks [][]*propRow
	for i := 0; i < len(want); i += size {
		chunks = append(chunks, want[i:min(i+size, len(want))])
	}
	if len(chunks) == 0 {
		chunks = [][]*propRow{nil} // page 1 of an empty list
	}
	if !p.shrinking {
		switch n := len(want); {
		case n == 0:
			p.sizes[0]++
		case n <= 5:
			p.sizes[1]++
		case n <= 20:
			p.sizes[2]++
		default:
			p.sizes[3]++
		}
		if c.cursor {
			p.cursorWalks++
		} else {
			p.pageWalks++
		}
	}
	if c.cursor {
		return p.walkCursor(c, chunks, ord)
	}
	return p.walkPages(c, len(want), chunks, ord)
}

// walkPages walks every page forward by next links, reads page=last,
// walks back by previous links, and asks for the page past the end.
func (p *prop) walkPages(c *propCase, count int, chunks [][]*propRow, ord []propOrder) *propFailure {
	pages := len(chunks)
	checkPage := func(env *propEnvelope, n int, sent []propKV) (next, prev string, f *propFailure) {
		where := fmt.Sprintf("page %d of %d", n, pages)
		if env.Count == nil || *env.Count != count {
			return "", "", propFail("count", "%s: count %v, want %d", where, propDerefInt(env.Count), count)
		}
		if f := p.comparePage(c, where, env.Results, chunks[n-1], ord); f != nil {
			return "", "", f
		}
		if (env.Next == nil) != (n == pages) {
			return "", "", propFail("links", "%s: next %v", where, propDerefStr(env.Next))
		}
		if (env.Previous == nil) != (n == 1) {
			return "", "", propFail("links", "%s: previous %v", where, propDerefStr(env.Previous))
		}
		if env.Next != nil {
			if next, f = p.checkLink(c, env.Next, sent, "page", strconv.Itoa(n+1)); f != nil {
				return "", "", f
			}
		}
		if env.Previous != nil {
			v := strconv.Itoa(n - 1)
			if n == 2 {
				v = "" // the link to page 1 leaves page out
			}
			if prev, f = p.checkLink(c, env.Previous, sent, "page", v); f != nil {
				return "", "", f
			}
		}
		return next, prev, nil
	}
	target, sent := c.url(), c.params
	for n := 1; ; n++ {
		env, f := p.get(c, target)
		if f != nil {
			return f
		}
		next, _, f := checkPage(env, n, sent)
		if f != nil {
			return f
		}
		if next == "" {
			break
		}
		target, sent = next, propLinkParams(next)
	}

	// page=last, then back to page 1 by previous links.
	sent = append(slices.Clone(c.params), propKV{"page", "last"})
	target = c.url(propKV{"page", "last"})
	for n := pages; n >= 1; n-- {
		env, f := p.get(c, target)
		if f != nil {
			return f
		}
		_, prev, f := checkPage(env, n, sent)
		if f != nil {
			return propFail(f.kind, "walking back from page=last: %s", f.msg)
		}
		target, sent = prev, propLinkParams(prev)
	}

	// The page past the end.
	p.requests++
	past := c.url(propKV{"page", strconv.Itoa(pages + 1)})
	if r := c.m.c.do("GET", past, nil); r.Status != http.StatusNotFound || string(r.Body) != `{"detail":"Invalid page."}` {
		return propFail("status", "GET %s: %d %s, want 404 Invalid page.", past, r.Status, r.Body)
	}
	return nil
}

// propLinkParams reads the parameters of a followed link.
func propLinkParams(target string) []propKV {
	u, _ := url.Parse(target)
	var ps []propKV
	for k, vs := range u.Query() {
		for _, v := range vs {
			ps = append(ps, propKV{k, v})
		}
	}
	return ps
}

// walkCursor walks forward from cursor= to the end by next links, then
// back to the start by previous links: the same pages in reverse.
func (p *prop) walkCursor(c *propCase, chunks [][]*propRow, ord []propOrder) *propFailure {
	sent := append(slices.Clone(c.params), propKV{"cursor", ""})
	target := c.url()
	var forward []*propEnvelope
	for n := 1; ; n++ {
		if n > len(chunks) {
			return propFail("rows", "cursor walk goes on past %d pages", len(chunks))
		}
		where := fmt.Sprintf("cursor page %d of %d", n, len(chunks))
		env, f := p.get(c, target)
		if f != nil {
			return f
		}
		if f := p.comparePage(c, where, env.Results, chunks[n-1], ord); f != nil {
			return f
		}
		if (env.Previous == nil) != (n == 1) {
			return propFail("links", "%s: previous %v", where, propDerefStr(env.Previous))
		}
		if (env.Next == nil) != (n == len(chunks)) {
			return propFail("links", "%s: next %v", where, propDerefStr(env.Next))
		}
		forward = append(forward, env)
		if env.Next == nil {
			break
		}
		if target, f = p.checkLink(c, env.Next, sent, "cursor", "*"); f != nil {
			return f
		}
		sent = propLinkParams(target)
	}
	// Backward from the last page.
	prev := forward[len(forward)-1].Previous
	for n := len(forward) - 1; n >= 1; n-- {
		where := fmt.Sprintf("cursor page %d of %d, walking back", n, len(chunks))
		if prev == nil {
			return propFail("links", "%s: no previous link to it", where)
		}
		target, f := p.checkLink(c, prev, sent, "cursor", "*")
		if f != nil {
			return f
		}
		sent = propLinkParams(target)
		env, f := p.get(c, target)
		if f != nil {
			return f
		}
		if f := p.comparePage(c, where, env.Results, chunks[n-1], ord); f != nil {
			return f
		}
		if env.Next == nil {
			return propFail("links", "%s: no next link", where)
		}
		prev = env.Previous
		if n == 1 && prev != nil {
			return propFail("links", "%s: the first page has a previous link %s", where, *prev)
		}
	}
	return nil
}

func propDerefInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func propDerefStr(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}
