package model

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// ErrTooManyTies is returned when more rows share one value of the sort field
// and one value of the time field than the result window holds, so no keyset
// can step past them. Narrowing the filter is the only way on.
var ErrTooManyTies = errors.New("more detections share one sort value than the service's result window holds: narrow the filter")

// ErrNoCursor is returned by a backend whose cursor endpoint refused the
// client: the walk goes on by offset and keyset instead.
var ErrNoCursor = errors.New("the cursor endpoint is unavailable to this API client")

// ErrNoProgress is returned when the service's answers stop moving the walk
// on: a cursor that does not advance, a page of ids already yielded, a query
// that ignores its offset. Going on would spend the tenant's rate budget for
// ever.
var ErrNoProgress = errors.New("the service's answers make no progress")

// ErrNoTotal is returned once a walk whose first answer gave no total (a
// negative one, or none) has yielded NoTotalLimit ids: with nothing to say
// where the end is, a service that pages for ever would be walked for ever.
var ErrNoTotal = errors.New("the service gave no total")

// ErrRowCap is returned once a walk given a cap (Cap) has yielded that
// many ids, whatever total the service gave: a total is the service's word,
// and a hostile one (2,000,000,000) would otherwise be walked into memory.
var ErrRowCap = errors.New("the console holds at most")

// NoTotalLimit is how many ids a walk yields without a total before it
// stops: one result window's worth, as far as the service itself pages by
// offset.
const NoTotalLimit = 10000

// Walker yields the ids matching a query in order, one chunk at a time, past
// the service's result window (10,000 on Detects).
//
// Inside the window it pages by offset. At the window's end it narrows the
// filter to "sort field ≤ the last value seen" (≥ when ascending) and drops the
// ids already yielded that reappear. When more rows share that last value than
// a window holds, it walks that tie group on its own, ordered by the backend's
// time field, and then carries on strictly below the value. No id is yielded
// twice and none is skipped.
type Walker struct {
	b      Backend
	filter string
	q      string
	chunk  int
	limit  int // the page size while the target is far, 0 otherwise
	levels []*walkLevel
	total  int
	first  bool
	done   bool
	// cursor mode: the backend's own cursor carries the walk.
	cursor bool
	after  string
	found  []Detection
	// stale counts the ids of the pages in a row that brought nothing new;
	// stuck is the error the next call returns once the service's cursor
	// has stopped moving.
	stale int
	stuck error
	// yielded counts the ids handed out, which the service's total
	// bounds (or NoTotalLimit, without one).
	yielded int
	// fellBack is why the walk left the cursor for offset paging, until
	// FellBack has told it.
	fellBack error
	// opening caps the first cursor page (0: the chunk), see Opening.
	opening int
	// rowCap stops the walk after that many ids (0: none), see Cap.
	rowCap int
}

type walkLevel struct {
	sort  Sort
	fixed string // condition inherited from the level above (a tie value)
	key   string // keyset condition of this level
	// fixedStrict is what the level above goes on with once this tie level
	// is walked: strictly past the tie value.
	fixedStrict string
	offset      int
	lastID      string
	// ties is how many rows share the value this level's keyset starts
	// at: those come back once after the boundary, and no more.
	ties int
	prev map[string]struct{}
	cur  map[string]struct{}
}

// NewWalker walks q's filter, free text and sort, chunk ids per request
// (bounded by the window).
func NewWalker(b Backend, q Query, chunk int) *Walker {
	if chunk <= 0 {
		chunk = 1000
	}
	if chunk > b.Window()-1 {
		chunk = b.Window() - 1
	}
	sort := q.Sort
	if sort.Field == "" {
		sort = Sort{Field: b.Fields().Time, Desc: true}
	}
	w := &Walker{
		b: b, filter: q.Filter, q: q.Q, chunk: chunk, first: true,
		levels: []*walkLevel{{sort: sort, cur: map[string]struct{}{}}},
		// The cursor endpoint takes no free text: a search walks by offset.
		// A cursor walks only a sort whose values never change: on
		// another, rows move between pages while the walk goes on.
		cursor: b.CursorPaging() && q.Q == "" && slices.Contains(b.Fields().StableSorts, sort.Field),
	}
	if w.cursor {
		w.chunk = min(w.chunk, 1000)
	}
	return w
}

// Total is the number of matching detections the service reported on the
// first request (-1 before it, and when the service gave no total).
func (w *Walker) Total() int {
	if w.first {
		return -1
	}
	return w.total
}

// Done reports whether every id has been yielded.
func (w *Walker) Done() bool { return w.done }

func (w *Walker) currentFilter() string {
	parts := make([]string, 0, 2*len(w.levels)+1)
	parts = append(parts, w.filter)
	for _, l := range w.levels {
		parts = append(parts, l.fixed, l.key)
	}
	return And(parts...)
}

func (w *Walker) seen(id string) bool {
	for _, l := range w.levels {
		if _, ok := l.prev[id]; ok {
			return true
		}
		if _, ok := l.cur[id]; ok {
			return true
		}
	}
	return false
}

// Rewind steps the offset back by n rows before the next request: the
// caller's own writes may have taken up to n rows it was given out of the
// filter, which moves every later row n places up. The rows that come again
// are dropped as seen; without the step back, rows would be skipped.
// Call it only while no Next is running.
func (w *Walker) Rewind(n int) {
	if w.cursor || n <= 0 {
		return
	}
	lv := w.levels[len(w.levels)-1]
	back := min(n, lv.offset)
	lv.offset -= back
	lv.ties += back
}

// Far makes the next requests ask for the largest page the service allows
// (a target far ahead: the end, a row number), or back to the usual chunk.
// Call it only while no Next is running.
func (w *Walker) Far(far bool) {
	if far {
		w.limit = w.b.Window() - 1
		if w.cursor {
			w.limit = 1000
		}
		return
	}
	w.limit = 0
}

func (w *Walker) size() int {
	if w.limit > 0 {
		return w.limit
	}
	return w.chunk
}

// FellBack returns, once, why the walk left the backend's cursor for
// offset paging, or nil. Call it only while no Next is running.
func (w *Walker) FellBack() error {
	err := w.fellBack
	w.fellBack = nil
	return err
}

// cursorRequest is the query of a cursor page, its after cursor aside.
func (w *Walker) cursorRequest() Query {
	limit := min(w.size(), 1000)
	if w.first && w.limit == 0 && w.opening > 0 {
		limit = min(limit, w.opening)
	}
	return Query{Filter: w.filter, Sort: w.levels[0].sort, Limit: limit, Cursor: true}
}

// Opening makes the first page of a cursor walk at most n rows: a cursor
// page carries every row whole (a few KB each), so the first screen need
// not wait for a thousand of them to be sent and read; the pages after
// are the chunk again. An offset walk's pages are ids only: unchanged.
func (w *Walker) Opening(n int) *Walker {
	w.opening = n
	return w
}

// FirstRequest is the query the walk's first Next sends. A backend that
// holds that page already (the probe that chose it asked for it) answers
// it without a request.
func (w *Walker) FirstRequest() Query {
	if w.cursor {
		return w.cursorRequest()
	}
	lv := w.levels[0]
	return Query{Filter: w.currentFilter(), Q: w.q, Sort: lv.sort, Offset: lv.offset, Limit: min(w.size(), w.b.Window()-1-lv.offset)}
}

// Found returns the rows the last chunk's answer carried, if the backend's
// pages carry them (nil otherwise).
func (w *Walker) Found() []Detection { return w.found }

// Next returns the next chunk of ids, or io.EOF when there are no more.
// However the service answers, a walk ends: without a total it stops with
// ErrNoTotal after NoTotalLimit ids, and with one, ErrNoProgress once it
// has read twice the total and a window more.
func (w *Walker) Next(ctx context.Context) ([]string, error) {
	w.found = nil // the rows a page carries are that page's alone
	if err := w.bounded(); err != nil {
		return nil, err
	}
	var ids []string
	var err error
	if w.cursor {
		ids, err = w.nextCursor(ctx)
	} else {
		ids, err = w.nextOffset(ctx)
	}
	if lim := w.yieldLimit(); lim >= 0 && w.yielded+len(ids) > lim {
		ids = ids[:max(0, lim-w.yielded)]
		if w.found != nil {
			w.found = w.found[:len(ids)]
		}
	}
	w.yielded += len(ids)
	return ids, err
}

// yieldLimit is how many ids the walk may yield in all, -1 for no limit
// but the total's guard: NoTotalLimit without a total, the cap with one.
func (w *Walker) yieldLimit() int {
	lim := -1
	if w.total < 0 && !w.first {
		lim = NoTotalLimit
	}
	if w.rowCap > 0 && (lim < 0 || w.rowCap < lim) {
		lim = w.rowCap
	}
	return lim
}

// Cap stops the walk with ErrRowCap once it has yielded n ids (0: no cap).
func (w *Walker) Cap(n int) *Walker {
	w.rowCap = n
	return w
}

// bounded is why the walk must stop before asking for more, if it must.
func (w *Walker) bounded() error {
	switch {
	case w.first || w.done:
		return nil
	case w.rowCap > 0 && w.yielded >= w.rowCap:
		return fmt.Errorf("%w %s rows: stopped there; narrow the filter to see the rest", ErrRowCap, commas(w.rowCap))
	case w.total < 0 && w.yielded >= NoTotalLimit:
		return fmt.Errorf("%w: stopped after %s rows; narrow the filter to see the rest", ErrNoTotal, commas(w.yielded))
	case w.total >= 0 && w.yielded > 2*w.total+w.b.Window():
		// Far past the total the service gave: its pages are not ending.
		return fmt.Errorf("%w: %s rows read where the service said %s match; stopped", ErrNoProgress, commas(w.yielded), commas(w.total))
	}
	return nil
}

// commas writes n with thousands separators, as the console counts.
func commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// nextOffset pages by offset and, past the window, by keyset.
func (w *Walker) nextOffset(ctx context.Context) ([]string, error) {
	for {
		if w.done {
			return nil, io.EOF
		}
		lv := w.levels[len(w.levels)-1]
		limit := min(w.size(), w.b.Window()-1-lv.offset)
		if limit <= 0 {
			if err := w.boundary(ctx, lv); err != nil {
				return nil, err
			}
			continue
		}
		page, err := w.b.Query(ctx, Query{Filter: w.currentFilter(), Q: w.q, Sort: lv.sort, Offset: lv.offset, Limit: limit})
		if err != nil {
			return nil, err
		}
		if w.first {
			w.total, w.first = page.Total, false
		}
		lv.offset += len(page.IDs)
		if len(page.IDs) > 0 {
			lv.lastID = page.IDs[len(page.IDs)-1]
		}
		out := make([]string, 0, len(page.IDs))
		for _, id := range page.IDs {
			if w.seen(id) {
				continue
			}
			lv.cur[id] = struct{}{}
			out = append(out, id)
		}
		// Rows already yielded come back after a keyset boundary (the
		// ties) and when new rows push a page down (less than a page).
		// More than that in a row is a service answering the same rows
		// whatever the offset.
		if len(out) == 0 {
			w.stale += len(page.IDs)
		} else {
			w.stale = 0
		}
		if w.stale > lv.ties+limit {
			return nil, fmt.Errorf("%w: %d ids in a row came back again up to offset %d, as if the service ignored the offset; stopped", ErrNoProgress, w.stale, lv.offset)
		}
		if len(page.IDs) < limit {
			w.pop()
		}
		if len(out) > 0 {
			return out, nil
		}
	}
}

// pop ends the innermost level: the walk is over at the root; after a tie
// group the level above goes on strictly past the tie value.
func (w *Walker) pop() {
	if len(w.levels) == 1 {
		w.done = true
		return
	}
	tie := w.levels[len(w.levels)-1]
	w.levels = w.levels[:len(w.levels)-1]
	parent := w.levels[len(w.levels)-1]
	parent.key = tie.fixedStrict
	parent.offset = 0
	parent.prev, parent.cur = nil, map[string]struct{}{}
}

func (w *Walker) boundary(ctx context.Context, lv *walkLevel) error {
	if lv.lastID == "" {
		w.pop()
		return nil
	}
	dets, _, err := w.b.Details(ctx, []string{lv.lastID})
	if err != nil {
		return fmt.Errorf("reading the last row to page past %d: %w", w.b.Window(), err)
	}
	if len(dets) == 0 {
		return fmt.Errorf("the last row %s vanished while paging past %d: refresh", lv.lastID, w.b.Window())
	}
	val, ok := w.b.SortValue(&dets[0], lv.sort.Field)
	if !ok {
		return fmt.Errorf("cannot page past %d rows sorted by %s: the last row has no value; sort by another field or narrow the filter", w.b.Window(), lv.sort.Field)
	}
	op, strict := "<=", "<"
	if !lv.sort.Desc {
		op, strict = ">=", ">"
	}
	eq := lv.sort.Field + ":" + val
	tp, err := w.b.Query(ctx, Query{Filter: And(w.currentFilter(), eq), Q: w.q, Sort: lv.sort, Limit: 1})
	if err != nil {
		return err
	}
	if tp.Total < w.b.Window()-1 {
		lv.key = lv.sort.Field + ":" + op + val
		lv.offset, lv.ties = 0, tp.Total
		lv.prev, lv.cur = lv.cur, map[string]struct{}{}
		return nil
	}
	timeField := w.b.Fields().Time
	if len(w.levels) > 1 || lv.sort.Field == timeField {
		return ErrTooManyTies
	}
	w.levels = append(w.levels, &walkLevel{
		sort:        Sort{Field: timeField, Desc: lv.sort.Desc},
		fixed:       eq,
		fixedStrict: lv.sort.Field + ":" + strict + val,
		cur:         map[string]struct{}{},
	})
	return nil
}

// All walks to the end and returns every id, or those read before an error.
func (w *Walker) All(ctx context.Context) ([]string, error) {
	var all []string
	for {
		ids, err := w.Next(ctx)
		if errors.Is(err, io.EOF) {
			return all, nil
		}
		if err != nil {
			return all, err
		}
		all = append(all, ids...)
	}
}

func (w *Walker) nextCursor(ctx context.Context) ([]string, error) {
	if w.stuck != nil {
		return nil, w.stuck
	}
	if w.done {
		return nil, io.EOF
	}
	q := w.cursorRequest()
	q.After = w.after
	page, err := w.b.Query(ctx, q)
	if errors.Is(err, ErrNoCursor) {
		// Queries and entities instead, from the top: the ids already
		// yielded are dropped as they come again, and do not count as a
		// service that makes no progress.
		w.cursor, w.fellBack = false, err
		w.levels[0].ties = len(w.levels[0].cur)
		return w.nextOffset(ctx)
	}
	if err != nil {
		return nil, err
	}
	if w.first {
		w.total, w.first = page.Total, false
	}
	if page.After != "" && page.After == w.after {
		// The next request would be this one again.
		w.stuck = fmt.Errorf("%w: the service returned the cursor it was given; stopped", ErrNoProgress)
	}
	w.after = page.After
	if page.After == "" || len(page.IDs) == 0 {
		w.done = true
	}
	if len(page.IDs) == 0 {
		return nil, io.EOF
	}
	seen := w.levels[0].cur
	out := make([]string, 0, len(page.IDs))
	w.found = nil
	for i, id := range page.IDs {
		if _, dup := seen[id]; dup {
			continue
		}
		seen[id] = struct{}{}
		out = append(out, id)
		if len(page.Found) == len(page.IDs) {
			w.found = append(w.found, page.Found[i])
		}
	}
	if len(out) == 0 {
		w.done = true
		return nil, fmt.Errorf("%w: a page of %d ids already read; stopped", ErrNoProgress, len(page.IDs))
	}
	return out, nil
}
