// Package list is the list of rows: the query on screen and the one asked
// for, the walks that page their ids, the cursor, the marks (by id, so they
// survive paging, re-sorting and new filters), the details read for the
// rows on screen, and the drawing of the rows. Every answer carries the
// generation of the query it was asked for, and a mark-all its own request.
// It shares the row store with the other parts and imports none of them.
package list

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// Query is what the list shows: filter, free text, sort, hidden rows.
type Query struct {
	Filter     string
	Q          string
	Sort       model.Sort
	ShowHidden bool
}

// walk is one query's rows: its generation, its context (cancelled when
// another query replaces it), its walker and the ids loaded so far.
type walk struct {
	Query
	gen     int
	ctx     context.Context
	cancel  context.CancelFunc
	walker  *model.Walker
	ids     []string
	total   int
	done    bool
	loading bool
	err     string
	// listedAt is the write clock when the page that listed each row was
	// asked for; stepped the rows already stepped back for; scanned how
	// far the write journal has been read. A write may take a row out of
	// the filter, moving every later row up a place: the walk steps back
	// one for each row it listed that the console wrote after its page
	// was asked (stepBack), whichever walk asked first.
	listedAt map[string]uint64
	stepped  map[string]bool
	scanned  uint64
	// origin is what asked for the query (the text field, told of a
	// refusal), handed back when it lands or is refused; keep is the row
	// to return to (a refresh), or -1.
	origin any
	keep   int
	keepID string // the row to go back to, by id (StartOn)
	// asked is when the query was asked for: a row that came to be after
	// it cannot be among its answer's.
	asked time.Time
	atTop bool // land at the top, not on the row the cursor was on (StartAtTop)
}

// List is the list of rows.
type List struct {
	Deps
	b       model.Backend
	f       model.Fields
	rows    int // rows on screen
	width   int
	prefs   Prefs
	out     Out // what the call under way hands back
	gen     int
	cur     *walk
	pend    *walk
	restore Query
	history []string // filters, newest first

	cursor int
	top    int
	// readTo is where the last read of details ended; ahead how far past
	// the screen it read, growing fourfold while the analyst pages on.
	readTo, ahead int
	target        int // row to reach once loaded (G, jump, restore); -1 none
	toEnd         bool
	// targetID is the detection a restored session was on: found among the
	// rows loaded, it wins over the row number.
	targetID string

	marks   map[string]struct{}
	anchor  string   // the id V ranges from
	cleared []string // the marks esc cleared, for M
	// clearedAnchor is the anchor esc cleared, back with M.
	clearedAnchor string
	allGen        int                // the generation a mark-all walk is for, 0 none
	allReq        int                // the mark-all asked last: its answer alone marks
	allCancel     context.CancelFunc // stops that walk
	// fallback is what the footer said when the service's cursor failed
	// and walks went on by queries and entities; fallbackOwed: not yet
	// said, an error being on screen.
	fallback     string
	fallbackOwed bool
}

// New makes the list; history is the filter history, newest first; first
// the query a last session left (zero: none), at row and on the row rowID.
func New(d Deps, history []string, first Query, row int, rowID string) *List {
	l := &List{Deps: d, history: history, marks: map[string]struct{}{}, target: -1, cur: &walk{total: -1}, restore: first, rows: 1}
	if row > 0 {
		l.target = row
	}
	l.targetID = rowID
	return l
}

// Connected sets the first query: the restored one, on a sort the backend
// knows, or the backend's time field, newest first; with no session, scoped
// to the configured products.
func (l *List) Connected(b model.Backend, products []string) {
	l.b, l.f = b, b.Fields()
	l.restore = firstQuery(l.restore, l.f, products)
}

func firstQuery(restore Query, f model.Fields, products []string) Query {
	if restore == (Query{}) && len(products) > 0 && f.Product != "" {
		restore.Filter = model.In(f.Product, products)
	}
	if restore.Sort.Field == "" || !slices.Contains(f.SortFields, restore.Sort.Field) {
		restore.Sort = model.Sort{Field: f.Time, Desc: true}
	}
	return restore
}

// OpeningRows is the size of a list's first page where pages carry whole
// rows (the combined alerts endpoint): two screens of a tall terminal, so
// the first screen comes in one small answer, not a thousand rows'.
const OpeningRows = 100

// MaxRows is the most rows one list (or a mark-all) holds, whatever total
// the service gives: G on a service that claims 2,000,000,000 rows stops
// there and says so, with memory to spare (an export streams, uncapped).
const MaxRows = 250_000

// FirstRequest is the request the list will send first on b, when it starts
// on restore (First, before Connected) with products and chunk ids a page:
// the probe that chooses the backend asks it, and its answer is the first
// page.
func FirstRequest(b model.Backend, restore Query, products []string, chunk int) model.Query {
	q := firstQuery(restore, b.Fields(), products)
	return model.NewWalker(b, model.Query{Filter: effective(q, b.Fields()), Q: q.Q, Sort: q.Sort}, chunk).Opening(OpeningRows).FirstRequest()
}

// First is the query the list starts on.
func (l *List) First() Query { return l.restore }

// Latest is the query the analyst last asked for: the one in flight, if
// any, so keys typed before an answer arrives build on what was asked.
func (l *List) Latest() Query {
	if l.pend != nil {
		return l.pend.Query
	}
	return l.cur.Query
}

// IDs are the ids of the query on screen loaded so far.
func (l *List) IDs() []string { return l.cur.ids }

// Busy reports a query, a page or a mark-all in flight.
func (l *List) Busy() bool {
	return l.pend != nil || l.cur.loading || l.allGen != 0
}

// Effective adds the hidden-rows clause to the analyst's filter.
func (l *List) Effective(q Query) string { return effective(q, l.f) }

func effective(q Query, f model.Fields) string {
	a := adds(q, f)
	if len(a) == 0 {
		return q.Filter
	}
	return model.And(append([]string{q.Filter}, a...)...)
}

// Adds are the clauses the console adds to q's filter when it sends it.
func (l *List) Adds(q Query) []string { return adds(q, l.f) }

// adds: rows hidden from the UI stay hidden until . shows them.
func adds(q Query, f model.Fields) []string {
	if q.ShowHidden {
		return nil
	}
	return []string{model.Bool(f.ShowInUI, true)}
}

// IDsMsg answers a page of a query's ids.
type IDsMsg struct {
	gen   int
	stamp uint64 // the rows' write clock when the page was asked for
	ids   []string
	found []model.Detection // rows the page carried (Alerts' cursor pages)
	total int
	done  bool
	err   error
	// fellBack is why this page's walk left the service's cursor for
	// queries and entities, if it did.
	fellBack error
}

// startQuery asks for q's first page. The rows on screen stay until it
// answers; a refusal leaves them and tells the field that asked.
func (l *List) start(q Query, origin any, keep int) tea.Cmd {
	if l.pend != nil {
		l.pend.cancel()
	}
	l.gen++
	ctx, cancel := context.WithCancel(l.Ctx)
	w := &walk{Query: q, gen: l.gen, ctx: ctx, cancel: cancel, total: -1, origin: origin, keep: keep,
		walker:   model.NewWalker(l.b, model.Query{Filter: l.Effective(q), Q: q.Q, Sort: q.Sort}, l.IDChunk).Opening(OpeningRows).Cap(MaxRows),
		listedAt: map[string]uint64{}, stepped: map[string]bool{}, scanned: l.Rows.Clock(), asked: l.Now()}
	l.pend = w
	return l.fetchIDs(w)
}

func (l *List) fetchIDs(w *walk) tea.Cmd {
	w.walker.Rewind(l.stepBack(w))
	gen, ctx, walker, stamp := w.gen, w.ctx, w.walker, l.Rows.Stamp()
	return func() (answer tea.Msg) {
		defer screen.Recover(&answer, func(err error) tea.Msg { return IDsMsg{gen: gen, err: err} })
		ids, err := walker.Next(ctx)
		msg := IDsMsg{gen: gen, stamp: stamp, ids: ids, found: walker.Found(), total: walker.Total(), done: walker.Done(), fellBack: walker.FellBack()}
		if errors.Is(err, io.EOF) {
			msg.done = true
		} else if err != nil {
			msg.err = err
		}
		return msg
	}
}

// stepBack counts the rows w listed that the console wrote after the page
// that listed them was asked for, each once. Called only while no page of w
// is in flight, so every write after a page was asked is still to be read.
func (l *List) stepBack(w *walk) int {
	n := 0
	for _, e := range l.Rows.Since(w.scanned) {
		if at, ok := w.listedAt[e.ID]; ok && e.Clock > at && !w.stepped[e.ID] {
			w.stepped[e.ID] = true
			n++
		}
	}
	w.scanned = l.Rows.Clock()
	oldest := w.scanned
	for _, x := range []*walk{l.cur, l.pend} {
		if x != nil && x.listedAt != nil {
			oldest = min(oldest, x.scanned)
		}
	}
	l.Rows.Trim(oldest)
	return n
}

// onIDs takes a page: the first of the query asked for, which replaces the
// one on screen, or the next of the one on screen. Any other is an answer
// to a query the analyst has left.
func (l *List) onIDs(msg IDsMsg) tea.Cmd {
	switch {
	case l.pend != nil && msg.gen == l.pend.gen:
		p := l.pend
		l.pend = nil
		if msg.err != nil {
			p.cancel()
			if errors.Is(msg.err, context.Canceled) {
				return nil
			}
			l.out.Refused = &Refusal{Origin: p.origin, Why: screen.ErrMessage(msg.err)}
			if l.cur.ctx == nil {
				// The first query: there is no list to keep. It stays the
				// query on screen, with its error, so the header names
				// its filter and sort and r asks for it again.
				l.cur.Query, l.cur.err = p.Query, msg.err.Error()
				l.out.Flash = &Flash{Text: fmt.Sprintf("loading rows: %s (r retries)", msg.err), Err: true, Query: true}
				return nil
			}
			l.out.Flash = &Flash{Text: fmt.Sprintf("%s (the list keeps its last query)", msg.err), Err: true, Query: true}
			return nil
		}
		if l.cur.cancel != nil {
			l.cur.cancel()
		}
		if l.cur.Query != p.Query {
			l.anchor = ""
		}
		on := l.cursorID()
		left := Landing{Left: l.cur.Query, LeftID: on, LeftRow: l.cursor, First: l.cur.ctx == nil}
		l.cur = p
		l.out.Over = OverQuery // what the footer said of an earlier query is over
		l.cursor, l.top, l.readTo, l.ahead = 0, 0, 0, 0
		// A G or a row number asked of the old list is not carried over.
		// The row the analyst is on stays under the cursor when the new
		// rows hold it; the detail being read stays open whatever they
		// hold, so the next key acts on the row it shows.
		l.toEnd, l.target = false, p.keep
		if i := slices.Index(msg.ids, on); on != "" && i >= 0 && !p.atTop {
			l.target = i
		}
		if !left.First {
			// A row an earlier landing was still looking for (backspace to
			// a row past its first page) is that query's, not this one's.
			l.targetID = ""
		}
		if p.keepID != "" {
			l.target, l.targetID = p.keep, p.keepID
		}
		l.Rows.Store(msg.stamp, msg.found)
		left.Origin, left.Query = p.origin, p.Query
		l.out.Landed = &left
		cmd := l.takePage(msg)
		l.noteFallback(msg.fellBack)
		return cmd
	case msg.gen == l.cur.gen && l.cur.ctx != nil:
		l.cur.loading = false
		l.Rows.Store(msg.stamp, msg.found)
		cmd := l.takePage(msg)
		l.noteFallback(msg.fellBack)
		return cmd
	}
	return nil
}

// noteFallback says once in the session, in the footer, that the rows come
// by queries and entities because the service's cursor failed (err); a word
// about an error on screen keeps its place until the next page.
func (l *List) noteFallback(err error) {
	if err != nil && l.fallback == "" {
		l.fallback = "the combined alerts endpoint failed"
		st := screen.ErrStatus(err)
		if st != 0 {
			l.fallback += fmt.Sprintf(" (%d)", st)
		}
		if st == 400 {
			l.fallback += ": listing this query by queries and entities"
		} else {
			l.fallback += ": listing by queries and entities for this session"
		}
		if t := screen.TraceOf(err); t != "" {
			l.fallback += " (trace id " + t + ")"
		}
		l.fallbackOwed = true
	}
	if l.fallbackOwed && (l.out.Flash == nil || !l.out.Flash.Err) {
		l.say(l.fallback)
		l.fallbackOwed = false
	}
}

func (l *List) takePage(msg IDsMsg) tea.Cmd {
	w := l.cur
	if errors.Is(msg.err, model.ErrNoTotal) || errors.Is(msg.err, model.ErrRowCap) {
		// The rows loaded are all the list holds: G ends on the last of
		// them, and the footer says why it is not the real end.
		w.done, w.total = true, len(w.ids)
		if l.toEnd || l.target >= len(w.ids) {
			l.toEnd, l.target = false, -1
			l.cursor = max(0, len(w.ids)-1)
			l.scrollTo(l.rows)
		}
		l.out.Flash = &Flash{Text: msg.err.Error(), Err: true, Query: true}
		return l.ensure()
	}
	if msg.err != nil {
		if errors.Is(msg.err, context.Canceled) {
			return nil
		}
		w.err = msg.err.Error()
		l.out.Flash = &Flash{Text: fmt.Sprintf("loading rows: %s (r retries)", msg.err), Err: true, Query: true}
		return nil
	}
	for _, id := range msg.ids {
		w.listedAt[id] = msg.stamp
	}
	w.ids = append(w.ids, l.hiddenSince(w, msg.stamp, msg.ids)...)
	if msg.total >= 0 {
		w.total = msg.total
	}
	w.done = msg.done
	if w.done {
		w.total = len(w.ids)
	}
	rows := l.rows
	if l.targetID != "" {
		// Looked for page by page until found, or until the rows reach
		// the place it had (then that place is taken).
		if i := slices.Index(w.ids, l.targetID); i >= 0 {
			l.target, l.targetID = i, ""
		} else if l.target < 0 || l.target < len(w.ids) || w.done {
			l.targetID = ""
		}
	}
	if l.target >= 0 && (l.target < len(w.ids) || w.done) {
		l.cursor = min(l.target, max(0, len(w.ids)-1))
		l.target = -1
		l.scrollTo(rows)
		l.out.Over = OverLoading // the rows it was loading are here
	}
	if l.toEnd && w.done {
		l.toEnd = false
		l.cursor = max(0, len(w.ids)-1)
		l.scrollTo(rows)
		l.say(fmt.Sprintf("at the end: %s rows", screen.Commas(len(w.ids))))
	}
	return l.ensure()
}

// hiddenSince leaves out of a page the rows the console hid after the page
// was asked for, in a list that does not show hidden rows: the service
// listed them before the hide.
func (l *List) hiddenSince(w *walk, stamp uint64, ids []string) []string {
	if w.ShowHidden {
		return ids
	}
	return slices.DeleteFunc(slices.Clone(ids), func(id string) bool {
		d, ok := l.Rows.Peek(id)
		return ok && !d.ShowInUI && l.Rows.Touched(id) > stamp && !l.Rows.Pending(id)
	})
}

// ensure asks for what the screen needs: more ids when the cursor nears the
// end of those loaded (or a target lies beyond), and the details of the rows
// on screen plus one screen ahead.
func (l *List) ensure() tea.Cmd {
	w := l.cur
	var cmds []tea.Cmd
	rows := l.rows
	if w.walker != nil && !w.loading && !w.done && w.err == "" {
		// Ids a screen or two ahead, and as far as the details read ahead.
		need := max(l.cursor+2*rows+1, l.readTo+l.ahead)
		if l.target >= 0 {
			need = max(need, l.target+rows)
		}
		if len(w.ids) < need || l.toEnd {
			// A target far ahead (G, a row number) is reached in the
			// largest pages the service allows.
			w.walker.Far(l.toEnd || l.target-len(w.ids) > l.IDChunk)
			w.loading = true
			cmds = append(cmds, l.fetchIDs(w))
		}
	}
	if len(w.ids) > 0 && l.width > 0 {
		// Page-aligned blocks of a screen each: a row scrolled into view
		// brings its whole block, so scrolling costs a request per screen,
		// not per row.
		from := (l.top / rows) * rows
		to := min(len(w.ids), l.top+2*rows)
		to = min(len(w.ids), ((to+rows-1)/rows)*rows)
		if need := l.Rows.Need(w.ids[from:to]); len(need) > 0 {
			// Paging on through rows just read: read four times further
			// ahead each time, up to the most one request carries, so
			// paging through thousands of rows costs a request per
			// thousand.
			if l.readTo > 0 && from <= l.readTo && l.readTo <= to {
				l.ahead = min(l.b.MaxIDs()-len(need), max(4*rows, 4*l.ahead))
			} else {
				l.ahead = 0
			}
			end := min(len(w.ids), to+max(0, l.ahead))
			need = append(need, l.Rows.Need(w.ids[to:end])...)
			l.readTo = end
			cmds = append(cmds, l.fetchDetails(w.ctx, need))
		}
	}
	return tea.Batch(cmds...)
}

func (l *List) clamp(rows int) {
	if l.cursor >= len(l.cur.ids) {
		l.cursor = max(0, len(l.cur.ids)-1)
	}
	l.scrollTo(rows)
}

// scrollTo keeps the cursor on screen, moving the view as little as needed.
func (l *List) scrollTo(rows int) {
	if l.cursor < l.top {
		l.top = l.cursor
	}
	if l.cursor >= l.top+rows {
		l.top = l.cursor - rows + 1
	}
	l.top = max(0, min(l.top, max(0, len(l.cur.ids)-rows)))
}

func (l *List) move(n, rows int) {
	if len(l.cur.ids) == 0 {
		return
	}
	l.cursor = max(0, min(len(l.cur.ids)-1, l.cursor+n))
	l.scrollTo(rows)
}

// page scrolls the view and the cursor together by n rows, as a pager does.
func (l *List) page(n, rows int) {
	if len(l.cur.ids) == 0 {
		return
	}
	l.top = max(0, min(l.top+n, len(l.cur.ids)-rows))
	l.move(n, rows)
}

// cursorID is the id under the cursor, or "".
func (l *List) cursorID() string {
	if l.cursor < len(l.cur.ids) {
		return l.cur.ids[l.cursor]
	}
	return ""
}

// drop takes rows out of the list on screen (hidden by an action), the
// cursor staying on the row it was on or the one after.
func (l *List) drop(ids []string, rows int) {
	gone := make(map[string]bool, len(ids))
	for _, id := range ids {
		gone[id] = true
	}
	w := l.cur
	before := len(w.ids)
	cursor := l.cursor
	kept := w.ids[:0:0]
	for i, id := range w.ids {
		if gone[id] {
			if i < l.cursor {
				cursor--
			}
			continue
		}
		kept = append(kept, id)
	}
	w.ids = kept
	if w.total >= 0 {
		w.total = max(0, w.total-(before-len(kept)))
	}
	l.cursor = max(0, cursor)
	l.clamp(rows)
}

// --- marks

func (l *List) marked(id string) bool {
	_, ok := l.marks[id]
	return ok
}

func (l *List) toggleMark() {
	id := l.cursorID()
	if id == "" {
		return
	}
	if l.marked(id) {
		delete(l.marks, id)
		return
	}
	l.marks[id] = struct{}{}
	l.anchor = id
}

// markRange marks from the last row marked (by id, in the list on screen)
// to the cursor.
func (l *List) markRange() {
	from := -1
	if l.anchor != "" {
		from = slices.Index(l.cur.ids, l.anchor)
	}
	if from < 0 {
		l.toggleMark()
		return
	}
	lo, hi := min(from, l.cursor), max(from, l.cursor)
	for _, id := range l.cur.ids[lo : hi+1] {
		l.marks[id] = struct{}{}
	}
}

func (l *List) markScreen(rows int) {
	for _, id := range l.cur.ids[l.top:min(len(l.cur.ids), l.top+rows)] {
		l.marks[id] = struct{}{}
	}
}

// clearMarks drops the marks, keeping them for M, and says how many.
func (l *List) clearMarks() int {
	n := len(l.marks)
	if n == 0 {
		return 0
	}
	l.cleared = make([]string, 0, n)
	for id := range l.marks {
		l.cleared = append(l.cleared, id)
	}
	l.marks = map[string]struct{}{}
	l.anchor, l.clearedAnchor = "", l.anchor
	return n
}

// restoreMarks brings back what esc cleared.
func (l *List) restoreMarks() int {
	for _, id := range l.cleared {
		l.marks[id] = struct{}{}
	}
	n := len(l.cleared)
	l.cleared = nil
	if l.anchor == "" {
		l.anchor = l.clearedAnchor
	}
	return n
}

// targets are the marked rows, in list order first, or the cursor row:
// what an action acts on, captured when its key is pressed.
func (l *List) targets() []string {
	if len(l.marks) == 0 {
		if id := l.cursorID(); id != "" {
			return []string{id}
		}
		return nil
	}
	out := make([]string, 0, len(l.marks))
	inList := make(map[string]bool, len(l.marks))
	for _, id := range l.cur.ids {
		if l.marked(id) {
			out = append(out, id)
			inList[id] = true
		}
	}
	var rest []string
	for id := range l.marks {
		if !inList[id] {
			rest = append(rest, id)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// outOfView counts the ids not among the rows on screen.
func (l *List) outOfView(ids []string, rows int) int {
	if len(ids) <= 1 {
		return 0
	}
	in := make(map[string]struct{}, rows)
	for _, id := range l.cur.ids[l.top:min(len(l.cur.ids), l.top+rows)] {
		in[id] = struct{}{}
	}
	n := 0
	for _, id := range ids {
		if _, ok := in[id]; !ok {
			n++
		}
	}
	return n
}

// stopMarkAll forgets a mark-all walk in flight; its answer marks nothing.
func (l *List) stopMarkAll() bool {
	if l.allGen == 0 {
		return false
	}
	l.allCancel()
	l.allGen, l.allCancel = 0, nil
	return true
}

// AllIDsMsg answers a mark-all: every id of the query.
type AllIDsMsg struct {
	gen   int
	req   int // the mark-all it answers: one stopped with esc marks nothing
	stamp uint64
	ids   []string
	found []model.Detection
	err   error
}

// MarkAll is a mark-all the analyst is asked to confirm: every row of the
// query on screen when * was pressed.
type MarkAll struct {
	w *walk
	n int
}

// AskMarkAll words the question a mark-all asks first (how many rows), or
// says why there is none to ask.
func (l *List) AskMarkAll() (MarkAll, string, bool) {
	n := l.cur.total
	if n < 0 || l.cur.walker == nil {
		return MarkAll{}, "the total is not known yet", false
	}
	return MarkAll{w: l.cur, n: n}, fmt.Sprintf("Mark all %s %s matching the filter?", screen.Commas(n), l.rowWord(n)), true
}

// StartMarkAll walks every id of the query the mark-all was asked for.
func (l *List) StartMarkAll(a MarkAll) (Out, tea.Cmd) { return l.take(l.startMarkAll(a.w, a.n)) }

// startMarkAll walks every id of w, the list's query when * was pressed.
func (l *List) startMarkAll(w *walk, n int) tea.Cmd {
	l.say(fmt.Sprintf("loading the ids of %s %s…", screen.Commas(n), l.rowWord(n)))
	l.stopMarkAll()
	l.allReq++
	l.allGen = w.gen
	walker := model.NewWalker(l.b, model.Query{Filter: l.Effective(w.Query), Q: w.Q, Sort: w.Sort}, l.b.Window()-1).Cap(MaxRows)
	var ctx context.Context
	ctx, l.allCancel = context.WithCancel(w.ctx)
	gen, req, stamp := w.gen, l.allReq, l.Rows.Stamp()
	return tea.Batch(func() (answer tea.Msg) {
		defer screen.Recover(&answer, func(err error) tea.Msg { return AllIDsMsg{gen: gen, req: req, err: err} })
		// The rows the pages carry (Alerts) are kept: the action that
		// follows need not read them again.
		msg := AllIDsMsg{gen: gen, req: req, stamp: stamp}
		for {
			ids, err := walker.Next(ctx)
			if errors.Is(err, io.EOF) {
				return msg
			}
			if err != nil {
				msg.err = err
				return msg
			}
			msg.ids = append(msg.ids, ids...)
			msg.found = append(msg.found, walker.Found()...)
		}
	})
}

// onAllIDs marks every id of the walk it was asked for, if that query is
// still the one on screen.
func (l *List) onAllIDs(msg AllIDsMsg) {
	if l.allGen == 0 || msg.req != l.allReq {
		return // a mark-all stopped, or one asked before the one running
	}
	l.stopMarkAll()
	if msg.gen != l.cur.gen {
		l.say("marking every match stopped: the filter changed")
		return
	}
	l.Rows.Store(msg.stamp, msg.found)
	if msg.err != nil {
		l.setErr(fmt.Errorf("marking every match stopped after %s: %w", screen.Commas(len(msg.ids)), msg.err))
		return
	}
	for _, id := range msg.ids {
		l.marks[id] = struct{}{}
	}
	l.say(fmt.Sprintf("%s marked", screen.Commas(len(l.marks))))
}

// pushHistory puts f at the front of the history, once.
func pushHistory(h []string, f string) []string {
	if f == "" {
		return h
	}
	out := []string{f}
	for _, x := range h {
		if x != f && len(out) < historyMax {
			out = append(out, x)
		}
	}
	return out
}

// historyMax is how many filters the history keeps.
const historyMax = 100
