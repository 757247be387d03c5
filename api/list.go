package api

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/flowtrack/flowtrack"
)

// Page sizes of the lists.
const (
	defaultPageSize = 20
	maxPageSize     = 100
	// maxPage is past the end of any list, and keeps offsets from overflowing.
	maxPage = 1 << 40
)

// pageParams are the page number parameters of a list request.
type pageParams struct {
	page int // 0 with last
	last bool
	size int
}

// readPage reads page and page_size as DRF's PageNumberPagination: an
// invalid or zero page_size means the default, a larger one is clamped,
// and a page that is not a positive number (or "last") is 404.
func readPage(q url.Values) (pageParams, error) {
	pp := pageParams{page: 1, size: defaultPageSize}
	if n, err := strconv.Atoi(strings.TrimSpace(lastValue(q, "page_size"))); err == nil && n > 0 {
		pp.size = min(n, maxPageSize)
	}
	switch raw := strings.TrimSpace(lastValue(q, "page")); raw {
	case "", "1":
	case "last":
		pp.page, pp.last = 0, true
	default:
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxPage {
			return pp, errInvalidPage
		}
		pp.page = n
	}
	return pp, nil
}

// lastValue is the value of a parameter as Django's QueryDict reads it:
// the last of repeated ones.
func lastValue(q url.Values, key string) string {
	v := q[key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// pageBody is DRF's page-number envelope.
type pageBody struct {
	Count    int     `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []any   `json:"results"`
}

// handleList answers a list: DRF's page-number envelope, or with a cursor
// parameter (empty to start) DRF's cursor envelope.
func (res *resource[T, In]) handleList(w http.ResponseWriter, r *request) error {
	query := r.URL.Query()
	lq, err := res.params.readListQuery(r, query)
	if err != nil {
		return err
	}
	if _, ok := query["cursor"]; ok {
		return res.cursorPage(w, r, query, lq)
	}
	pp, err := readPage(query)
	if err != nil {
		return err
	}
	lq.Offset, lq.Limit, lq.Last = (pp.page-1)*pp.size, pp.size, pp.last
	if pp.last {
		lq.Offset = 0
	}
	rows, count, err := res.list(r.data, r.Context(), lq)
	if err != nil {
		return err
	}
	pages := max(1, (count+pp.size-1)/pp.size)
	if pp.last {
		pp.page = pages
	}
	if pp.page > pages {
		return errInvalidPage
	}
	body := pageBody{Count: count, Results: res.renderAll(rows)}
	if pp.page < pages {
		body.Next = pageLink(r.Request, res.path, query, "page", strconv.Itoa(pp.page+1))
	}
	if pp.page > 1 {
		prev := strconv.Itoa(pp.page - 1)
		if pp.page == 2 {
			prev = "" // the link to page 1 leaves page out
		}
		body.Previous = pageLink(r.Request, res.path, query, "page", prev)
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (res *resource[T, In]) renderAll(rows []T) []any {
	out := make([]any, len(rows))
	for i := range rows {
		out[i] = res.render(&rows[i])
	}
	return out
}

// cursorBody is DRF's CursorPagination envelope: no count.
type cursorBody struct {
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []any   `json:"results"`
}

// cursorPage answers a page after (or before) a cursor. The store seeks
// to the cursor's position in an index, so the cost does not grow with
// the user's data.
func (res *resource[T, In]) cursorPage(w http.ResponseWriter, r *request, query url.Values, lq flowtrack.ListQuery) error {
	order := lq.Ordering()
	fields := make([]string, len(order))
	for i, o := range order {
		fields[i] = o.Field
	}
	orderText := orderingString(order)
	cursor, err := r.server.decodeCursor(lastValue(query, "cursor"), orderText, fields,
		func(field string) any { return res.sortKey(new(T), field) })
	if err != nil {
		return err
	}
	pp, _ := readPage(url.Values{"page_size": query["page_size"]})
	lq.Limit, lq.Cursor = pp.size, cursor
	rows, _, err := res.list(r.data, r.Context(), lq)
	if err != nil {
		return err
	}
	more := len(rows) > lq.Limit
	if more {
		rows = rows[:lq.Limit]
	}
	if cursor.Reverse {
		slices.Reverse(rows)
	}
	started := len(cursor.Key) > 0
	link := func(row *T, reverse bool) *string {
		key := make([]any, 0, len(fields)+1)
		for _, f := range fields {
			key = append(key, res.sortKey(row, f))
		}
		key = append(key, res.id(row))
		c := r.server.encodeCursor(orderText, flowtrack.Cursor{Reverse: reverse, Key: key})
		return pageLink(r.Request, res.path, query, "cursor", c)
	}
	body := cursorBody{Results: res.renderAll(rows)}
	if len(rows) > 0 {
		// Forward, there is a next page when a row was left over and a
		// previous one when we started from a cursor; backward, the reverse.
		if (!cursor.Reverse && more) || (cursor.Reverse && started) {
			body.Next = link(&rows[len(rows)-1], false)
		}
		if (cursor.Reverse && more) || (!cursor.Reverse && started) {
			body.Previous = link(&rows[0], true)
		}
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// pageLink is the absolute URL of another page, built as DRF builds it:
// every other parameter kept, keys sorted, param set to value (left out
// when value is empty).
func pageLink(r *http.Request, path string, query url.Values, param, value string) *string {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	if value == "" {
		delete(q, param)
	} else {
		q[param] = []string{value}
	}
	link := absoluteURL(r, path) + encodeSorted(q)
	return &link
}

// absoluteURL is the URL of path on the request's host. The collection's
// own path is used, so a request without the final slash links alike.
func absoluteURL(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

// encodeSorted encodes a query as Python's urlencode(sorted(...),
// doseq=True): keys sorted, values in their order; "" when empty.
func encodeSorted(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(v))
		}
	}
	return "?" + b.String()
}
