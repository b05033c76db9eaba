// Package rows is the console's copy of the rows: the bounded detail cache,
// and the write clock that decides whether a read may overwrite a row. The
// parts (list, detail, triage) share one Store; it does no I/O, holds no
// screen state, and imports no other part of the console.
package rows

import (
	"cmp"
	"slices"
	"time"

	"github.com/falcon-triage/falcon-triage/model"
)

// Store holds the rows. A read is stamped with the write clock when it is
// asked for; it may store a row only if no write to that row is in flight
// and none started or ended since the stamp. So a detail read, a page, a
// pre-read or a re-read that left before a write never puts the old values
// back over it.
type Store struct {
	cache   *model.DetailCache
	now     func() time.Time
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
	// arrived is when each row's last read answered: what the header's
	// "as of" says (readAt, shared by every read of one clock, may be
	// older than the read that brought the row).
	arrived map[string]time.Time
	// journal is every start and end of a write, in clock order: a walk
	// reads in it which of its rows the console wrote since the page that
	// listed them.
	journal []WriteEvent
	// version counts the times each row was stored: a pane showing a row
	// follows it when it changes.
	version map[string]uint64
	// Seen, when set, is told of every row stored (the people directory
	// learns assignees from them).
	Seen func(*model.Detection)
}

// WriteEvent is a write to a row starting or ending at a clock.
type WriteEvent struct {
	Clock uint64
	ID    string
}

// New makes a store whose cache holds at most maxBytes of rows; now is the
// clock reads are timed by.
func New(maxBytes int64, now func() time.Time) *Store {
	return &Store{cache: model.NewDetailCache(maxBytes), now: now, touched: map[string]uint64{}, writing: map[string]int{},
		unread: map[string]bool{}, readAt: map[string]time.Time{}, arrived: map[string]time.Time{}, stampTimes: map[uint64]time.Time{}, version: map[string]uint64{}}
}

// Clock is the write clock now.
func (r *Store) Clock() uint64 { return r.clock }

// Stamp is the write clock now, for a read about to be asked for.
func (r *Store) Stamp() uint64 {
	if _, ok := r.stampTimes[r.clock]; !ok {
		r.stampTimes[r.clock] = r.now()
	}
	return r.clock
}

// accepts reports whether a read stamped s may store the row id.
func (r *Store) accepts(s uint64, id string) bool {
	return r.writing[id] == 0 && r.touched[id] <= s
}

// BeginWrite marks the rows being written from now.
func (r *Store) BeginWrite(ids []string) {
	r.clock++
	for _, id := range ids {
		r.writing[id]++
		r.touched[id] = r.clock
		r.unread[id] = true
		r.journal = append(r.journal, WriteEvent{r.clock, id})
	}
}

// EndWrite marks the rows' write answered.
func (r *Store) EndWrite(ids []string) {
	r.clock++
	for _, id := range ids {
		if r.writing[id]--; r.writing[id] <= 0 {
			delete(r.writing, id)
		}
		r.touched[id] = r.clock
		r.journal = append(r.journal, WriteEvent{r.clock, id})
	}
}

// Pending reports whether a write to the row is in flight.
func (r *Store) Pending(id string) bool { return r.writing[id] > 0 }

// Touched is the clock when a write to the row last started or ended.
func (r *Store) Touched(id string) uint64 { return r.touched[id] }

// Unread reports a row showing the console's own write, not read back yet.
func (r *Store) Unread(id string) bool { return r.unread[id] }

// Since returns the journal's events after clock.
func (r *Store) Since(clock uint64) []WriteEvent {
	i, _ := slices.BinarySearchFunc(r.journal, clock+1, func(e WriteEvent, c uint64) int { return cmp.Compare(e.Clock, c) })
	return r.journal[i:]
}

// Trim forgets the events no walk still has to read: those up to clock.
func (r *Store) Trim(clock uint64) {
	if n := len(r.journal) - len(r.Since(clock)); n > 0 {
		r.journal = slices.Delete(r.journal, 0, n)
	}
}

// Young returns the row if it was read from the service within d and holds
// no write of the console's since: an action need not read it again.
func (r *Store) Young(id string, d time.Duration) (*model.Detection, bool) {
	at, ok := r.readAt[id]
	if !ok || d < 0 || r.now().Sub(at) > d || r.unread[id] || r.Pending(id) {
		return nil, false
	}
	return r.cache.Peek(id)
}

// Need marks in flight and returns the ids of want to read: neither fresh
// in the cache nor being read, and not being written (the write's own
// re-read brings those, and a read now could not be stored).
func (r *Store) Need(want []string) []string {
	return r.cache.Need(slices.DeleteFunc(slices.Clone(want), r.Pending))
}

// ReadAt is when the row's last read from the service answered, if it
// was read.
func (r *Store) ReadAt(id string) (time.Time, bool) {
	at, ok := r.arrived[id]
	return at, ok
}

// Peek returns the row, if the store has it.
func (r *Store) Peek(id string) (*model.Detection, bool) { return r.cache.Peek(id) }

// Version counts the times the row was stored.
func (r *Store) Version(id string) uint64 { return r.version[id] }

// Fresh keeps the rows of a read stamped s that it may store, and counts
// them read back; it stores nothing.
func (r *Store) Fresh(s uint64, found []model.Detection) []model.Detection {
	out := found[:0:0]
	at := r.stampTimes[s] // no earlier than the read was asked for
	now := r.now()
	for _, d := range found {
		if r.accepts(s, d.ID) {
			out = append(out, d)
			delete(r.unread, d.ID)
			r.readAt[d.ID] = at
			r.arrived[d.ID] = now
		}
	}
	return out
}

// Put stores a row as the console now shows it (an action's preview, a
// rollback, a row read).
func (r *Store) Put(d model.Detection) {
	r.cache.Put(d)
	r.version[d.ID]++
	if r.Seen != nil {
		r.Seen(&d)
	}
}

// Store stores the rows of a read stamped s that it may store, and returns
// them.
func (r *Store) Store(s uint64, found []model.Detection) []model.Detection {
	fresh := r.Fresh(s, found)
	for _, d := range fresh {
		r.Put(d)
	}
	return fresh
}

// Done ends a read of ids: the ids it asked for are no longer in flight,
// and those missing or failed say why.
func (r *Store) Done(ids []string, missing map[string]string, err error) {
	r.cache.Done(ids, nil, missing, err)
}

// Failed says why a row could not be read, or "".
func (r *Store) Failed(id string) string { return r.cache.Failed(id) }

// Stale reports a row kept from before the last refresh.
func (r *Store) Stale(id string) bool { return r.cache.Stale(id) }

// Invalidate makes every row stale: a refresh reads them again.
func (r *Store) Invalidate() { r.cache.Invalidate() }

// Reading counts the rows being read.
func (r *Store) Reading() int { return r.cache.InFlight() }

// Len counts the rows held.
func (r *Store) Len() int { return r.cache.Len() }
