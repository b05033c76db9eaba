package model

import (
	"container/list"
	"context"
	"errors"
)

// DetailCache keeps detections by id, bounded by the bytes they hold (least
// recently used goes first: a bound by count would hold a few large
// detections or evict thousands of small alerts), and knows which ids are
// being fetched and which failed, so that an id is never fetched twice at
// once nor refetched while cached.
type DetailCache struct {
	cap      int64
	bytes    int64
	items    map[string]*list.Element
	order    *list.List // front: most recently used
	inflight map[string]bool
	failed   map[string]string
	epoch    int
}

type cacheEntry struct {
	id    string
	d     Detection
	size  int64
	epoch int // the cache's epoch when stored: older entries are stale
}

// NewDetailCache holds detections of at most maxBytes in all (about: see
// Detection.Size); the one stored last always stays.
func NewDetailCache(maxBytes int64) *DetailCache {
	return &DetailCache{cap: max(1, maxBytes), items: map[string]*list.Element{}, order: list.New(),
		inflight: map[string]bool{}, failed: map[string]string{}}
}

// Peek returns a cached detection without touching its recency: rendering
// must not reorder the cache.
func (c *DetailCache) Peek(id string) (*Detection, bool) {
	if e, ok := c.items[id]; ok {
		return &e.Value.(*cacheEntry).d, true
	}
	return nil, false
}

// Stale reports a cached detection kept from before the last Invalidate,
// not read since.
func (c *DetailCache) Stale(id string) bool {
	e, ok := c.items[id]
	return ok && e.Value.(*cacheEntry).epoch != c.epoch
}

// Failed returns why an id could not be read, or "".
func (c *DetailCache) Failed(id string) string { return c.failed[id] }

// Loading reports whether an id is being fetched.
func (c *DetailCache) Loading(id string) bool { return c.inflight[id] }

// InFlight is the number of ids being fetched.
func (c *DetailCache) InFlight() int { return len(c.inflight) }

// Bytes is about how much the cached detections hold.
func (c *DetailCache) Bytes() int64 { return c.bytes }

// Len is the number of cached detections.
func (c *DetailCache) Len() int { return len(c.items) }

// Need returns the ids of want that are neither cached (and fresh), nor
// being fetched, nor failed, and marks them in flight: the caller must fetch exactly these
// and report back with Done. Cached ones in want are marked recently used.
func (c *DetailCache) Need(want []string) []string {
	var out []string
	for _, id := range want {
		if e, ok := c.items[id]; ok && e.Value.(*cacheEntry).epoch == c.epoch {
			c.order.MoveToFront(e)
			continue
		}
		if c.inflight[id] || c.failed[id] != "" {
			continue
		}
		c.inflight[id] = true
		out = append(out, id)
	}
	return out
}

// Put stores a detection (or replaces it), most recently used.
func (c *DetailCache) Put(d Detection) {
	delete(c.failed, d.ID)
	size := d.Size()
	if e, ok := c.items[d.ID]; ok {
		ce := e.Value.(*cacheEntry)
		c.bytes += size - ce.size
		ce.d, ce.size, ce.epoch = d, size, c.epoch
		c.order.MoveToFront(e)
	} else {
		c.items[d.ID] = c.order.PushFront(&cacheEntry{id: d.ID, d: d, size: size, epoch: c.epoch})
		c.bytes += size
	}
	for c.bytes > c.cap && len(c.items) > 1 {
		last := c.order.Back()
		ce := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.items, ce.id)
		c.bytes -= ce.size
	}
}

// Done reports the answer to a fetch of ids: the detections found, the ids
// the service could not return with its reason, or an error for them all. A
// cancelled fetch (its query was replaced) is no failure: the ids are simply
// no longer being fetched.
func (c *DetailCache) Done(ids []string, found []Detection, missing map[string]string, err error) {
	for _, id := range ids {
		delete(c.inflight, id)
	}
	for _, d := range found {
		c.Put(d)
	}
	for id, why := range missing {
		c.failed[id] = why
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		for _, id := range ids {
			if _, ok := c.items[id]; !ok {
				c.failed[id] = err.Error()
			}
		}
	}
}

// Invalidate makes every cached detection stale and forgets every failure (a
// refresh, which is how a row that could not be read is tried again): stale
// rows stay readable with Peek, so the screen keeps them until the fresh
// ones arrive, but Need asks for them again. Fetches in flight stay marked
// until they answer.
func (c *DetailCache) Invalidate() {
	c.epoch++
	c.failed = map[string]string{}
}
