package sqlstore

import (
	"context"
	"strconv"
	"sync"

	"golang.org/x/sync/singleflight"
)

// taskVersion is the version of the tasks of the owner ($1): a sum that
// every statement writing their tasks increases (see the migration
// task_versions).
const taskVersion = `(SELECT CAST(COALESCE(sum(v.n), 0) AS BIGINT) FROM task_versions v WHERE v.owner_id = $1)`

// maxCachedCounts bounds the counts a store remembers.
const maxCachedCounts = 4096

// countCache remembers the counts of task lists that walk the rows (a
// search, a filter on the tasks' own fields: at a million tasks, seconds),
// each with the version of the owner's tasks it was taken at. A count
// serves only a request that finds the same version, so it is exact: any
// write to the owner's tasks, by any process, changes the version. Paging
// through a search then counts once, not once per page.
type countCache struct {
	mu      sync.Mutex
	entries map[string]countEntry
	flights singleflight.Group
}

type countEntry struct{ version, count int64 }

// get returns the count of key at version: remembered, or from take, which
// returns a count and the version it was taken at, in one statement. Of
// concurrent requests for one count, one runs take and the others wait
// for it, so a burst of them walks the rows once.
func (c *countCache) get(ctx context.Context, key string, version int64, take func(context.Context) (count, at int64, err error)) (int64, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && e.version == version {
		return e.count, nil
	}
	result := c.flights.DoChan(key+"\x00"+strconv.FormatInt(version, 10), func() (any, error) {
		// Others may be waiting on this count: it does not end with the
		// request that happened to start it.
		count, at, err := take(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		c.put(key, countEntry{version: at, count: count})
		return count, nil
	})
	select {
	case r := <-result:
		if r.Err != nil {
			return 0, r.Err
		}
		return r.Val.(int64), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// put remembers e, unless a count of a later version is already kept.
func (c *countCache) put(key string, e countEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[key]; ok && old.version > e.version {
		return
	}
	if c.entries == nil {
		c.entries = map[string]countEntry{}
	}
	if _, ok := c.entries[key]; !ok && len(c.entries) >= maxCachedCounts {
		for k := range c.entries { // any one: map order is random
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = e
}
