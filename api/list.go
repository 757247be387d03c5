package api

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/flowtrack/flowtrack"
)

// Page sizes of the lists.
const (
	defaultPageSize = 20
	maxPageSize     = 100
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
		if err != nil || n < 1 {
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

func (res *resource[T, In]) handleList(w http.ResponseWriter, r *request) error {
	query := r.URL.Query()
	pp, err := readPage(query)
	if err != nil {
		return err
	}
	lq := flowtrack.ListQuery{Offset: (pp.page - 1) * pp.size, Limit: pp.size, Last: pp.last}
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
	body := pageBody{Count: count, Results: make([]any, len(rows))}
	for i := range rows {
		body.Results[i] = res.render(&rows[i])
	}
	if pp.page < pages {
		body.Next = pageLink(r.Request, res.path, query, pp.page+1)
	}
	if pp.page > 1 {
		body.Previous = pageLink(r.Request, res.path, query, pp.page-1)
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// pageLink is the absolute URL of another page, built as DRF builds it:
// every other parameter kept, keys sorted, page 1 without page.
func pageLink(r *http.Request, path string, query url.Values, page int) *string {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	if page == 1 {
		delete(q, "page")
	} else {
		q["page"] = []string{strconv.Itoa(page)}
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
