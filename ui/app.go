// Package ui is the Bubble Tea console. Its root Model routes messages to
// the parts and composes their views; it owns nothing the parts need. The
// parts are packages of their own, each with its own Update and View and
// its own message types, importing model and keymap and never this one:
// ui/list (queries, walks, cursor, marks), ui/detail (the detail pane),
// ui/modal (the one stack of prompts, menus, fields, picker, comment box
// and help), ui/overview, ui/triage (actions, batches, undo and redo) and
// ui/status (the footer's word and spinner). They share the row store
// (ui/rows), the people directory (ui/people) and what reaches the
// terminal (ui/screen: the one sanitiser, the frame guard, the styles).
//
// It speaks only model types through the Source it is given; it must never
// import the API client, and never block in Update: every call to the
// service is a tea.Cmd whose answer comes back as a message naming what it
// was asked for (a query generation, an action, a layer), and lands only
// there.
package ui

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/detail"
	"github.com/falcon-triage/falcon-triage/ui/list"
	"github.com/falcon-triage/falcon-triage/ui/live"
	"github.com/falcon-triage/falcon-triage/ui/modal"
	"github.com/falcon-triage/falcon-triage/ui/overview"
	"github.com/falcon-triage/falcon-triage/ui/people"
	"github.com/falcon-triage/falcon-triage/ui/rows"
	"github.com/falcon-triage/falcon-triage/ui/screen"
	"github.com/falcon-triage/falcon-triage/ui/status"
	"github.com/falcon-triage/falcon-triage/ui/triage"
	"github.com/falcon-triage/falcon-triage/ui/views"
)

type connectedMsg struct {
	b   model.Backend
	err error
}

// connection is the login done from within the console.
type connection struct {
	pending bool
	err     string
}

// Model is the console's root model: it routes messages to the parts and
// composes their views.
type Model struct {
	o             Options
	b             model.Backend
	f             model.Fields
	st            screen.Styles
	width, height int
	// ctx is cancelled by a quit now (what has not started is not sent)
	// and by Close (the reads still out end).
	ctx    context.Context
	cancel context.CancelFunc
	cmds   *commands // the commands running, which Close waits for
	// stopWait, closed by StopWaiting, ends Close's wait for the writes
	// in flight (a second ctrl+c once the terminal is the shell's).
	stopWait chan struct{}
	stopOnce sync.Once

	conn     connection
	list     *list.List
	rows     *rows.Store
	detail   *detail.Pane
	stack    *modal.Stack       // the layers: prompts, menus, fields, picker, comment box, help
	ov       *overview.Overview // made once the backend is known
	drills   []list.Query       // the queries drill-downs left, for esc
	pivots   []pivot            // what each pivot left, for backspace
	run      *triage.Runner
	dir      *people.Directory
	store    *stateStore
	bar      *status.Bar  // the footer's word, the rate budget, the spinner
	views    *views.Views // the config file's views, as tabs (none: no tabs)
	quitting bool
	relGen   int // the minute tick that keeps relative times true; an older one stops

	// exp is the export e started, until it ends; expID the id of the
	// last one started.
	exp   *exportRun
	expID int
	// cid is the tenant's customer id as its rows name it: the header's,
	// whatever the configuration says.
	cid string
	// lv keeps the rows current (nil: a snapshot); hooks are what the
	// views add to it.
	lv    *live.Live
	hooks liveHooks
	ten   tenantState // the Flight Control tenant the console is in (tenants.go)
	inc   incidents   // how many alerts share each incident (incident.go)
	act   activities  // what the audit log records of each row (incident.go)
	hs    *hostState  // hosts read, counted and followed (hosts.go); nil until needed
}

// minuteMsg redraws relative times once a minute, only while they are
// shown: an idle console with dates writes nothing.
type minuteMsg struct{ gen int }

// minuteTick ends, with no message, when the console closes: a tick does
// not hold Close up for a minute.
func (m *Model) minuteTick() tea.Cmd {
	ctx, gen := m.ctx, m.relGen
	return func() tea.Msg {
		t := time.NewTimer(time.Minute)
		defer t.Stop()
		select {
		case <-t.C:
			return minuteMsg{gen}
		case <-ctx.Done():
			return nil
		}
	}
}

// New builds the console.
func New(o Options) *Model {
	o = o.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	m := &Model{
		o: o, ctx: ctx, cancel: cancel, cmds: newCommands(), stopWait: make(chan struct{}),
		ten: tenantState{member: o.MemberCID},
		bar: status.New(),
	}
	m.st = screen.NewStyles(o.Theme != "light")
	m.views = newViews(m)
	// A state file that cannot be used is said first, with the notice.
	notice := append([]string{o.Notice}, m.openTenant(tenantDir(o.StateDir, o.MemberCID))...)
	m.lv = m.newLive()
	if len(o.Views) > 0 {
		// Live polls the views' filters with the list's, and counts the
		// views again after a batch with news.
		m.SetLiveViews(m.views.Filters, m.views.Recount)
	}
	if o.Source.Backend != nil {
		m.connected(o.Source.Backend)
	} else {
		m.conn.pending = true
	}
	if n := strings.Join(slices.DeleteFunc(notice, func(s string) bool { return s == "" }), "; "); n != "" {
		m.bar.Set(status.Word{Text: screen.Sanitize(n), Err: true, Life: status.Lasting})
	}
	return m
}

// connected takes the backend: its field table names the default sort, and
// a restored sort from another backend gives way to it.
func (m *Model) connected(b model.Backend) {
	m.b, m.o.Source.Backend, m.f = b, b, b.Fields()
	m.conn = connection{}
	m.list.Connected(b, m.o.Products)
	m.run.Connected(b)
	m.views.Connected(b)
	m.ov = overview.New(overview.Deps{Backend: b, Keys: m.o.Keys, Names: m.dir.Name, Me: m.o.Me.UID, Location: m.o.Location, Now: m.o.Now, Ctx: m.ctx},
		m.o.Overview || m.ov.Shown())
	m.stack.Connected(m.f, b.Statuses, m.rowWord)
}

// Init starts the first query (or the connection) and asks the terminal for
// its background, without waiting for an answer.
func (m *Model) Init() tea.Cmd {
	if m.conn.pending {
		return m.cmds.track(tea.Batch(m.connect(), tea.RequestBackgroundColor))
	}
	return m.cmds.track(stamp(tea.Batch(m.start(), tea.RequestBackgroundColor, m.nameTenant()), m.ten.epoch))
}

func (m *Model) start() tea.Cmd {
	m.checkFirstFilter()
	cmd := tea.Batch(m.list.Begin(), m.bar.Spin(), m.run.ReadBackOwed(), m.startLive(), m.views.Recount())
	if m.ov.Shown() {
		return tea.Batch(cmd, m.loadOverview())
	}
	return cmd
}

func (m *Model) connect() tea.Cmd {
	m.conn.err = ""
	connect, ctx := m.o.Connect, m.ctx
	restore, products, chunk := m.list.First(), m.o.Products, m.o.IDChunk
	first := func(b model.Backend) model.Query {
		// A restored filter this API cannot take is dropped by start
		// (checkFirstFilter), never sent: nor is it by the probe.
		r := restore
		var adds []string
		if !r.ShowHidden {
			adds = []string{model.Bool(b.Fields().ShowInUI, true)}
		}
		if b.Fields().CheckFilter(r.Filter, adds...) != nil {
			r.Filter = ""
		}
		return list.FirstRequest(b, r, products, chunk)
	}
	return tea.Batch(func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return connectedMsg{err: err} })
		b, err := connect(ctx, first)
		return connectedMsg{b: b, err: err}
	}, m.bar.Spin())
}

func (m *Model) busy() bool { return m.loading() || m.exp != nil }

// loading reports something other than an export under way.
func (m *Model) loading() bool {
	return m.conn.pending && m.conn.err == "" || m.list.Busy() || m.rows.Reading() > 0 || m.run.Busy() ||
		m.ov.Loading() || m.stack.Busy()
}

// rowsOnScreen is the number of list rows on screen.
func (m *Model) rowsOnScreen() int {
	return max(1, m.height-5-m.views.Lines()-len(m.messageLines()))
}

// Update routes one message to the part it is for; then a layer an answer
// raised opens if the analyst is back at the list or the detail.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.list.Fit(m.width, m.rowsOnScreen())
	cmd := m.route(msg)
	cmd = tea.Batch(cmd, m.followIncident())
	m.followDetail()
	cmd = tea.Batch(cmd, m.syncHost())
	if m.ten.ready != nil {
		// The answers asked so far are the tenant's the console is in.
		before := stamp(cmd, m.ten.epoch)
		if apply, ok := m.applySwitch(); ok {
			cmd = tea.Batch(before, apply)
		}
	}
	if open := m.stack.OpenWaiting(); open != nil {
		cmd = tea.Batch(cmd, open)
	}
	if note := m.notification(); note != nil {
		cmd = tea.Batch(cmd, note)
	}
	return m, m.cmds.track(stamp(cmd, m.ten.epoch))
}

func (m *Model) route(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case modal.Msg:
		return m.onLayer(msg)
	case list.Msg:
		out, cmd, _ := m.list.Update(msg)
		return m.applyList(out, cmd)
	case overview.Msg:
		_, cmd := m.ov.Update(msg)
		return cmd
	case triage.Msg:
		return m.apply(m.run.Update(msg))
	case live.Msg:
		return m.onLive(msg)
	case tea.KeyPressMsg:
		return m.onKey(msg)
	case connectedMsg:
		return m.onConnected(msg)
	case tenantMsg:
		if msg.epoch != m.ten.epoch {
			return nil // asked in a tenant the console has left
		}
		return m.route(msg.msg)
	case childrenMsg:
		return m.onChildren(msg)
	case incidentMsg:
		return m.onIncident(msg)
	case activityMsg:
		return m.onActivity(msg)
	case switchedMsg:
		return m.onSwitched(msg)
	case committedMsg:
		return m.onCommitted(msg)
	case exportProgressMsg, exportDoneMsg:
		return m.onExport(msg)
	case hostMsg:
		return m.onHostMsg(msg)
	}
	if cmd, ok := m.onTerminal(msg); ok {
		return cmd
	}
	if cmd, ok := m.onViewsMsg(msg); ok {
		return cmd
	}
	// Anything else (a paste, a cursor message) belongs to the text field
	// in front, if there is one.
	if m.stack.Top() != nil {
		return m.onLayer(msg)
	}
	return nil
}

// onTerminal takes what the terminal, the clock and main tell the console:
// its size and background, ticks, the rate budget, a shutdown.
func (m *Model) onTerminal(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		if m.detail != nil {
			m.detail.Update(msg)
		}
		m.stack.Resize(m.width, m.height)
		m.list.Fit(m.width, m.rowsOnScreen())
		return m.ensure(), true
	case tea.BackgroundColorMsg:
		if d := msg.IsDark(); d != m.st.Dark && !m.o.ThemeFixed {
			m.st = screen.NewStyles(d).WithColour(m.st.Colour)
			if m.detail != nil {
				m.detail.Restyle()
			}
		}
	case tea.ColorProfileMsg:
		// The cursor bar is reverse video until the terminal is known to
		// show 256 colours (never with NO_COLOR).
		if on := msg.Profile >= colorprofile.ANSI256; on != m.st.Colour {
			m.st = m.st.WithColour(on)
			if m.detail != nil {
				m.detail.Restyle()
			}
		}
	case spinner.TickMsg:
		return m.bar.Tick(msg, m.busy()), true
	case RateMsg:
		m.bar.SetRate(status.Rate(msg))
		if m.lv != nil {
			m.lv.SetRate(msg.Limit, msg.Remaining, msg.Waiting)
		}
	case minuteMsg:
		if m.list.Prefs().RelTimes && msg.gen == m.relGen {
			return m.minuteTick(), true
		}
	case ShutdownMsg:
		return m.quit(), true
	case saveErrMsg:
		m.bar.Fail(msg.err)
	default:
		return nil, false
	}
	return nil, true
}

// onConnected takes the backend the login chose, or why there is none.
func (m *Model) onConnected(msg connectedMsg) tea.Cmd {
	if msg.err != nil {
		m.conn.err = screen.ErrMessage(msg.err)
		if t := screen.TraceOf(msg.err); t != "" {
			m.conn.err += " (trace id " + t + ")"
		}
		return nil
	}
	m.connected(msg.b)
	named := m.nameTenant()
	if why := msg.b.Why(); m.b.Name() != "alerts" && strings.HasPrefix(why, "auto:") {
		// A fall back to Detects is worth a word; ? always says why.
		m.bar.Set(status.Word{Text: m.apiName() + ": " + why, Life: status.Lasting})
	}
	return tea.Batch(m.start(), named)
}
