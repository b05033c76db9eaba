package model

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Polling is the live source where no stream is open: one query per
// interval for the rows of a filter updated since the last answer.

// PollLookBack is how far before the last answer each poll looks again.
// The service lists a row some time after the time it gives it (an alert
// reported late carries its own earlier times, and an index is read a
// little behind), and its clock is not the console's: a poll that asked
// only for what was updated after the last one would miss those rows for
// good. Rows found again are told apart by Classify (an id the list holds
// whose row is no newer than the one held is no change), so looking back
// costs bytes, never a second event.
const PollLookBack = 15 * time.Minute

// PollLimit is the most rows one poll reads: more changed in one interval
// is a busy tenant, and the answer says so (More).
const PollLimit = 500

// PollAnswer is what one poll found.
type PollAnswer struct {
	// IDs are the rows found, newest update first where the backend sorts
	// so; Found the rows themselves where the answer carries them (the
	// Alerts combined endpoint), else none.
	IDs   []string
	Found []Detection
	// Current is the moment the answer is current to: when it was asked.
	Current time.Time
	// More: more rows matched than the answer holds.
	More bool
}

// Poll asks once for the rows matching filter updated since since (looking
// PollLookBack further back), as of now.
func Poll(ctx context.Context, b Backend, filter string, since, now time.Time) (PollAnswer, error) {
	f := b.Fields()
	return ask(ctx, b, And(filter, After(f.Updated, since.Add(-PollLookBack))), PollLimit, now)
}

// Match asks which of ids match filter (at most PollLimit of them): the
// stream names new alerts of every filter, the list counts its own.
func Match(ctx context.Context, b Backend, filter string, ids []string, now time.Time) (PollAnswer, error) {
	if len(ids) == 0 {
		return PollAnswer{Current: now}, nil
	}
	ids = ids[:min(len(ids), PollLimit)]
	return ask(ctx, b, And(filter, In(b.Fields().ID, ids)), len(ids), now)
}

func ask(ctx context.Context, b Backend, filter string, limit int, now time.Time) (PollAnswer, error) {
	f := b.Fields()
	if err := f.CheckFilter(filter); err != nil {
		return PollAnswer{}, fmt.Errorf("live: the filter cannot be polled: %w", err)
	}
	q := Query{Filter: filter, Limit: limit, Cursor: b.CursorPaging()}
	if slices.Contains(f.SortFields, f.Updated) {
		q.Sort = Sort{Field: f.Updated, Desc: true}
	}
	page, err := b.Query(ctx, q)
	if errors.Is(err, ErrNoCursor) {
		q.Cursor = false
		page, err = b.Query(ctx, q)
	}
	if err != nil {
		return PollAnswer{}, fmt.Errorf("live: polling: %w", err)
	}
	return PollAnswer{IDs: page.IDs, Found: page.Found, Current: now, More: page.Total > len(page.IDs)}, nil
}

// Classify says what a poll found, as the list sees it: an id holds does
// not hold is new; one it holds is changed, unless known gives the row it
// holds and the row found is no newer (found again by the look-back). An
// id whose row the answer does not carry is changed when held: only a read
// of it can tell.
func Classify(a PollAnswer, holds func(id string) bool, known func(id string) (*Detection, bool)) []LiveEvent {
	rows := make(map[string]*Detection, len(a.Found))
	for i := range a.Found {
		rows[a.Found[i].ID] = &a.Found[i]
	}
	var out []LiveEvent
	for _, id := range a.IDs {
		d := rows[id]
		if !holds(id) {
			e := LiveEvent{Kind: LiveNew, ID: id}
			if d != nil {
				e.At, e.Severity = d.Created, d.MaxSeverity
			}
			out = append(out, e)
			continue
		}
		if d != nil {
			if old, ok := known(id); ok && !d.Updated.After(old.Updated) {
				continue
			}
		}
		e := LiveEvent{Kind: LiveChanged, ID: id}
		if d != nil {
			e.At = d.Updated
		}
		out = append(out, e)
	}
	return out
}

// SortsWithin reports whether d sorts no later than last under s: a row
// the list does not hold, found by a poll, is among the rows the list has
// loaded (new to it) rather than beyond them (to be paged to). A sort it
// cannot compare on says within.
func SortsWithin(f Fields, s Sort, d, last *Detection) bool {
	var c int
	switch s.Field {
	case f.Time:
		c = d.LastBehavior.Compare(last.LastBehavior)
	case f.Created:
		c = d.Created.Compare(last.Created)
	case f.Updated:
		c = d.Updated.Compare(last.Updated)
	case f.Severity:
		c = compareInt(d.MaxSeverity, last.MaxSeverity)
	default:
		return true
	}
	if s.Desc {
		return c >= 0
	}
	return c <= 0
}

func compareInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
