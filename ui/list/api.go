package list

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/rows"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// Deps are what the list needs of the console.
type Deps struct {
	Rows *rows.Store
	Keys keymap.KeyMap
	// Ctx is the console's root context: every query's context is under it.
	Ctx context.Context
	// IDChunk is how many ids one query request asks for.
	IDChunk int
	// Location and Now are the zone times are shown in and the clock.
	Location *time.Location
	Now      func() time.Time
	// HostMark is a glyph before a row's host in the host column (its
	// containment: ⊘ contained); nil or "": none.
	HostMark func(aid string) string
}

// Prefs are how the analyst asked rows to read.
type Prefs struct {
	RelTimes bool // times as "5m ago" (t)
	SevNum   bool // the severity's number beside its word (#)
}

// Out is what a call to the list hands back for the console.
type Out struct {
	Flash *Flash
	// Over says which of the footer's words the call made stale.
	Over Over
	// Landed: a query asked for replaced the one on screen.
	Landed *Landing
	// Refused: the query asked for was refused; the list kept its last.
	Refused *Refusal
}

// Flash is a word for the footer; Query: it is about a query, and goes
// when one lands; Loading: it says rows are loading, and goes once they
// are.
type Flash struct {
	Text           string
	Err            bool
	Query, Loading bool
}

// Over names footer words made stale.
type Over int

// What a call made stale.
const (
	OverNothing Over = iota
	OverLoading      // a word that rows are loading
	OverQuery        // a word about a query, or that rows are loading
)

// Landing is a query that replaced the one on screen; Origin is what asked
// for it (Start's origin). Left is the query it replaced, with the row the
// cursor was on (LeftID, at LeftRow); First: there was none.
type Landing struct {
	Origin  any
	Query   Query
	Left    Query
	LeftID  string
	LeftRow int
	First   bool
}

// Refusal is a query the service refused, with its words.
type Refusal struct {
	Origin any
	Why    string
}

// Msg is an answer the list asked for: the console routes it back.
type Msg interface{ listMsg() }

func (IDsMsg) listMsg()     {}
func (DetailsMsg) listMsg() {}
func (AllIDsMsg) listMsg()  {}

// take hands back what the call under way gathered.
func (l *List) take(cmd tea.Cmd) (Out, tea.Cmd) {
	out := l.out
	l.out = Out{}
	return out, cmd
}

func (l *List) say(s string) { l.out.Flash = &Flash{Text: s} }

// setErr says a read of the query on screen failed: the word is the
// query's, and goes when another lands (r reads again).
func (l *List) setErr(err error) { l.out.Flash = &Flash{Text: err.Error(), Err: true, Query: true} }

// rowWord names n rows as the backend calls them: alerts, or detections.
func (l *List) rowWord(n int) string {
	if l.b == nil {
		return screen.RowWord("", n)
	}
	return screen.RowWord(l.b.Name(), n)
}

// Fit tells the list its width and how many rows the screen shows.
func (l *List) Fit(width, rows int) {
	l.width, l.rows = width, max(1, rows)
	l.clamp(l.rows)
}

// Update takes the list's answers (pages, details, a mark-all) and the keys
// that move the cursor and mark rows; it reports whether a key was its.
func (l *List) Update(msg tea.Msg) (Out, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case IDsMsg:
		out, cmd := l.take(l.onIDs(msg))
		return out, cmd, true
	case DetailsMsg:
		out, cmd := l.take(l.onDetails(msg))
		return out, cmd, true
	case AllIDsMsg:
		l.onAllIDs(msg)
		out, cmd := l.take(nil)
		return out, cmd, true
	case tea.KeyPressMsg:
		act, ok := l.Keys.Match(msg.String())
		if !ok || !l.key(act) {
			return Out{}, nil, false
		}
		out, cmd := l.take(l.ensure())
		return out, cmd, true
	}
	return Out{}, nil, false
}

// Start asks for q's first page; origin is handed back when it lands or
// is refused. The rows on screen stay until it answers. keep is the row to
// go back to (a refresh), or -1.
func (l *List) Start(q Query, origin any, keep int) tea.Cmd { return l.start(q, origin, keep) }

// StartOn asks for q to land on the row id (at row when it was left): the
// cursor goes back to that row wherever it now is, or to row when it is
// gone.
func (l *List) StartOn(q Query, origin any, row int, id string) tea.Cmd {
	cmd := l.start(q, origin, row)
	l.pend.keepID = id
	return cmd
}

// StartAtTop asks for q to land on its first row, whatever row the cursor
// is on now (a view opened for the first time).
func (l *List) StartAtTop(q Query, origin any) tea.Cmd {
	cmd := l.start(q, origin, 0)
	l.pend.atTop = true
	return cmd
}

// DropFirstFilter starts the list without the filter a last session left
// (one this backend cannot take), at the top.
func (l *List) DropFirstFilter() {
	l.restore.Filter, l.target, l.targetID = "", -1, ""
}

// Begin asks for the first query, to land on the row a last session left.
func (l *List) Begin() tea.Cmd { return l.start(l.restore, nil, l.target) }

// Ensure asks for what the screen needs: more ids, the details of the rows
// on screen.
func (l *List) Ensure() (Out, tea.Cmd) { return l.take(l.ensure()) }

// Cancel drops the query asked for and not answered yet; from: only if the
// field from asked for it (nil: whatever asked). It reports whether there
// was one to drop; the first query, with no list to keep, is never dropped.
func (l *List) Cancel(from any) bool {
	if l.pend == nil || l.cur.ctx == nil || from != nil && l.pend.origin != from {
		return false
	}
	l.pend.cancel()
	l.pend = nil
	return true
}

// Asked is the query asked for and not answered yet, with what asked for
// it (Start's origin); ok: there is one.
func (l *List) Asked() (q Query, origin any, ok bool) {
	if l.pend == nil {
		return Query{}, nil, false
	}
	return l.pend.Query, l.pend.origin, true
}

// Pending reports a query asked for and not answered yet.
func (l *List) Pending() bool { return l.pend != nil }

// Current is the query on screen.
func (l *List) Current() Query { return l.cur.Query }

// Total is how many rows match the query on screen, as the service said
// (-1: not known yet).
func (l *List) Total() int { return l.cur.total }

// Gen is the generation of the query on screen: a live answer asked for
// another is not about these rows.
func (l *List) Gen() int { return l.cur.gen }

// AskedAt is when the query on screen was asked for.
func (l *List) AskedAt() time.Time { return l.cur.asked }

// Done reports every row of the query on screen loaded.
func (l *List) Done() bool { return l.cur.done }

// Cursor is the row number the cursor is on, from 0.
func (l *List) Cursor() int { return l.cursor }

// Top is the first row on screen.
func (l *List) Top() int { return l.top }

// CursorID is the id under the cursor, or "".
func (l *List) CursorID() string { return l.cursorID() }

// MoveTo puts the cursor on row i (from 0), loading what it must.
func (l *List) MoveTo(i int) (Out, tea.Cmd) { return l.take(l.jump(i + 1)) }

// Marked reports a marked row.
func (l *List) Marked(id string) bool { return l.marked(id) }

// MarkCount counts the marked rows.
func (l *List) MarkCount() int { return len(l.marks) }

// Unmark drops the marks of rows (rows that no longer exist).
func (l *List) Unmark(ids []string) {
	for _, id := range ids {
		delete(l.marks, id)
	}
}

// Drop takes rows out of the list on screen (hidden by an action) in a list
// that does not show hidden rows.
func (l *List) Drop(ids []string) {
	if !l.cur.ShowHidden {
		l.drop(ids, l.rows)
	}
}

// Targets are what an action acts on: the marked rows in list order first,
// or the cursor row.
func (l *List) Targets() []string { return l.targets() }

// OutOfView counts the ids not among the rows on screen.
func (l *List) OutOfView(ids []string) int { return l.outOfView(ids, l.rows) }

// History is the filter history, newest first.
func (l *List) History() []string { return l.history }

// Remember puts a filter at the front of the history.
func (l *List) Remember(filter string) { l.history = pushHistory(l.history, filter) }

// Prefs are how rows read; SetPrefs changes them.
func (l *List) Prefs() Prefs { return l.prefs }

// SetPrefs sets how rows read.
func (l *List) SetPrefs(p Prefs) { l.prefs = p }

// Err is why the query on screen could not load its rows, or "".
func (l *List) Err() string { return l.cur.err }

// Marks are the marked rows, in list order first.
func (l *List) Marks() []string {
	if len(l.marks) == 0 {
		return nil
	}
	return l.targets()
}

// Heading reports the cursor on its way to a row not loaded yet (G, a row
// number).
func (l *List) Heading() bool { return l.toEnd || l.target >= 0 }

// Walk is the current walk: for tests of paging, which read its context.
func (l *List) Context() context.Context { return l.cur.ctx }

// IDs are the ids a details read asked for.
func (m DetailsMsg) IDs() []string { return m.ids }

// Found are the rows the read found.
func (m DetailsMsg) Found() []model.Detection { return m.found }
