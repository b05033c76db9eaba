// Package ui is the Bubble Tea console: the list of detections paged from the
// backend, the detail pane, filter, search and sort, menus, help, the
// sanitiser every service string passes, and the persisted UI state.
//
// It speaks only model types through the Source it is given; it must never
// import the API client, and never block in Update: every call to the
// service is a tea.Cmd whose answer comes back as a message stamped with the
// generation of the query that asked for it.
package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
)

// Source is where the console's data comes from.
type Source struct {
	Backend model.Backend
	// Label names the source in the header: DEMO, a cloud or a base URL.
	Label string
	// CID is the customer id shown in the header, if known.
	CID string
	// ConsoleURL is the Falcon console's page of a detection.
	ConsoleURL func(d *model.Detection) string
	// People looks up the tenant's users for the assignee picker (nil:
	// only the people of the config file and the data).
	People People
}

// Options configure the console.
type Options struct {
	Source Source
	// StateDir holds the session and the filter history ("" keeps nothing).
	StateDir string
	Keys     keymap.KeyMap
	// Me is the analyst (login, name, UUID when known), for "mine" and
	// the assignee picker.
	Me model.User
	// Team are the people of the config file, offered by the picker.
	Team []model.User
	// ReadOnly disables every write key.
	ReadOnly bool
	// ConfirmThreshold is the number of rows above which an action asks
	// first (default 50).
	ConfirmThreshold int
	// Restore starts where the last session left off.
	Restore bool
	// Location is the time zone times are shown in (default local).
	Location *time.Location
	// Now is the clock for time-window filters (default time.Now).
	Now func() time.Time
	// CacheSize bounds the detail cache (default 5,000 detections).
	CacheSize int
	// IDChunk is how many ids one query request asks for (default 1,000).
	IDChunk int
	// Overview opens the overview first.
	Overview bool
	// Connect, when Source.Backend is nil, logs in and picks the backend
	// from within the running console, so the first frame does not wait
	// for the network.
	Connect func(ctx context.Context) (model.Backend, error)
}

type connectedMsg struct {
	b   model.Backend
	err error
}

// RateMsg tells the console about the tenant's rate budget.
type RateMsg struct {
	Limit, Remaining int
	Waiting          time.Duration
	Why              string
}

// ShutdownMsg asks the console to save its state and quit (SIGTERM, SIGHUP).
type ShutdownMsg struct{}

type idsMsg struct {
	gen   int
	ids   []string
	found []model.Detection // rows the page carried (Alerts' cursor pages)
	total int
	done  bool
	err   error
}

type detailsMsg struct {
	ids     []string
	found   []model.Detection
	missing map[string]string
	err     error
}

type tickMsg struct{}

type overlay int

const (
	overlayNone overlay = iota
	overlayHelp
	overlayQuick
	overlayQuickStatus
	overlayQuickSeverity
	overlayCopy
	overlayStatus
)

type inputKind int

const (
	inputNone inputKind = iota
	inputFilter
	inputSearch
	inputHost
	inputJump
	inputAssign
	inputTag
)

// query is what the list shows: filter, free text, sort, hidden rows.
type query struct {
	filter     string
	q          string
	sort       model.Sort
	showHidden bool
}

// pending is a query sent but not answered: the old rows stay on screen
// until its first page arrives, and stay for good if it is refused.
type pending struct {
	query
	gen    int
	walker *model.Walker
	from   inputKind // the input that asked for it, reopened on refusal
	keep   int       // row to return to (refresh), or -1
}

// Model is the console's root model.
type Model struct {
	o      Options
	src    Source
	b      model.Backend
	f      model.Fields
	keys   keymap.KeyMap
	store  stateStore
	st     styles
	dark   bool
	width  int
	height int

	cur      query
	gen      int
	walker   *model.Walker
	pend     *pending
	ids      []string
	total    int
	walkDone bool
	loading  bool
	idsErr   string
	cursor   int
	top      int
	target   int // row to reach once loaded (G, jump, restore); -1 none
	toEnd    bool

	cache  *model.DetailCache
	detail *detailPane

	overlay  overlay
	input    textinput.Model
	inputK   inputKind
	inputErr string
	history  []string
	histPos  int

	message string
	isErr   bool
	rate    RateMsg

	spinning bool
	frame    int
	quitting bool

	connecting bool
	connectErr string
	restored   session

	marks       map[string]struct{}
	anchor      int
	loadingAll  bool
	prompt      *prompt
	running     *action
	last        *action
	actSeq      int
	pendingRows map[string]int
	rereading   map[string]bool
	sem         chan struct{}
	writes      *sync.WaitGroup
	lastTrace   string
	people      *directory

	comment       textarea.Model
	commentOpen   bool
	statusComment bool // the status menu sends the comment draft along

	ov           *overview
	ovGen        int
	showOverview bool
	drills       []query // the queries drill-downs left, for esc

	pick       []pickItem
	pickSel    int
	searching  string // user search in flight
	searchedAt string
}

// New builds the console.
func New(o Options) *Model {
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CacheSize <= 0 {
		o.CacheSize = 5000
	}
	if o.IDChunk <= 0 {
		o.IDChunk = 1000
	}
	if o.ConfirmThreshold <= 0 {
		o.ConfirmThreshold = 50
	}
	if len(o.Keys.Bindings()) == 0 {
		o.Keys = keymap.Default()
	}
	m := &Model{
		o: o, src: o.Source, keys: o.Keys,
		store: stateStore{dir: o.StateDir}, dark: true, total: -1, target: -1,
		cache: model.NewDetailCache(o.CacheSize),
		marks: map[string]struct{}{}, anchor: -1, pendingRows: map[string]int{}, rereading: map[string]bool{},
		sem: make(chan struct{}, maxConcurrentBatches), writes: &sync.WaitGroup{},
	}
	known := append([]model.User(nil), o.Team...)
	if o.Me.UID != "" || o.Me.UUID != "" {
		known = append(known, o.Me)
	}
	m.people = newDirectory(known)
	m.st = newStyles(m.dark)
	m.store.load(historyFile, &m.history)
	draft := ""
	if o.Restore && m.store.load(sessionFile, &m.restored) {
		draft = m.restored.CommentDraft
		m.target = max(-1, m.restored.Row)
	}
	if o.Source.Backend != nil {
		m.connected(o.Source.Backend)
	} else {
		m.connecting = true
	}
	ti := textinput.New()
	ti.SetVirtualCursor(false)
	tis := ti.Styles()
	tis.Cursor.Blink = false // a blinking virtual cursor repaints while idle
	ti.SetStyles(tis)
	ti.CharLimit = 4096
	m.input = ti
	ta := textarea.New()
	tas := ta.Styles()
	tas.Cursor.Blink = false
	ta.SetStyles(tas)
	ta.SetVirtualCursor(true) // it sits in a box: draw the cursor in place
	ta.ShowLineNumbers = false
	ta.Placeholder = "What did you find? (ctrl+s sends, ctrl+t sends with a status, esc keeps the draft)"
	ta.CharLimit = 8000
	ta.SetValue(draft)
	m.comment = ta
	m.showOverview = o.Overview
	return m
}

// connected takes the backend: its field table names the default sort, and
// a restored sort from another backend gives way to it.
func (m *Model) connected(b model.Backend) {
	m.b, m.src.Backend, m.f = b, b, b.Fields()
	m.connecting, m.connectErr = false, ""
	m.cur = query{sort: model.Sort{Field: m.f.Time, Desc: true}}
	if r := m.restored; r.Sort != "" || r.Filter != "" || r.Q != "" || r.ShowHidden {
		m.cur = query{filter: r.Filter, q: r.Q, sort: model.ParseSort(r.Sort), showHidden: r.ShowHidden}
		if !contains(m.f.SortFields, m.cur.sort.Field) {
			m.cur.sort = model.Sort{Field: m.f.Time, Desc: true}
		}
	}
}

// Init starts the first query (or the connection) and asks the terminal for
// its background, without waiting for an answer.
func (m *Model) Init() tea.Cmd {
	if m.connecting {
		return tea.Batch(m.connect(), tea.RequestBackgroundColor)
	}
	return tea.Batch(m.start(), tea.RequestBackgroundColor)
}

func (m *Model) start() tea.Cmd {
	cmd := m.startQuery(m.cur, inputNone, m.target)
	if m.showOverview {
		return tea.Batch(cmd, m.loadOverview())
	}
	return cmd
}

func (m *Model) connect() tea.Cmd {
	m.connectErr = ""
	connect := m.o.Connect
	return tea.Batch(func() tea.Msg {
		b, err := connect(context.Background())
		return connectedMsg{b: b, err: err}
	}, m.spin())
}

// latest is the query the analyst last asked for: the one in flight, if
// any, so keys typed before an answer arrives build on what was asked.
func (m *Model) latest() query {
	if m.pend != nil {
		return m.pend.query
	}
	return m.cur
}

// effectiveFilter adds the hidden-rows clause to the analyst's filter.
func (m *Model) effectiveFilter(q query) string {
	if q.showHidden {
		return q.filter
	}
	return model.And(q.filter, model.Bool(m.f.ShowInUI, true))
}

func (m *Model) startQuery(q query, from inputKind, keep int) tea.Cmd {
	m.gen++
	w := model.NewWalker(m.b, model.Query{Filter: m.effectiveFilter(q), Q: q.q, Sort: q.sort}, m.o.IDChunk)
	m.pend = &pending{query: q, gen: m.gen, walker: w, from: from, keep: keep}
	return tea.Batch(fetchIDs(m.gen, w), m.spin())
}

func fetchIDs(gen int, w *model.Walker) tea.Cmd {
	return func() tea.Msg {
		ids, err := w.Next(context.Background())
		msg := idsMsg{gen: gen, ids: ids, found: w.Found(), total: w.Total(), done: w.Done()}
		if errors.Is(err, io.EOF) {
			msg.done = true
		} else if err != nil {
			msg.err = err
		}
		return msg
	}
}

func fetchDetails(b model.Backend, ids []string) tea.Cmd {
	return func() tea.Msg {
		found, missing, err := b.Details(context.Background(), ids)
		return detailsMsg{ids: ids, found: found, missing: missing, err: err}
	}
}

func (m *Model) busy() bool {
	return (m.connecting && m.connectErr == "") || m.loading || m.pend != nil || m.cache.InFlight() > 0 || m.running != nil || m.loadingAll || m.searching != "" ||
		(m.ov != nil && m.ov.loading)
}

// spin starts the spinner if work is in flight and it is not already
// ticking; it stops by itself once nothing is.
func (m *Model) spin() tea.Cmd {
	if m.spinning {
		return nil
	}
	m.spinning = true
	return tea.Tick(120*time.Millisecond, func(time.Time) tea.Msg { return tickMsg{} })
}

// rows is the number of list rows on screen.
func (m *Model) rows() int {
	return max(1, m.height-5-len(m.messageLines()))
}

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.input.SetWidth(max(10, m.width-12))
		m.clampView()
		return m, m.ensure()
	case tea.BackgroundColorMsg:
		if d := msg.IsDark(); d != m.dark {
			m.dark = d
			m.st = newStyles(d)
			if m.detail != nil {
				m.detail.lines = nil
			}
		}
		return m, nil
	case tickMsg:
		if !m.busy() {
			m.spinning = false
			return m, nil
		}
		m.frame++
		return m, tea.Tick(120*time.Millisecond, func(time.Time) tea.Msg { return tickMsg{} })
	case RateMsg:
		m.rate = msg
		return m, nil
	case ShutdownMsg:
		return m, m.quit()
	case connectedMsg:
		if msg.err != nil {
			m.connectErr = errMessage(msg.err)
			if t := traceOf(msg.err); t != "" {
				m.connectErr += " (trace id " + t + ")"
			}
			return m, nil
		}
		m.connected(msg.b)
		return m, m.start()
	case idsMsg:
		return m, m.onIDs(msg)
	case detailsMsg:
		m.cache.Done(msg.ids, msg.found, msg.missing, msg.err)
		for i := range msg.found {
			m.people.seen(&msg.found[i])
			if m.detail != nil && m.detail.id == msg.found[i].ID && len(m.detail.entries) > 1 {
				m.put(msg.found[i]) // a refresh of the row the detail shows
			}
		}
		if msg.err != nil {
			m.setErr(fmt.Errorf("reading %d detections: %w (r retries)", len(msg.ids), msg.err))
		}
		if m.detail != nil {
			m.openDetail()
		}
		return m, m.ensure()
	case overviewMsg:
		m.onOverview(msg)
		return m, nil
	case allIDsMsg:
		m.onAllIDs(msg)
		return m, nil
	case preReadMsg:
		return m, m.onPreRead(msg)
	case batchMsg:
		return m, m.onBatch(msg)
	case rereadMsg:
		m.onReread(msg)
		return m, nil
	case resolvedMsg:
		return m, m.onResolved(msg)
	case usersMsg:
		return m, m.onUsers(msg)
	case assignMsg:
		if msg.err != nil {
			m.setErr(msg.err)
			return m, nil
		}
		m.people.learn(msg.user)
		return m, m.assign(msg.user)
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	}
	if m.commentOpen {
		var cmd tea.Cmd
		m.comment, cmd = m.comment.Update(msg)
		return m, cmd
	}
	if m.inputK != inputNone {
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *Model) setErr(err error) {
	m.message, m.isErr = err.Error(), true
}

func (m *Model) say(s string) {
	m.message, m.isErr = s, false
}

func (m *Model) onIDs(msg idsMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil // an answer to a query the analyst has moved on from
	}
	for i := range msg.found {
		if !m.cache.Loading(msg.found[i].ID) {
			m.put(msg.found[i])
			m.people.seen(&msg.found[i])
		}
	}
	if p := m.pend; p != nil {
		m.pend = nil
		if msg.err != nil {
			m.setErr(msg.err)
			if p.from != inputNone {
				m.openInput(p.from, inputText(p))
				m.inputErr = errMessage(msg.err)
			}
			return nil
		}
		m.cur, m.walker = p.query, p.walker
		m.ids, m.total, m.walkDone, m.idsErr = nil, msg.total, msg.done, ""
		m.cursor, m.top = 0, 0
		if p.keep >= 0 {
			m.target = p.keep
		}
		m.detail = nil
		if p.from != inputNone {
			m.closeInput()
		}
		m.saveSession()
		if m.showOverview && (m.ov == nil || m.ov.asked != m.effectiveFilter(m.cur)) {
			return tea.Batch(m.loadOverview(), m.ensure())
		}
	}
	m.loading = false
	if msg.err != nil {
		m.idsErr = msg.err.Error()
		m.setErr(fmt.Errorf("loading rows: %w (r retries)", msg.err))
		return nil
	}
	m.ids = append(m.ids, msg.ids...)
	if msg.total >= 0 {
		m.total = msg.total
	}
	m.walkDone = msg.done
	if m.walkDone {
		m.total = len(m.ids)
	}
	if m.target >= 0 {
		if m.target < len(m.ids) || m.walkDone {
			m.cursor = min(m.target, max(0, len(m.ids)-1))
			m.target = -1
			m.scrollTo()
		}
	}
	if m.toEnd && m.walkDone {
		m.toEnd = false
		m.cursor = max(0, len(m.ids)-1)
		m.scrollTo()
		m.say(fmt.Sprintf("at the end: %s rows", commas(len(m.ids))))
	}
	return m.ensure()
}

// errMessage is the service's own words when there are some.
func errMessage(err error) string {
	var m interface{ Message() string }
	if errors.As(err, &m) {
		return m.Message()
	}
	return err.Error()
}

func inputText(p *pending) string {
	switch p.from {
	case inputSearch:
		return p.q
	}
	return p.filter
}

// ensure asks for what the screen needs: more ids when the cursor nears the
// end of those loaded (or a target lies beyond), and the details of the rows
// on screen plus one screen ahead.
func (m *Model) ensure() tea.Cmd {
	var cmds []tea.Cmd
	if m.walker != nil && m.pend == nil && !m.loading && !m.walkDone && m.idsErr == "" {
		need := m.cursor + 2*m.rows() + 1
		if m.target >= 0 {
			need = max(need, m.target+m.rows())
		}
		if len(m.ids) < need || m.toEnd {
			m.loading = true
			cmds = append(cmds, fetchIDs(m.gen, m.walker))
		}
	}
	if len(m.ids) > 0 && m.width > 0 {
		// Page-aligned blocks of a screen each: a row scrolled into view
		// brings its whole block, so scrolling costs a request per screen,
		// not per row.
		block := m.rows()
		from := (m.top / block) * block
		to := min(len(m.ids), m.top+2*block)
		to = min(len(m.ids), ((to+block-1)/block)*block)
		if need := m.cache.Need(m.ids[from:to]); len(need) > 0 {
			cmds = append(cmds, fetchDetails(m.b, need))
		}
	}
	if len(cmds) > 0 {
		cmds = append(cmds, m.spin())
	}
	return tea.Batch(cmds...)
}

func (m *Model) clampView() {
	if m.cursor >= len(m.ids) {
		m.cursor = max(0, len(m.ids)-1)
	}
	m.scrollTo()
}

// scrollTo keeps the cursor on screen, moving the view as little as needed.
func (m *Model) scrollTo() {
	rows := m.rows()
	if m.cursor < m.top {
		m.top = m.cursor
	}
	if m.cursor >= m.top+rows {
		m.top = m.cursor - rows + 1
	}
	m.top = max(0, min(m.top, max(0, len(m.ids)-rows)))
}

func (m *Model) moveCursor(n int) {
	if len(m.ids) == 0 {
		return
	}
	m.cursor = max(0, min(len(m.ids)-1, m.cursor+n))
	m.scrollTo()
}

// page scrolls the view and the cursor together by n rows, as a pager does.
func (m *Model) page(n int) {
	if len(m.ids) == 0 {
		return
	}
	m.top = max(0, min(m.top+n, len(m.ids)-m.rows()))
	m.moveCursor(n)
}

func (m *Model) current() (*model.Detection, bool) {
	if m.cursor >= len(m.ids) {
		return nil, false
	}
	return m.cache.Peek(m.ids[m.cursor])
}

// put stores a detection and, when the detail shows it, redraws the detail
// from it, keeping the field cursor: a row that changed (an action, its
// re-read, a rollback) never shows stale values there.
func (m *Model) put(d model.Detection) {
	m.cache.Put(d)
	if m.detail != nil && m.detail.id == d.ID {
		cursor := m.detail.cursor
		m.detail = &detailPane{id: d.ID, entries: buildEntries(&d, m.f, m.o.Location)}
		m.detail.move(cursor)
	}
}

func (m *Model) openDetail() {
	d, ok := m.current()
	if !ok {
		if m.cursor < len(m.ids) {
			m.detail = &detailPane{id: m.ids[m.cursor], entries: []entry{{label: "Loading", value: "reading the detection…"}}}
		}
		return
	}
	if m.detail != nil && m.detail.id == d.ID && len(m.detail.entries) > 1 {
		return
	}
	m.detail = &detailPane{id: d.ID, entries: buildEntries(d, m.f, m.o.Location)}
}

func (m *Model) saveSession() {
	s := session{Filter: m.cur.filter, Q: m.cur.q, Sort: m.cur.sort.String(), ShowHidden: m.cur.showHidden, Row: m.cursor,
		CommentDraft: m.comment.Value()}
	if err := m.store.save(sessionFile, s); err != nil {
		m.setErr(fmt.Errorf("saving the session: %w", err))
	}
}

func (m *Model) quit() tea.Cmd {
	m.quitting = true
	m.saveSession()
	return tea.Quit
}

// askQuit quits, asking first while changes are in flight.
func (m *Model) askQuit() tea.Cmd {
	if m.running == nil {
		return m.quit()
	}
	m.prompt = &prompt{
		text:    fmt.Sprintf("%s is still being sent: quit anyway? What was sent is in the audit log.", m.running.verb),
		answers: [][2]string{{"y", "quit"}, {"n", "stay"}},
		on: func(k string) tea.Cmd {
			if k == "y" {
				return m.quit()
			}
			return nil
		},
	}
	return nil
}

func (m *Model) openInput(k inputKind, text string) tea.Cmd {
	m.inputK, m.inputErr, m.histPos = k, "", -1
	m.overlay = overlayNone
	prompts := map[inputKind]string{inputFilter: "filter (FQL) › ", inputSearch: "search › ", inputHost: "host › ", inputJump: "row › ", inputAssign: "person › ", inputTag: "tag (+add -remove) › "}
	m.input.Prompt = prompts[k]
	m.input.Placeholder = ""
	if k == inputFilter {
		m.input.Placeholder = "status:'new'+max_severity:>=60  (↑/↓ history)"
	}
	m.input.SetValue(text)
	m.input.CursorEnd()
	// The picker's input sits in a box, the others on the bottom line
	// where the terminal's own cursor goes.
	m.input.SetVirtualCursor(k == inputAssign)
	return m.input.Focus()
}

func (m *Model) closeInput() {
	m.inputK, m.inputErr = inputNone, ""
	m.input.Blur()
}

func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := msg.String()
	if k == "ctrl+c" {
		return m.quit()
	}
	if m.connecting {
		switch act, _ := m.keys.Match(k); act {
		case keymap.Quit:
			return m.quit()
		case keymap.Refresh:
			if m.connectErr != "" {
				return m.connect()
			}
		}
		return nil
	}
	if p := m.prompt; p != nil {
		for _, a := range p.answers {
			if a[0] == k {
				m.prompt = nil
				return p.on(k)
			}
		}
		if k == "esc" {
			m.prompt = nil
			return p.on("esc")
		}
		return nil
	}
	if m.commentOpen {
		return m.onCommentKey(msg)
	}
	if m.inputK == inputAssign {
		return m.onAssignKey(msg)
	}
	if m.inputK != inputNone {
		return m.onInputKey(msg)
	}
	if m.overlay != overlayNone {
		return m.onOverlayKey(k)
	}
	act, ok := m.keys.Match(k)
	if !ok {
		return nil
	}
	switch act {
	case keymap.Overview:
		m.showOverview = !m.showOverview
		if m.showOverview && (m.ov == nil || m.ov.asked != m.effectiveFilter(m.cur)) {
			return m.loadOverview()
		}
		return nil
	case keymap.Window:
		if m.showOverview {
			return m.onOverviewKey("window")
		}
		return nil
	}
	if m.showOverview {
		switch act {
		case keymap.Down:
			return m.onOverviewKey("down")
		case keymap.Up:
			return m.onOverviewKey("up")
		case keymap.Top:
			return m.onOverviewKey("top")
		case keymap.Bottom:
			return m.onOverviewKey("bottom")
		case keymap.Open:
			return m.onOverviewKey("open")
		case keymap.Refresh:
			return m.onOverviewKey("refresh")
		case keymap.Filter, keymap.Search, keymap.QuickFilter, keymap.ToggleHidden, keymap.Help, keymap.Quit, keymap.Suspend, keymap.Back:
		default:
			return nil
		}
	}
	if m.detail != nil {
		if cmd, handled := m.onDetailKey(act); handled {
			return cmd
		}
	}
	rows := m.rows()
	switch act {
	case keymap.Down:
		m.moveCursor(1)
	case keymap.Up:
		m.moveCursor(-1)
	case keymap.HalfDown:
		m.page(rows / 2)
	case keymap.HalfUp:
		m.page(-rows / 2)
	case keymap.PageDown:
		m.page(rows)
	case keymap.PageUp:
		m.page(-rows)
	case keymap.Top:
		m.cursor, m.top = 0, 0
	case keymap.Bottom:
		if m.walkDone {
			m.moveCursor(len(m.ids))
		} else {
			m.toEnd = true
			m.say("going to the end: loading every row…")
		}
	case keymap.Jump:
		return m.openInput(inputJump, "")
	case keymap.Open:
		m.openDetail()
	case keymap.Back:
		if n := len(m.drills); n > 0 && !m.showOverview && len(m.marks) == 0 {
			q := m.drills[n-1]
			m.drills = m.drills[:n-1]
			m.showOverview = true
			return m.startQuery(q, inputNone, -1)
		}
		if len(m.marks) > 0 {
			m.say(fmt.Sprintf("%s marks cleared", commas(len(m.marks))))
			m.marks = map[string]struct{}{}
		} else {
			m.message = ""
		}
	case keymap.Mark:
		m.toggleMark(m.cursor)
		m.moveCursor(1)
	case keymap.RangeMark:
		m.markRange()
	case keymap.MarkScreen:
		m.markScreen()
	case keymap.MarkAll:
		return m.markAll()
	case keymap.Status, keymap.Assign, keymap.Comment, keymap.Hide, keymap.Undo, keymap.Retry, keymap.Tag:
		return m.onActionKey(act)
	case keymap.Filter:
		return m.openInput(inputFilter, m.latest().filter)
	case keymap.Search:
		return m.openInput(inputSearch, m.latest().q)
	case keymap.QuickFilter:
		m.overlay = overlayQuick
	case keymap.ToggleHidden:
		q := m.latest()
		q.showHidden = !q.showHidden
		return m.startQuery(q, inputNone, -1)
	case keymap.SortNext:
		q := m.latest()
		q.sort.Field = nextField(m.f.SortFields, q.sort.Field)
		return m.startQuery(q, inputNone, -1)
	case keymap.SortFlip:
		q := m.latest()
		q.sort.Desc = !q.sort.Desc
		return m.startQuery(q, inputNone, -1)
	case keymap.Refresh:
		m.cache.Clear()
		m.say("refreshed")
		return m.startQuery(m.cur, inputNone, m.cursor)
	case keymap.Copy:
		if _, ok := m.current(); ok {
			m.overlay = overlayCopy
		} else {
			m.say("nothing to copy yet: the row is still loading")
		}
	case keymap.Help:
		m.overlay = overlayHelp
	case keymap.Quit:
		return m.askQuit()
	case keymap.Suspend:
		return tea.Suspend
	}
	return m.ensure()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func nextField(fields []string, cur string) string {
	for i, f := range fields {
		if f == cur {
			return fields[(i+1)%len(fields)]
		}
	}
	return fields[0]
}

// onDetailKey handles the keys that mean something else while the detail is
// open: movement scrolls the detail, esc closes it, +/- filter on a field.
func (m *Model) onDetailKey(act keymap.Action) (tea.Cmd, bool) {
	d := m.detail
	half := max(1, (m.height-4)/2)
	switch act {
	case keymap.Down:
		d.move(1)
	case keymap.Up:
		d.move(-1)
	case keymap.HalfDown, keymap.PageDown:
		d.move(half)
	case keymap.HalfUp, keymap.PageUp:
		d.move(-half)
	case keymap.Top:
		d.cursor = 0
	case keymap.Bottom:
		d.cursor = len(d.entries) - 1
	case keymap.Back:
		m.detail = nil
	case keymap.Open:
	case keymap.AddFilter, keymap.ExcludeFilter:
		e := d.entries[d.cursor]
		clause := e.in
		if act == keymap.ExcludeFilter {
			clause = e.out
		}
		if clause == "" {
			m.say(e.label + " cannot be filtered on: move to another field")
			return nil, true
		}
		q := m.latest()
		q.filter = model.And(q.filter, clause)
		m.history = pushHistory(m.history, q.filter)
		_ = m.store.save(historyFile, m.history)
		return m.startQuery(q, inputFilter, -1), true
	default:
		return nil, false
	}
	return nil, true
}

func (m *Model) onInputKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.closeInput()
		return nil
	case "enter":
		text := strings.TrimSpace(m.input.Value())
		switch m.inputK {
		case inputFilter:
			m.history = pushHistory(m.history, text)
			if err := m.store.save(historyFile, m.history); err != nil {
				m.setErr(fmt.Errorf("saving the filter history: %w", err))
			}
			q := m.latest()
			q.filter = text
			m.inputErr = "checking…"
			return m.startQuery(q, inputFilter, -1)
		case inputSearch:
			q := m.latest()
			q.q = text
			m.inputErr = "searching…"
			return m.startQuery(q, inputSearch, -1)
		case inputHost:
			m.closeInput()
			if text == "" {
				return nil
			}
			clause := model.Eq(m.f.Hostname, text)
			if strings.ContainsAny(text, "*?") {
				clause = model.Wildcard(m.f.Hostname, text)
			}
			return m.addClause(clause)
		case inputTag:
			m.closeInput()
			name := strings.TrimSpace(strings.TrimLeft(text, "+-"))
			if name == "" {
				return nil
			}
			if strings.HasPrefix(text, "-") {
				return m.begin("Tag −"+name, model.Change{RemoveTags: []string{name}})
			}
			return m.begin("Tag +"+name, model.Change{AddTags: []string{name}})
		case inputJump:
			n, err := strconv.Atoi(strings.ReplaceAll(text, ",", ""))
			if err != nil || n < 1 {
				m.inputErr = "type a row number, 1 or more"
				return nil
			}
			m.closeInput()
			if n-1 < len(m.ids) {
				m.cursor = n - 1
				m.scrollTo()
			} else if m.walkDone {
				m.moveCursor(len(m.ids))
				m.say(fmt.Sprintf("there are only %d rows", len(m.ids)))
			} else {
				m.target = n - 1
				m.say(fmt.Sprintf("loading rows up to %d…", n))
			}
			return m.ensure()
		}
	case "up", "down":
		if m.inputK == inputFilter && len(m.history) > 0 {
			if msg.String() == "up" {
				m.histPos = min(len(m.history)-1, m.histPos+1)
			} else {
				m.histPos = max(-1, m.histPos-1)
			}
			if m.histPos >= 0 {
				m.input.SetValue(m.history[m.histPos])
			} else {
				m.input.SetValue(m.cur.filter)
			}
			m.input.CursorEnd()
			return nil
		}
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return cmd
}

// addClause narrows the current filter by one clause (a quick filter).
func (m *Model) addClause(clause string) tea.Cmd {
	q := m.latest()
	if strings.Contains(q.filter, clause) {
		m.say("already filtered on " + clause)
		return nil
	}
	q.filter = model.And(q.filter, clause)
	m.history = pushHistory(m.history, q.filter)
	_ = m.store.save(historyFile, m.history)
	return m.startQuery(q, inputFilter, -1)
}

var statusKeys = map[string]model.Status{
	"n": model.StatusNew, "i": model.StatusInProgress, "t": model.StatusTruePositive, "f": model.StatusFalsePositive,
	"x": model.StatusIgnored, "c": model.StatusClosed, "r": model.StatusReopened,
}

var severityKeys = map[string]int{"l": 20, "m": 40, "h": 60, "c": 80}

func (m *Model) onOverlayKey(k string) tea.Cmd {
	ov := m.overlay
	m.overlay = overlayNone
	if k == "esc" || k == "q" && ov == overlayHelp {
		if ov == overlayStatus && m.statusComment {
			m.statusComment = false
			m.commentOpen = true
			return m.comment.Focus()
		}
		return nil
	}
	switch ov {
	case overlayStatus:
		if st, ok := statusKeys[k]; ok && m.accepts(st) {
			return m.statusAction(st)
		}
		m.overlay = overlayStatus
	case overlayHelp:
		m.overlay = overlayHelp
		if k == "?" {
			m.overlay = overlayNone
		}
	case overlayQuick:
		now := m.o.Now()
		switch k {
		case "s":
			m.overlay = overlayQuickStatus
		case "v":
			m.overlay = overlayQuickSeverity
		case "u":
			return m.addClause(model.Null(m.f.AssigneeUID))
		case "m":
			if m.o.Me.UID == "" {
				m.say("set me.login in the config file to use the \"mine\" filter")
				return nil
			}
			return m.addClause(model.Eq(m.f.AssigneeUID, m.o.Me.UID))
		case "h":
			return m.openInput(inputHost, "")
		case "1", "2", "3", "4":
			d := map[string]time.Duration{"1": time.Hour, "2": 24 * time.Hour, "3": 7 * 24 * time.Hour, "4": 30 * 24 * time.Hour}[k]
			return m.addClause(model.After(m.f.Time, now.Add(-d).Truncate(time.Minute)))
		case "x":
			q := m.latest()
			q.filter = ""
			return m.startQuery(q, inputNone, -1)
		default:
			m.overlay = overlayQuick
		}
	case overlayQuickStatus:
		if s, ok := statusKeys[k]; ok {
			return m.addClause(model.Eq(m.f.Status, string(s)))
		}
		m.overlay = overlayQuickStatus
	case overlayQuickSeverity:
		if n, ok := severityKeys[k]; ok {
			return m.addClause(model.Num(m.f.Severity, ">=", int64(n)))
		}
		m.overlay = overlayQuickSeverity
	case overlayCopy:
		d, ok := m.current()
		if !ok {
			return nil
		}
		what, val := "", ""
		w := d.Worst()
		switch k {
		case "i":
			what, val = "the id", d.ID
		case "h":
			what, val = "the host name", d.Device.Hostname
		case "s":
			if w != nil {
				what, val = "the SHA256", w.SHA256
			}
		case "c":
			if w != nil {
				what, val = "the command line", w.CmdLine
			}
		case "u":
			if m.src.ConsoleURL != nil {
				what, val = "the console link", m.src.ConsoleURL(d)
			}
		default:
			m.overlay = overlayCopy
			return nil
		}
		if val == "" {
			m.say("nothing to copy: the field is empty")
			return nil
		}
		m.say("copied " + what + " to the clipboard (OSC 52)")
		return tea.SetClipboard(stripControls(val))
	}
	return nil
}

// stripControls drops control characters and bidi overrides from a value
// headed for the clipboard, so a paste into a shell runs what was shown.
func stripControls(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidiControl(r) {
			return -1
		}
		return r
	}, s)
}
