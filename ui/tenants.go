package ui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
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

// Tenants (Falcon Flight Control): p lists the parent's children and
// switches the console to one. A switch is a login (Options.Tenants), and
// once it lands, a new tenant for every part: rows, list, actions (the
// undo history of the tenant left is cleared, and the footer says so: an
// undo must never send into another tenant), layers and drafts, each
// tenant's own session and filter history restored from its own state
// folder (STATE/<cid>/ for a child, STATE itself for the parent).
//
// Every answer of a part is stamped with the tenant it was asked in (its
// epoch): one that lands after a switch is dropped, never shown in the
// tenant the console moved to.

// tenantState is the tenant the console is in, and the switch under way.
type tenantState struct {
	member string // the child CID the console is in ("" the parent): its state folder
	name   string // the tenant's name, once known
	parent string // the parent's CID, once the children are listed
	kids   []model.Tenant
	listed bool
	// listing: the children are being listed; raise: open the picker
	// when they are (p asked, not a --member-cid start).
	listing, raise bool
	denied         string // why p lists nothing (no scope): said, nothing more sent
	listGen        int    // the listings asked for: an answer of one stopped is dropped
	stopList       func() // cancels the listing under way (esc)
	switching      *switchTo
	// ready is a switch that has landed while a layer was open (a field
	// being typed in, a menu): it applies once the analyst is back at the
	// list, every key meaning until then what it meant.
	ready *switchedMsg
	gen   int // the switches asked for
	epoch int // the tenant the console is in, counting switches
}

// switchTo is a switch asked for: its generation and where to.
type switchTo struct {
	gen    int
	cid    string
	name   string
	parent bool
}

type childrenMsg struct {
	gen  int
	kids []model.Tenant
	err  error
}

type switchedMsg struct {
	to  switchTo
	sw  model.TenantSwitch
	err error
}

// committedMsg: the tenant left is closed (its stream, then its token) and
// the one entered is the connection's: the new tenant starts.
type committedMsg struct{ epoch int }

// tenantMsg is a part's answer, stamped with the tenant it was asked in.
type tenantMsg struct {
	epoch int
	msg   tea.Msg
}

// stamp stamps the answers of cmd (and of the batches it returns) that are
// a part's with epoch; the others (the terminal's, the program's) pass as
// they are.
func stamp(cmd tea.Cmd, epoch int) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		msg := cmd()
		switch x := msg.(type) {
		case tea.BatchMsg:
			out := make(tea.BatchMsg, len(x))
			for i, c := range x {
				out[i] = stamp(c, epoch)
			}
			return out
		case list.Msg, triage.Msg, overview.Msg, modal.Msg, live.Msg, views.Msg:
			return tenantMsg{epoch: epoch, msg: msg}
		}
		return msg
	}
}

// cidForm is a customer id: only such a name becomes a state folder.
var cidForm = regexp.MustCompile(`^[0-9A-Fa-f]{32}(-[0-9A-Fa-f]{2})?$`)

// tenantDir is the state folder of the tenant cid ("" the parent's). Only
// a customer id names a folder: a configured member CID that is none (its
// login fails anyway) keeps the parent's.
func tenantDir(root, cid string) string {
	if root == "" || !cidForm.MatchString(cid) {
		return root
	}
	return filepath.Join(root, strings.ToLower(cid))
}

// onTenantKey is p: the picker of tenants, listing the children first.
func (m *Model) onTenantKey() tea.Cmd {
	switch t := &m.ten; {
	case m.o.Tenants == nil:
		m.bar.Say("no Flight Control here: this console has no child tenants to switch to")
	case t.denied != "":
		m.bar.Set(status.Word{Text: t.denied, Err: true})
	case t.switching != nil:
		m.bar.Say("switching to " + tenantLabel(t.switching.name, t.switching.cid, 40) + "…")
	case m.exp != nil:
		m.bar.Say("an export is running: switch tenants once it has ended (esc stops it)")
	case t.listed:
		return m.stack.PushTenantPicker(m.stack.TenantPicker(t.parent, t.kids, t.member))
	case t.listing:
		t.raise = true
		m.bar.Say("listing the child tenants…")
	default:
		t.raise = true
		m.bar.Say("listing the child tenants…")
		return m.listChildren()
	}
	return nil
}

// nameTenant lists the children when the console starts in one, so the
// header names it (its CID until then).
func (m *Model) nameTenant() tea.Cmd {
	if m.o.Tenants == nil || m.ten.member == "" {
		return nil
	}
	return m.listChildren()
}

// listChildren asks for the parent's children; esc stops the listing.
func (m *Model) listChildren() tea.Cmd {
	m.ten.listing = true
	m.ten.listGen++
	gen, ten := m.ten.listGen, m.o.Tenants
	ctx, cancel := context.WithCancel(m.ctx)
	m.ten.stopList = cancel
	return tea.Batch(func() (msg tea.Msg) {
		defer cancel()
		defer screen.Recover(&msg, func(err error) tea.Msg { return childrenMsg{gen: gen, err: err} })
		kids, err := ten.Children(ctx)
		return childrenMsg{gen: gen, kids: kids, err: err}
	}, m.bar.Spin())
}

// stopListing is esc while the children are being listed: the listing
// stops, nothing of it is kept, and p asks again.
func (m *Model) stopListing() bool {
	t := &m.ten
	if !t.listing || t.stopList == nil {
		return false
	}
	t.stopList()
	t.listing, t.raise, t.stopList = false, false, nil
	m.bar.Say("listing the child tenants: stopped (p lists them again)")
	return true
}

// onChildren takes the children listed: the header names the tenant, and
// the picker opens if p asked for it (as a raised layer: never over a
// field being typed in, and taking no key before it is seen).
func (m *Model) onChildren(msg childrenMsg) tea.Cmd {
	t := &m.ten
	if msg.gen != t.listGen || !t.listing {
		return nil // a listing esc stopped
	}
	t.listing, t.stopList = false, nil
	raise := t.raise
	t.raise = false
	many := ""
	if errors.Is(msg.err, model.ErrManyChildren) && msg.kids != nil {
		many = fmt.Sprintf("the service listed more than %s children: the first %s are shown",
			screen.Commas(model.MaxChildren), screen.Commas(len(msg.kids)))
		if len(msg.kids) < model.MaxChildren {
			many = fmt.Sprintf("the service's listing of children did not end: the first %s are shown", screen.Commas(len(msg.kids)))
		}
		msg.err = nil
	}
	if msg.err != nil {
		if errors.Is(msg.err, model.ErrNoFlightControl) {
			t.denied = screen.Sanitize(errText(msg.err))
			if raise {
				m.bar.Set(status.Word{Text: t.denied, Err: true, Life: status.Lasting})
			}
			return nil
		}
		if raise && !errors.Is(msg.err, context.Canceled) {
			m.bar.Set(status.Word{Text: "listing the child tenants: " + errText(msg.err), Err: true, Life: status.Lasting})
		}
		return nil
	}
	t.kids, t.listed = msg.kids, true
	for _, k := range msg.kids {
		if strings.EqualFold(k.CID, t.member) {
			t.name = k.Name
		}
	}
	if t.member == "" && m.cid != "" {
		t.parent = m.cid
	}
	if raise {
		m.bar.Clear()
		if many != "" {
			m.bar.Set(status.Word{Text: many, Err: true, Life: status.Lasting})
		}
		m.stack.Raise(m.stack.TenantPicker(t.parent, t.kids, t.member), "the tenants", &m.ten)
	}
	return nil
}

// errText is an error's words with its trace id.
func errText(err error) string {
	s := screen.ErrMessage(err)
	if tr := screen.TraceOf(err); tr != "" && !strings.Contains(s, tr) {
		s += " (trace id " + tr + ")"
	}
	return s
}

// switchTenant logs in as the tenant chosen; the console stays in the one
// it is in, every key meaning what it meant, until the answer lands.
func (m *Model) switchTenant(c modal.ChooseTenant) tea.Cmd {
	if _, acting := m.run.Running(); acting || m.run.Busy() {
		m.bar.Say("changes are still being sent in this tenant: switch once they are done")
		return nil
	}
	cid := c.CID
	if c.Parent {
		cid = ""
	} else if !cidForm.MatchString(cid) {
		m.bar.Set(status.Word{Text: "not a customer id: " + screen.Sanitize(cid), Err: true})
		return nil
	}
	m.ten.gen++
	to := switchTo{gen: m.ten.gen, cid: cid, name: c.Name, parent: c.Parent}
	if c.Parent {
		to.cid, to.name = "", "parent tenant"
	}
	m.ten.switching = &to
	m.bar.Say("switching to " + tenantLabel(to.name, cmpOr(cid, c.CID), 40) + "…")
	ten, ctx := m.o.Tenants, m.ctx
	return tea.Batch(func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return switchedMsg{to: to, err: err} })
		sw, err := ten.Switch(ctx, to.cid)
		return switchedMsg{to: to, sw: sw, err: err}
	}, m.bar.Spin())
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// onSwitched takes a switch's answer: a refusal says why and leaves the
// tenant as it was; a login moves every part to the new tenant, at once
// if the analyst is at the list, else once the layer in front (a field
// being typed in) is closed: announced, and until then every key means
// what it meant.
func (m *Model) onSwitched(msg switchedMsg) tea.Cmd {
	if m.ten.switching == nil || msg.to.gen != m.ten.switching.gen {
		if msg.sw.Abandon != nil {
			abandon := msg.sw.Abandon
			return func() tea.Msg { abandon(); return nil }
		}
		return nil
	}
	if msg.err != nil {
		m.ten.switching = nil
		m.bar.Set(status.Word{Text: "switch to " + tenantLabel(msg.to.name, msg.to.cid, 30) + " failed, the console stays where it was: " +
			errText(msg.err), Err: true, Life: status.Lasting})
		return nil
	}
	m.ten.ready = &msg
	if cmd, ok := m.applySwitch(); ok {
		return cmd
	}
	to := tenantLabel(msg.to.name, "", 24) // the name alone: the line fits 80 columns
	if strings.TrimSpace(msg.to.name) == "" {
		to = tenantLabel("", msg.to.cid, 24)
	}
	m.bar.Set(status.Word{Text: "switch to " + to + " ready: it applies when you leave the field", Life: status.Lasting})
	return nil
}

// applySwitch moves every part to the tenant a switch landed in, if one
// waits and the analyst is back at the list with nothing being sent. The
// tenant left is closed off the Update loop: its stream first, then the
// connection moves and its token is revoked; then the new tenant starts.
func (m *Model) applySwitch() (tea.Cmd, bool) {
	r := m.ten.ready
	if r == nil || m.stack.Len() > 0 {
		return nil, false
	}
	if _, acting := m.run.Running(); acting || m.run.Busy() {
		return nil, false
	}
	m.ten.ready, m.ten.switching = nil, nil
	had := m.run.History() > 0
	left := m.session()
	saveOld := m.store.save(sessionFile, left)
	closing := m.enterTenant(r.to)
	m.connected(r.sw.Backend)
	word := "now in " + m.tenantName(50)
	if had {
		word += "; the undo history of the tenant left is cleared"
	}
	m.bar.Set(status.Word{Text: word, Life: status.Lasting})
	epoch, commit := m.ten.epoch, r.sw.Commit
	return tea.Batch(saveOld, func() tea.Msg {
		if closing != nil {
			closing()
		}
		if commit != nil {
			commit()
		}
		return committedMsg{epoch: epoch}
	}), true
}

// onCommitted starts the tenant entered, once the one left is closed.
func (m *Model) onCommitted(msg committedMsg) tea.Cmd {
	if msg.epoch != m.ten.epoch {
		return nil
	}
	return m.start()
}

// abandonSwitch revokes the token of a switch that landed and was never
// applied (the console ends first).
func (m *Model) abandonSwitch() {
	if r := m.ten.ready; r != nil && r.sw.Abandon != nil {
		m.ten.ready = nil
		r.sw.Abandon()
	}
}

// enterTenant gives every part a new tenant: its own state folder,
// session and filter history; nothing of the tenant left (rows, marks,
// drafts, undo history, layers) comes along.
func (m *Model) enterTenant(to switchTo) (closing tea.Cmd) {
	o := m.o
	m.ten.epoch++
	m.ten.member, m.ten.name = to.cid, to.name
	if to.parent {
		m.ten.name = ""
	}
	m.cid = to.cid
	if to.parent {
		m.cid = m.ten.parent
	}
	m.detail, m.drills, m.pivots = nil, nil, nil
	m.hs = nil // the hosts read and followed are the tenant left's
	notice := m.openTenant(tenantDir(o.StateDir, to.cid))
	m.stack.Resize(m.width, m.height)
	m.list.Fit(m.width, m.rowsOnScreen())
	if len(notice) > 0 {
		m.bar.Set(status.Word{Text: screen.Sanitize(strings.Join(notice, "; ")), Err: true, Life: status.Lasting})
	}
	// Live starts again in the new tenant, on its rows (its stream is the
	// new token's); the old one's stream ends off the Update loop.
	if old := m.lv; old != nil {
		m.lv = m.newLive()
		closing = func() tea.Msg { old.Close(); return nil }
	}
	return closing
}

// tenantLabel names a tenant: its name (sanitised, cut to width cells)
// and its CID.
func tenantLabel(name, cid string, width int) string {
	name = strings.TrimSpace(screen.Sanitize(name))
	switch {
	case name == "" && cid == "":
		return "the tenant"
	case name == "":
		return "CID " + screen.Sanitize(cid)
	case cid == "":
		return screen.Truncate(name, width)
	}
	return screen.Truncate(name, width) + " (" + screen.Sanitize(cid) + ")"
}

// tenantName names the tenant the console is in.
func (m *Model) tenantName(width int) string {
	if m.backInParent() {
		return "the parent tenant (CID " + screen.Sanitize(m.tenantCID()) + ")"
	}
	return tenantLabel(m.ten.name, m.tenantCID(), width)
}

// backInParent is the parent tenant entered by a switch: named so, as the
// picker names it, not by its CID alone.
func (m *Model) backInParent() bool { return m.ten.member == "" && m.ten.epoch > 0 }

// tenantCID is the CID of the tenant the console is in, as far as known:
// the child's, else as the rows name it, else (before any switch) the
// configured one.
func (m *Model) tenantCID() string {
	switch {
	case m.ten.member != "":
		return m.ten.member
	case m.cid != "" || m.ten.epoch > 0:
		return m.cid
	}
	return m.o.Source.CID
}

// tenantHeader is the header's part naming the tenant: its name where
// known, and its CID; "" when neither is.
func (m *Model) tenantHeader() string {
	cid := m.tenantCID()
	name := strings.TrimSpace(screen.Sanitize(m.ten.name))
	if m.backInParent() {
		name = "Parent tenant"
	}
	switch {
	case cid == "" && name == "":
		return ""
	case name == "":
		return "CID " + screen.Sanitize(cid)
	}
	// The name gives way first: the CID always fits 80 columns.
	return screen.Truncate(name, 20) + " · CID " + screen.Sanitize(cid)
}

// openTenant gives every part the state of the tenant whose folder is dir
// (New's tenant, and each one a switch enters): its state store, rows,
// people, actions, filter history and session (the view it was on, its
// query, row and drafts), list and layers. It returns what could not be
// read, for the footer.
func (m *Model) openTenant(dir string) (notice []string) {
	o := m.o
	m.store = newStateStore(dir)
	m.rows = rows.New(o.CacheBytes, o.Now)
	known := append([]model.User(nil), o.Team...)
	if o.Me.UID != "" || o.Me.UUID != "" {
		known = append(known, o.Me)
	}
	m.dir = people.New(known)
	m.rows.Seen = func(d *model.Detection) {
		m.dir.Seen(d)
		if m.cid == "" {
			m.cid = d.CID // the tenant, as the service names it
		}
	}
	m.run = triage.New(triage.Deps{Rows: m.rows, Dir: m.dir, People: o.Source.People, Ctx: m.ctx, FreshFor: o.FreshFor,
		ConfirmThreshold: o.ConfirmThreshold, ReadOnly: o.ReadOnly,
		OutOfView: func(ids []string) int { return m.list.OutOfView(ids) }})
	var history []string
	if err := m.store.load(historyFile, &history); err != nil {
		notice = append(notice, err.Error())
	}
	for _, f := range o.SavedFilters {
		if !slices.Contains(history, f.Filter) {
			history = append(history, f.Filter)
		}
	}
	var restored session
	if o.Restore {
		if err := m.store.load(sessionFile, &restored); err != nil {
			notice = append(notice, err.Error())
		}
	}
	var first list.Query
	if restored.Sort != "" || restored.Filter != "" || restored.Q != "" || restored.ShowHidden {
		first = list.Query{Filter: restored.Filter, Q: restored.Q, Sort: model.ParseSort(restored.Sort), ShowHidden: restored.ShowHidden}
	}
	m.firstView(&restored, &first)
	m.list = list.New(list.Deps{Rows: m.rows, Keys: o.Keys, Ctx: m.ctx, IDChunk: o.IDChunk, Location: o.Location, Now: o.Now, HostMark: m.hostMark},
		history, first, restored.Row, restored.RowID)
	saved := make([]modal.SavedFilter, len(o.SavedFilters))
	for i, f := range o.SavedFilters {
		saved[i] = modal.SavedFilter(f)
	}
	templates := make([]modal.CommentTemplate, len(o.CommentTemplates))
	for i, t := range o.CommentTemplates {
		templates[i] = modal.CommentTemplate(t)
	}
	m.stack = modal.New(modal.Deps{Keys: o.Keys, Me: o.Me, SavedFilters: saved, Dir: m.dir, People: o.Source.People,
		Ctx: m.ctx, ArmAfter: o.ArmAfter, Templates: templates, RequireComment: o.RequireComment, Peek: m.rows.Peek,
		Adds: func() []string { return m.list.Adds(m.list.Latest()) }}, restored.drafts())
	return notice
}

// refuseExportWhileSwitching is e while a switch is in flight: an export
// would read one tenant and be named after the other, so it waits.
func (m *Model) refuseExportWhileSwitching() bool {
	if m.ten.switching == nil {
		return false
	}
	m.bar.Say("switching tenants: export once the switch has landed (nothing written)")
	return true
}
