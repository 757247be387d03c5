package sqlstore

import (
	"context"
	"strconv"
	"sync"
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
	flights map[string]*countFlight
}

type countEntry struct{ version, count int64 }

// countFlight is one count being taken, shared by the requests that wait
// for it; it is cancelled when the last of them has gone.
type countFlight struct {
	done    chan struct{}
	count   int64
	err     error
	waiters int
	cancel  context.CancelFunc
}

// get returns the count of key at version: remembered, or from take, which
// returns a count and the version it was taken at, in one statement. Of
// concurrent requests for one count, one starts take and the others wait
// for it, so a burst of them walks the rows once; a count nobody waits
// for any more is cancelled, so abandoned requests do not keep walking.
func (c *countCache) get(ctx context.Context, key string, version int64, take func(context.Context) (count, at int64, err error)) (int64, error) {
	flightKey := key + "\x00" + strconv.FormatInt(version, 10)
	c.mu.Lock()
	if e, ok := c.entries[key]; ok && e.version == version {
		c.mu.Unlock()
		return e.count, nil
	}
	f := c.flights[flightKey]
	if f == nil {
		// The count outlives the request that started it while others
		// wait for it, so it runs on a context of its own.
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &countFlight{done: make(chan struct{}), cancel: cancel}
		if c.flights == nil {
			c.flights = map[string]*countFlight{}
		}
		c.flights[flightKey] = f
		go func() {
			n, at, err := take(fctx)
			c.mu.Lock()
			if c.flights[flightKey] == f {
				delete(c.flights, flightKey)
			}
			if err == nil {
				c.put(key, countEntry{version: at, count: n})
			}
			f.count, f.err = n, err
			c.mu.Unlock()
			cancel()
			close(f.done)
		}()
	}
	f.waiters++
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.count, f.err
	case <-ctx.Done():
		c.mu.Lock()
		if f.waiters--; f.waiters == 0 {
			f.cancel()
			// A request that comes later starts a count of its own.
			if c.flights[flightKey] == f {
				delete(c.flights, flightKey)
			}
		}
		c.mu.Unlock()
		return 0, ctx.Err()
	}
}

// put remembers e, unless a count of a later version is already kept;
// c.mu is held.
func (c *countCache) put(key string, e countEntry) {
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
