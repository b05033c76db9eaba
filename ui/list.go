package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/modal"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// query is what the list shows: filter, free text, sort, hidden rows.
type query struct {
	filter     string
	q          string
	sort       model.Sort
	showHidden bool
}

// walk is one query's rows: its generation, its context (cancelled when
// another query replaces it), its walker and the ids loaded so far.
type walk struct {
	query
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
	// from is the text field that asked for the query, told of a refusal;
	// keep is the row to return to (a refresh), or -1.
	from *modal.Input
	keep int
}

// listView is the list of detections: the query on screen, the one asked
// for and not yet answered, the cursor, and the marks, which are by id so
// they survive paging, re-sorting and new filters.
type listView struct {
	gen     int
	cur     *walk
	pend    *walk
	restore query
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
}

func newListView(history []string, restored session) *listView {
	l := &listView{history: history, marks: map[string]struct{}{}, target: -1, cur: &walk{total: -1}}
	if restored.Sort != "" || restored.Filter != "" || restored.Q != "" || restored.ShowHidden {
		l.restore = query{filter: restored.Filter, q: restored.Q, sort: model.ParseSort(restored.Sort), showHidden: restored.ShowHidden}
	}
	if restored.Row > 0 {
		l.target = restored.Row
	}
	l.targetID = restored.RowID
	return l
}

// connected sets the first query: the restored one, on a sort the backend
// knows, or the backend's time field, newest first; with no session, scoped
// to the configured products.
func (l *listView) connected(f model.Fields, products []string) {
	if l.restore == (query{}) && len(products) > 0 && f.Product != "" {
		l.restore.filter = model.In(f.Product, products)
	}
	if l.restore.sort.Field == "" || !slices.Contains(f.SortFields, l.restore.sort.Field) {
		l.restore.sort = model.Sort{Field: f.Time, Desc: true}
	}
}

func (l *listView) first() query { return l.restore }

// latest is the query the analyst last asked for: the one in flight, if
// any, so keys typed before an answer arrives build on what was asked.
func (l *listView) latest() query {
	if l.pend != nil {
		return l.pend.query
	}
	return l.cur.query
}

func (l *listView) ids() []string { return l.cur.ids }

func (l *listView) busy() bool {
	return l.pend != nil || l.cur.loading || l.allGen != 0
}

// effectiveFilter adds the hidden-rows clause to the analyst's filter.
func (m *Model) effectiveFilter(q query) string {
	if q.showHidden {
		return q.filter
	}
	return model.And(q.filter, model.Bool(m.f.ShowInUI, true))
}

type idsMsg struct {
	gen   int
	stamp uint64 // the rows' write clock when the page was asked for
	ids   []string
	found []model.Detection // rows the page carried (Alerts' cursor pages)
	total int
	done  bool
	err   error
}

// startQuery asks for q's first page. The rows on screen stay until it
// answers; a refusal leaves them and tells the field that asked.
func (m *Model) startQuery(q query, from *modal.Input, keep int) tea.Cmd {
	l := m.list
	if l.pend != nil {
		l.pend.cancel()
	}
	l.gen++
	ctx, cancel := context.WithCancel(m.ctx)
	w := &walk{query: q, gen: l.gen, ctx: ctx, cancel: cancel, total: -1, from: from, keep: keep,
		walker:   model.NewWalker(m.b, model.Query{Filter: m.effectiveFilter(q), Q: q.q, Sort: q.sort}, m.o.IDChunk),
		listedAt: map[string]uint64{}, stepped: map[string]bool{}, scanned: m.rows.Clock()}
	l.pend = w
	return tea.Batch(m.fetchIDs(w), m.startSpinner())
}

func (m *Model) fetchIDs(w *walk) tea.Cmd {
	w.walker.Rewind(m.stepBack(w))
	gen, ctx, walker, stamp := w.gen, w.ctx, w.walker, m.rows.Stamp()
	return func() (answer tea.Msg) {
		defer screen.Recover(&answer, func(err error) tea.Msg { return idsMsg{gen: gen, err: err} })
		ids, err := walker.Next(ctx)
		msg := idsMsg{gen: gen, stamp: stamp, ids: ids, found: walker.Found(), total: walker.Total(), done: walker.Done()}
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
func (m *Model) stepBack(w *walk) int {
	n := 0
	for _, e := range m.rows.Since(w.scanned) {
		if at, ok := w.listedAt[e.ID]; ok && e.Clock > at && !w.stepped[e.ID] {
			w.stepped[e.ID] = true
			n++
		}
	}
	w.scanned = m.rows.Clock()
	oldest := w.scanned
	for _, x := range []*walk{m.list.cur, m.list.pend} {
		if x != nil && x.listedAt != nil {
			oldest = min(oldest, x.scanned)
		}
	}
	m.rows.Trim(oldest)
	return n
}

// onIDs takes a page: the first of the query asked for, which replaces the
// one on screen, or the next of the one on screen. Any other is an answer
// to a query the analyst has left.
func (m *Model) onIDs(msg idsMsg) tea.Cmd {
	l := m.list
	switch {
	case l.pend != nil && msg.gen == l.pend.gen:
		p := l.pend
		l.pend = nil
		if msg.err != nil {
			p.cancel()
			if errors.Is(msg.err, context.Canceled) {
				return nil
			}
			m.msg = flash{text: fmt.Sprintf("%s (the list keeps its last query)", msg.err), isErr: true, query: true}
			if p.from != nil {
				p.from.Refused(screen.ErrMessage(msg.err))
				// The text as typed comes back with the service's words,
				// once the analyst is back at the list.
				if !m.stack.On(p.from) {
					m.stack.Raise(p.from, "the filter was refused", nil)
				}
			}
			return nil
		}
		if l.cur.cancel != nil {
			l.cur.cancel()
		}
		if l.cur.query != p.query {
			l.anchor = ""
		}
		on := l.cursorID()
		l.cur = p
		if m.msg.query || m.msg.loading {
			m.msg = flash{} // what it said of an earlier query is over
		}
		l.cursor, l.top, l.readTo, l.ahead = 0, 0, 0, 0
		// A G or a row number asked of the old list is not carried over.
		// The row the analyst is on stays under the cursor when the new
		// rows hold it; the detail being read stays open whatever they
		// hold, so the next key acts on the row it shows.
		l.toEnd, l.target = false, p.keep
		if i := slices.Index(msg.ids, on); on != "" && i >= 0 {
			l.target = i
		}
		if p.from != nil {
			m.stack.Pop(p.from)
			if p.from.Kind() == modal.FilterField {
				l.history = pushHistory(l.history, p.query.filter)
			}
		}
		m.rows.Store(msg.stamp, msg.found)
		var cmds []tea.Cmd
		if p.from != nil && p.from.Kind() == modal.FilterField {
			cmds = append(cmds, m.store.save(historyFile, l.history))
		}
		cmds = append(cmds, m.saveSession())
		if m.ov.Shown() && m.ov.Stale(m.effectiveFilter(l.cur.query), l.cur.q) {
			cmds = append(cmds, m.loadOverview())
		}
		return tea.Batch(append(cmds, m.takePage(msg))...)
	case msg.gen == l.cur.gen && l.cur.ctx != nil:
		l.cur.loading = false
		m.rows.Store(msg.stamp, msg.found)
		return m.takePage(msg)
	}
	return nil
}

func (m *Model) takePage(msg idsMsg) tea.Cmd {
	l := m.list
	w := l.cur
	if msg.err != nil {
		if errors.Is(msg.err, context.Canceled) {
			return nil
		}
		w.err = msg.err.Error()
		m.msg = flash{text: fmt.Sprintf("loading rows: %s (r retries)", msg.err), isErr: true, query: true}
		return nil
	}
	for _, id := range msg.ids {
		w.listedAt[id] = msg.stamp
	}
	w.ids = append(w.ids, m.hiddenSince(w, msg.stamp, msg.ids)...)
	if msg.total >= 0 {
		w.total = msg.total
	}
	w.done = msg.done
	if w.done {
		w.total = len(w.ids)
	}
	rows := m.rowsOnScreen()
	if l.targetID != "" {
		if i := slices.Index(w.ids, l.targetID); i >= 0 {
			l.target = i
		}
		l.targetID = ""
	}
	if l.target >= 0 && (l.target < len(w.ids) || w.done) {
		l.cursor = min(l.target, max(0, len(w.ids)-1))
		l.target = -1
		l.scrollTo(rows)
		if m.msg.loading {
			m.msg = flash{} // the rows it was loading are here
		}
	}
	if l.toEnd && w.done {
		l.toEnd = false
		l.cursor = max(0, len(w.ids)-1)
		l.scrollTo(rows)
		m.say(fmt.Sprintf("at the end: %s rows", screen.Commas(len(w.ids))))
	}
	return m.ensure()
}

// hiddenSince leaves out of a page the rows the console hid after the page
// was asked for, in a list that does not show hidden rows: the service
// listed them before the hide.
func (m *Model) hiddenSince(w *walk, stamp uint64, ids []string) []string {
	if w.showHidden {
		return ids
	}
	return slices.DeleteFunc(slices.Clone(ids), func(id string) bool {
		d, ok := m.rows.Peek(id)
		return ok && !d.ShowInUI && m.rows.Touched(id) > stamp && !m.rows.Pending(id)
	})
}

// ensure asks for what the screen needs: more ids when the cursor nears the
// end of those loaded (or a target lies beyond), and the details of the rows
// on screen plus one screen ahead.
func (m *Model) ensure() tea.Cmd {
	l := m.list
	w := l.cur
	var cmds []tea.Cmd
	rows := m.rowsOnScreen()
	if w.walker != nil && !w.loading && !w.done && w.err == "" {
		// Ids a screen or two ahead, and as far as the details read ahead.
		need := max(l.cursor+2*rows+1, l.readTo+l.ahead)
		if l.target >= 0 {
			need = max(need, l.target+rows)
		}
		if len(w.ids) < need || l.toEnd {
			// A target far ahead (G, a row number) is reached in the
			// largest pages the service allows.
			w.walker.Far(l.toEnd || l.target-len(w.ids) > m.o.IDChunk)
			w.loading = true
			cmds = append(cmds, m.fetchIDs(w))
		}
	}
	if len(w.ids) > 0 && m.width > 0 {
		// Page-aligned blocks of a screen each: a row scrolled into view
		// brings its whole block, so scrolling costs a request per screen,
		// not per row.
		from := (l.top / rows) * rows
		to := min(len(w.ids), l.top+2*rows)
		to = min(len(w.ids), ((to+rows-1)/rows)*rows)
		if need := m.rows.Need(w.ids[from:to]); len(need) > 0 {
			// Paging on through rows just read: read four times further
			// ahead each time, up to the most one request carries, so
			// paging through thousands of rows costs a request per
			// thousand.
			if l.readTo > 0 && from <= l.readTo && l.readTo <= to {
				l.ahead = min(m.b.MaxIDs()-len(need), max(4*rows, 4*l.ahead))
			} else {
				l.ahead = 0
			}
			end := min(len(w.ids), to+max(0, l.ahead))
			need = append(need, m.rows.Need(w.ids[to:end])...)
			l.readTo = end
			cmds = append(cmds, m.fetchDetails(w.ctx, need))
		}
	}
	if len(cmds) > 0 {
		cmds = append(cmds, m.startSpinner())
	}
	return tea.Batch(cmds...)
}

func (l *listView) clamp(rows int) {
	if l.cursor >= len(l.cur.ids) {
		l.cursor = max(0, len(l.cur.ids)-1)
	}
	l.scrollTo(rows)
}

// scrollTo keeps the cursor on screen, moving the view as little as needed.
func (l *listView) scrollTo(rows int) {
	if l.cursor < l.top {
		l.top = l.cursor
	}
	if l.cursor >= l.top+rows {
		l.top = l.cursor - rows + 1
	}
	l.top = max(0, min(l.top, max(0, len(l.cur.ids)-rows)))
}

func (l *listView) move(n, rows int) {
	if len(l.cur.ids) == 0 {
		return
	}
	l.cursor = max(0, min(len(l.cur.ids)-1, l.cursor+n))
	l.scrollTo(rows)
}

// page scrolls the view and the cursor together by n rows, as a pager does.
func (l *listView) page(n, rows int) {
	if len(l.cur.ids) == 0 {
		return
	}
	l.top = max(0, min(l.top+n, len(l.cur.ids)-rows))
	l.move(n, rows)
}

// cursorID is the id under the cursor, or "".
func (l *listView) cursorID() string {
	if l.cursor < len(l.cur.ids) {
		return l.cur.ids[l.cursor]
	}
	return ""
}

// drop takes rows out of the list on screen (hidden by an action), the
// cursor staying on the row it was on or the one after.
func (l *listView) drop(ids []string, rows int) {
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

func (l *listView) marked(id string) bool {
	_, ok := l.marks[id]
	return ok
}

func (l *listView) toggleMark() {
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
func (l *listView) markRange() {
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

func (l *listView) markScreen(rows int) {
	for _, id := range l.cur.ids[l.top:min(len(l.cur.ids), l.top+rows)] {
		l.marks[id] = struct{}{}
	}
}

// clearMarks drops the marks, keeping them for M, and says how many.
func (l *listView) clearMarks() int {
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
func (l *listView) restoreMarks() int {
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
func (l *listView) targets() []string {
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
func (l *listView) outOfView(ids []string, rows int) int {
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
func (l *listView) stopMarkAll() bool {
	if l.allGen == 0 {
		return false
	}
	l.allCancel()
	l.allGen, l.allCancel = 0, nil
	return true
}

type allIDsMsg struct {
	gen   int
	req   int // the mark-all it answers: one stopped with esc marks nothing
	stamp uint64
	ids   []string
	found []model.Detection
	err   error
}

// markAll asks to mark every row matching the filter on screen, however
// many, after saying how many that is.
func (m *Model) markAll() tea.Cmd {
	l := m.list
	n := l.cur.total
	if n < 0 || l.cur.walker == nil {
		m.say("the total is not known yet")
		return nil
	}
	m.stack.Push(&modal.Prompt{
		Text:    fmt.Sprintf("Mark all %s %s matching the filter?", screen.Commas(n), m.rowWord(n)),
		Answers: [][2]string{{"y", "mark them"}, {"n", "cancel"}},
		Tag:     markAllPrompt{w: l.cur, n: n},
	})
	return nil
}

// startMarkAll walks every id of w, the list's query when * was pressed.
func (m *Model) startMarkAll(w *walk, n int) tea.Cmd {
	l := m.list
	m.say(fmt.Sprintf("loading the ids of %s %s…", screen.Commas(n), m.rowWord(n)))
	l.stopMarkAll()
	l.allReq++
	l.allGen = w.gen
	walker := model.NewWalker(m.b, model.Query{Filter: m.effectiveFilter(w.query), Q: w.q, Sort: w.sort}, m.b.Window()-1)
	var ctx context.Context
	ctx, l.allCancel = context.WithCancel(w.ctx)
	gen, req, stamp := w.gen, l.allReq, m.rows.Stamp()
	return tea.Batch(func() (answer tea.Msg) {
		defer screen.Recover(&answer, func(err error) tea.Msg { return allIDsMsg{gen: gen, req: req, err: err} })
		// The rows the pages carry (Alerts) are kept: the action that
		// follows need not read them again.
		msg := allIDsMsg{gen: gen, req: req, stamp: stamp}
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
	}, m.startSpinner())
}

// onAllIDs marks every id of the walk it was asked for, if that query is
// still the one on screen.
func (m *Model) onAllIDs(msg allIDsMsg) {
	l := m.list
	if l.allGen == 0 || msg.req != l.allReq {
		return // a mark-all stopped, or one asked before the one running
	}
	l.stopMarkAll()
	if msg.gen != l.cur.gen {
		m.say("marking every match stopped: the filter changed")
		return
	}
	m.rows.Store(msg.stamp, msg.found)
	if msg.err != nil {
		m.setErr(fmt.Errorf("marking every match stopped after %s: %w", screen.Commas(len(msg.ids)), msg.err))
		return
	}
	for _, id := range msg.ids {
		l.marks[id] = struct{}{}
	}
	m.say(fmt.Sprintf("%s marked", screen.Commas(len(l.marks))))
}
