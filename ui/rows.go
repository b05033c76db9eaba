package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// rowStore is the console's copy of the rows: the bounded detail cache, and
// the per-row write sequence that decides whether a read may overwrite a
// row. A read is stamped with the write clock when it is asked for; it may
// store a row only if no write to that row is in flight and none started or
// ended since the stamp. So a detail read, a page, a pre-read or a re-read
// that left before a write never puts the old values back over it.
type rowStore struct {
	cache   *model.DetailCache
	clock   uint64
	touched map[string]uint64 // the clock when a write to the row last started or ended
	writing map[string]int    // writes in flight per row
	// unread are rows showing the console's own write, not yet read back
	// from the service: no baseline to compare other analysts' changes to.
	unread map[string]bool
	// readAt is when each row was last read from the service: when the
	// read was asked for, from the time its stamp was first given.
	readAt     map[string]time.Time
	stampTimes map[uint64]time.Time
	// journal is every start and end of a write, in clock order: a walk
	// reads in it which of its rows the console wrote since the page that
	// listed them (stepBack).
	journal []writeEvent
}

// writeEvent is a write to a row starting or ending at a clock.
type writeEvent struct {
	clock uint64
	id    string
}

// since returns the journal's events after clock.
func (r *rowStore) since(clock uint64) []writeEvent {
	i, _ := slices.BinarySearchFunc(r.journal, clock+1, func(e writeEvent, c uint64) int { return cmp.Compare(e.clock, c) })
	return r.journal[i:]
}

// trim forgets the events no walk still has to read: those up to clock.
func (r *rowStore) trim(clock uint64) {
	if n := len(r.journal) - len(r.since(clock)); n > 0 {
		r.journal = slices.Delete(r.journal, 0, n)
	}
}

// young returns the row if it was read from the service within d and holds
// no write of the console's since: an action need not read it again.
func (r *rowStore) young(id string, now time.Time, d time.Duration) (*model.Detection, bool) {
	at, ok := r.readAt[id]
	if !ok || d < 0 || now.Sub(at) > d || r.unread[id] || r.pending(id) {
		return nil, false
	}
	return r.cache.Peek(id)
}

func newRowStore(maxBytes int64) *rowStore {
	return &rowStore{cache: model.NewDetailCache(maxBytes), touched: map[string]uint64{}, writing: map[string]int{},
		unread: map[string]bool{}, readAt: map[string]time.Time{}, stampTimes: map[uint64]time.Time{}}
}

// stamp is the write clock now, for a read about to be asked for.
func (r *rowStore) stamp() uint64 {
	if _, ok := r.stampTimes[r.clock]; !ok {
		r.stampTimes[r.clock] = time.Now()
	}
	return r.clock
}

// accepts reports whether a read stamped s may store the row id.
func (r *rowStore) accepts(s uint64, id string) bool {
	return r.writing[id] == 0 && r.touched[id] <= s
}

func (r *rowStore) beginWrite(ids []string) {
	r.clock++
	for _, id := range ids {
		r.writing[id]++
		r.touched[id] = r.clock
		r.unread[id] = true
		r.journal = append(r.journal, writeEvent{r.clock, id})
	}
}

func (r *rowStore) endWrite(ids []string) {
	r.clock++
	for _, id := range ids {
		if r.writing[id]--; r.writing[id] <= 0 {
			delete(r.writing, id)
		}
		r.touched[id] = r.clock
		r.journal = append(r.journal, writeEvent{r.clock, id})
	}
}

// pending reports whether a write to the row is in flight.
func (r *rowStore) pending(id string) bool { return r.writing[id] > 0 }

// need marks in flight and returns the ids of want to read: neither fresh
// in the cache nor being read, and not being written (the write's own
// re-read brings those, and a read now could not be stored).
func (r *rowStore) need(want []string) []string {
	return r.cache.Need(slices.DeleteFunc(slices.Clone(want), r.pending))
}

func (r *rowStore) peek(id string) (*model.Detection, bool) { return r.cache.Peek(id) }

// fresh keeps the rows of a read stamped s that it may store; those rows
// are read back.
func (r *rowStore) fresh(s uint64, found []model.Detection) []model.Detection {
	out := found[:0:0]
	at := r.stampTimes[s] // no earlier than the read was asked for
	for _, d := range found {
		if r.accepts(s, d.ID) {
			out = append(out, d)
			delete(r.unread, d.ID)
			r.readAt[d.ID] = at
		}
	}
	return out
}

// put stores a row and redraws the detail if it shows it: a row that
// changed (an action, its re-read, a rollback) never shows stale values
// there.
func (m *Model) put(d model.Detection) {
	m.rows.cache.Put(d)
	m.people.seen(&d)
	if m.detail != nil && m.detail.id == d.ID {
		m.detail.show(&d, m.f, m.o.Location)
	}
}

// storeRows stores the rows of a read stamped s that it may store.
func (m *Model) storeRows(s uint64, found []model.Detection) {
	for _, d := range m.rows.fresh(s, found) {
		m.put(d)
	}
}

type detailsMsg struct {
	stamp   uint64
	ids     []string
	found   []model.Detection
	missing map[string]string
	err     error
}

// fetchDetails reads rows for the screen, under the context of the query
// they belong to: a query replaced cancels its reads.
func (m *Model) fetchDetails(ctx context.Context, ids []string) tea.Cmd {
	b, stamp := m.b, m.rows.stamp()
	return func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return detailsMsg{stamp: stamp, ids: ids, err: err} })
		found, missing, err := b.Details(ctx, ids)
		return detailsMsg{stamp: stamp, ids: ids, found: found, missing: missing, err: err}
	}
}

func (m *Model) onDetails(msg detailsMsg) tea.Cmd {
	found := m.rows.fresh(msg.stamp, msg.found)
	m.rows.cache.Done(msg.ids, nil, msg.missing, msg.err)
	for _, d := range found {
		m.put(d) // the detail, if it shows one of these, follows
	}
	if msg.err != nil && !errors.Is(msg.err, context.Canceled) && m.ctx.Err() == nil {
		m.setErr(fmt.Errorf("reading %d %s: %w (r retries)", len(msg.ids), m.rowWord(len(msg.ids)), msg.err))
	}
	if p := m.detail; p != nil && p.loading {
		// The detail waits for its own row, by id, whatever the cursor
		// did meanwhile.
		if why := m.rows.cache.Failed(p.id); why != "" {
			p.entries, p.lines = []entry{{label: "Unreadable", value: screen.Sanitize(why) + " (r retries)"}}, nil
		}
	}
	return m.ensure()
}
