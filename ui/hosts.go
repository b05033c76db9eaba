package ui

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/detail"
	"github.com/falcon-triage/falcon-triage/ui/modal"
	"github.com/falcon-triage/falcon-triage/ui/screen"
	"github.com/falcon-triage/falcon-triage/ui/status"
	"github.com/falcon-triage/falcon-triage/ui/triage"
)

// The hosts of endpoint rows (the Hosts API, through Source.Hosts): the
// detail's host section reads each host once (model.HostCache) and counts
// its alerts of the last seven days once; C contains the hosts of the rows
// (or lifts their containment), confirmed, and follows them until their
// sensors acknowledge. Every answer names the hosts it was asked for and
// the hostState it was asked in (a tenant switch starts a new one); it
// lands in the cache, never on "the detail open now".

// The words of a host the API client may not read or contain.
const (
	hostsReadScope  = "the Hosts: read scope would show this host: add it to the API client"
	hostsWriteScope = "containment needs the Hosts: write scope: add it to the API client"
)

// followFirst and followMost bound the wait between reads of the hosts a
// containment follows: it doubles from the first to the most.
const (
	followFirst = 2 * time.Second
	followMost  = 30 * time.Second
)

// hostState is what the console knows of the tenant's hosts.
type hostState struct {
	cache *model.HostCache
	// readDenied and writeDenied: the service refused the scope; nothing
	// more of it is asked this run (in this tenant).
	readDenied, writeDenied bool
	// follow are the hosts a containment waits for, and the action each
	// waits on; waiting: a timer is out; delay the next wait.
	follow  map[string]model.ContainAction
	waiting bool
	delay   time.Duration
	// names are the hosts' names as rows showed them, for the words.
	names map[string]string
}

func (m *Model) hosts() *hostState {
	if m.hs == nil {
		m.hs = &hostState{cache: model.NewHostCache(), follow: map[string]model.ContainAction{}, names: map[string]string{}}
	}
	return m.hs
}

// hostMsg is an answer of the Hosts API.
type hostMsg interface{ hostState() *hostState }

type hostsReadMsg struct {
	hs      *hostState
	aids    []string
	found   []model.Host
	missing map[string]string
	err     error
	follow  bool // a re-read of followed hosts
}

type hostCountMsg struct {
	hs     *hostState
	aids   []string
	counts map[string]int64
	err    error
}

type containMsg struct {
	hs   *hostState
	c    triage.Containment
	verb string
	walk bool // an undo or a redo: the history has stepped already
	res  model.ContainResult
	err  error
}

type followTickMsg struct{ hs *hostState }

func (m hostsReadMsg) hostState() *hostState  { return m.hs }
func (m hostCountMsg) hostState() *hostState  { return m.hs }
func (m containMsg) hostState() *hostState    { return m.hs }
func (m followTickMsg) hostState() *hostState { return m.hs }

// hostMark is the list's glyph for a host's containment: ⊘ contained, ⊘…
// containment pending, ↺ lift pending.
func (m *Model) hostMark(aid string) string {
	if m.hs == nil {
		return ""
	}
	h, ok := m.hs.cache.Host(aid)
	if !ok {
		return ""
	}
	switch h.Status {
	case model.HostContained:
		return "⊘"
	case model.HostContainmentPending:
		return "⊘…"
	case model.HostLiftPending:
		return "↺"
	}
	return ""
}

// syncHost gives the open detail its host, reading it (and its count) if
// no read has been: once per host, whatever the rows.
func (m *Model) syncHost() tea.Cmd {
	if m.detail == nil || m.b == nil {
		return nil
	}
	d, ok := m.rows.Peek(m.detail.ID())
	if !ok || d.Device.ID == "" || m.o.Source.Hosts == nil {
		// No Hosts API (a console built without one, as some tests are):
		// the section is what the alert carries, as before.
		return nil
	}
	aid, hs := d.Device.ID, m.hosts()
	hs.names[aid] = d.Device.Hostname
	v := detail.HostView{AID: aid}
	var cmds []tea.Cmd
	switch {
	case hs.readDenied:
		v.Note = hostsReadScope
	default:
		if need := hs.cache.Need([]string{aid}); len(need) > 0 {
			cmds = append(cmds, m.readHosts(hs, need, false))
		}
		if h, ok := hs.cache.Host(aid); ok {
			v.Host = &h
		} else if why := hs.cache.Failed(aid); why != "" {
			v.Note = "could not read the host: " + why
		} else {
			v.Note = "reading the host…"
		}
	}
	if need := hs.cache.NeedCounts([]string{aid}); len(need) > 0 {
		cmds = append(cmds, m.countHosts(hs, need))
	}
	v.Count, v.Counted = hs.cache.Count(aid)
	if act, ok := hs.follow[aid]; ok {
		v.Follow = "following until " + act.Target().Label()
	}
	m.detail.SetHost(v)
	m.detail.Follow(m.rows, m.f, m.o.Location)
	return tea.Batch(cmds...)
}

func (m *Model) readHosts(hs *hostState, aids []string, follow bool) tea.Cmd {
	h, ctx := m.o.Source.Hosts, m.ctx
	return func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return hostsReadMsg{hs: hs, aids: aids, err: err, follow: follow} })
		found, missing, err := h.Hosts(ctx, aids)
		return hostsReadMsg{hs: hs, aids: aids, found: found, missing: missing, err: err, follow: follow}
	}
}

func (m *Model) countHosts(hs *hostState, aids []string) tea.Cmd {
	b, ctx, now := m.b, m.ctx, m.o.Now()
	return func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return hostCountMsg{hs: hs, aids: aids, err: err} })
		counts, err := model.AlertCounts(ctx, b, aids, now)
		return hostCountMsg{hs: hs, aids: aids, counts: counts, err: err}
	}
}

// onHostMsg takes an answer of the Hosts API asked in this tenant.
func (m *Model) onHostMsg(msg hostMsg) tea.Cmd {
	hs := msg.hostState()
	if hs != m.hs {
		return nil // asked in a tenant the console has left
	}
	switch msg := msg.(type) {
	case hostsReadMsg:
		if screen.ErrStatus(msg.err) == http.StatusForbidden {
			hs.readDenied = true
		}
		if msg.follow {
			hs.waiting = false
			for _, h := range msg.found {
				hs.cache.Put(h)
			}
			return m.settleFollowed(msg.found)
		}
		hs.cache.Done(msg.aids, msg.found, msg.missing, msg.err)
	case hostCountMsg:
		hs.cache.CountsDone(msg.aids, msg.counts, msg.err)
	case containMsg:
		return m.onContained(msg)
	case followTickMsg:
		return m.readFollowed()
	}
	return nil
}

// containAsk is a containment as C captured it: the hosts as the analyst
// saw them at the key, never read again at the answer.
type containAsk struct {
	hs *hostState
	c  triage.Containment
}

// containKey asks to contain the hosts of the targets (or lift their
// containment): the distinct hosts, the rows without one named as skipped.
func (m *Model) containKey() tea.Cmd {
	hs := m.hosts()
	switch {
	case m.o.Source.Hosts == nil:
		m.bar.Say("this console has no Hosts API: nothing can be contained here")
		return nil
	case hs.writeDenied:
		m.bar.Say(hostsWriteScope + "; nothing was sent")
		return nil
	}
	var aids, names []string
	skipped, unread := 0, 0
	targets := m.targets()
	for _, id := range targets {
		d, ok := m.rows.Peek(id)
		switch {
		case !ok:
			unread++
		case d.Device.ID == "":
			skipped++
		case !slices.Contains(aids, d.Device.ID):
			aids = append(aids, d.Device.ID)
			names = append(names, screen.Sanitize(cmp.Or(d.Device.Hostname, d.Device.ID)))
			hs.names[d.Device.ID] = d.Device.Hostname
		}
	}
	var left []string
	if skipped > 0 {
		left = append(left, fmt.Sprintf("%d %s without a host (identity, cloud) skipped", skipped, screen.Plural(skipped, "row")))
	}
	if unread > 0 {
		left = append(left, fmt.Sprintf("%d %s not read yet skipped", unread, screen.Plural(unread, "row")))
	}
	if out := m.list.OutOfView(targets); out > 0 {
		// Marks a filter hides: their hosts are named, and the question
		// says their rows are not on screen.
		left = append(left, fmt.Sprintf("%d of the marked rows not in view", out))
	}
	if len(aids) == 0 {
		m.bar.Say("no host to contain: " + cmp.Or(strings.Join(left, "; "), "no row"))
		return nil
	}
	// The action each host's state asks for; hosts in both states are
	// refused together: contain and lift are never sent in one key.
	action, mixed := model.ContainAction{}, false
	for _, aid := range aids {
		st := model.HostNormal
		if h, ok := hs.cache.Host(aid); ok {
			st = h.Status
		}
		a := model.ActionFor(st)
		if action.Valid() && a != action {
			mixed = true
		}
		action = a
	}
	if mixed {
		m.bar.Say("these hosts are contained and not contained: mark only the hosts to contain, or only those to lift")
		return nil
	}
	c := triage.Containment{Action: action, AIDs: aids, Names: names}
	text := fmt.Sprintf("%s %s: %s?", capital(action.Label()), hostWords(len(aids)), firstNames(names, 5))
	if action == model.Contain {
		text += "\nContained hosts keep talking to Falcon only, until lifted."
	}
	if len(left) > 0 {
		text += "\n(" + strings.Join(left, "; ") + ")"
	}
	m.stack.Raise(&modal.Prompt{Text: text, Answers: [][2]string{{"y", capital(action.Label())}, {"n", "keep"}},
		Tag: containAsk{hs: hs, c: c}}, "the containment to confirm", nil)
	return nil
}

// answerContain sends the containment confirmed, as it was asked.
func (m *Model) answerContain(a containAsk, key string) tea.Cmd {
	if key != "y" {
		m.bar.Say(capital(a.c.Action.Label()) + ": nothing was sent")
		return nil
	}
	if a.hs != m.hs {
		return nil
	}
	return m.sendContain(a.c, capital(a.c.Action.Label())+" "+firstNames(a.c.Names, 3), false)
}

func (m *Model) sendContain(c triage.Containment, verb string, walk bool) tea.Cmd {
	hs, h, ctx := m.hosts(), m.o.Source.Hosts, m.ctx
	if h == nil {
		m.bar.Say("this console has no Hosts API: nothing can be contained here")
		return nil
	}
	if hs.writeDenied {
		m.bar.Say(hostsWriteScope + "; nothing was sent")
		return nil
	}
	m.bar.Say(verb + ": sending…")
	return tea.Batch(func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return containMsg{hs: hs, c: c, verb: verb, walk: walk, err: err} })
		res, err := h.Contain(ctx, c.Action, c.AIDs)
		return containMsg{hs: hs, c: c, verb: verb, walk: walk, res: res, err: err}
	}, m.bar.Spin())
}

// applyHosts is apply for undo and redo: a containment they walk is sent.
func (m *Model) applyHosts(out triage.Out, cmd tea.Cmd) tea.Cmd {
	c := out.Contain
	out.Contain = nil
	applied := m.apply(out, cmd)
	if c == nil {
		return applied
	}
	verb := "Undo: " + c.Action.Label() + " " + firstNames(c.Names, 3)
	return tea.Batch(applied, m.sendContain(*c, verb, true))
}

// onContained says what became of each host, records the containment in
// the history, and follows the hosts taken until they settle.
func (m *Model) onContained(msg containMsg) tea.Cmd {
	hs, res := msg.hs, msg.res
	if screen.ErrStatus(msg.err) == http.StatusForbidden && len(res.Accepted)+len(res.Done) == 0 {
		// The scope is missing: said once, and C sends nothing more.
		hs.writeDenied = true
		text := msg.verb + ": refused, " + hostsWriteScope
		if t := cmp.Or(res.TraceID, screen.TraceOf(msg.err)); t != "" {
			text += " (trace id " + screen.Sanitize(t) + ")"
		}
		m.bar.Set(status.Word{Text: text, Err: true, Life: status.Lasting})
		return nil
	}
	name := func(aid string) string { return screen.Sanitize(cmp.Or(hs.names[aid], aid)) }
	for _, aid := range res.Accepted {
		m.setStatus(aid, msg.c.Action.PendingState())
		hs.follow[aid] = msg.c.Action
	}
	for _, aid := range res.Done {
		m.setStatus(aid, msg.c.Action.Target())
	}
	// The history holds what this key changed: a host already in the
	// state asked for (409) is not lifted by the undo.
	if taken := res.Accepted; !msg.walk && len(taken) > 0 {
		rec := triage.Containment{Action: msg.c.Action, AIDs: taken}
		for _, aid := range taken {
			rec.Names = append(rec.Names, name(aid))
		}
		m.run.RecordContainment(msg.verb, rec)
	}
	var words []string
	if n := len(res.Accepted); n > 0 {
		words = append(words, fmt.Sprintf("%s %s (following)", namesOf(res.Accepted, name), msg.c.Action.PendingState().Label()))
	}
	if n := len(res.Done); n > 0 {
		words = append(words, fmt.Sprintf("%s already %s", namesOf(res.Done, name), msg.c.Action.Target().Label()))
	}
	refused := slices.Sorted(maps.Keys(res.Refused))
	for _, aid := range refused {
		words = append(words, fmt.Sprintf("%s refused: %s", name(aid), screen.Sanitize(res.Refused[aid])))
	}
	if len(res.Unknown) > 0 {
		words = append(words, namesOf(res.Unknown, name)+" unknown (read again)")
		for _, aid := range res.Unknown {
			hs.follow[aid] = msg.c.Action
		}
	}
	if len(res.NotSent) > 0 {
		words = append(words, namesOf(res.NotSent, name)+" not sent")
	}
	if msg.err != nil && len(refused) == 0 {
		words = append(words, screen.ErrMessage(msg.err))
	}
	trace := cmp.Or(res.TraceID, screen.TraceOf(msg.err))
	text := msg.verb + ": " + strings.Join(words, "; ")
	bad := len(refused)+len(res.Unknown)+len(res.NotSent) > 0 || msg.err != nil
	if bad && trace != "" {
		text += " (trace id " + screen.Sanitize(trace) + ")"
	}
	m.bar.Set(status.Word{Text: text, Err: bad, Life: status.Lasting})
	hs.delay = followFirst
	return m.followLater()
}

// setStatus shows a host's state until it is read again.
func (m *Model) setStatus(aid string, st model.HostStatus) {
	hs := m.hosts()
	h, ok := hs.cache.Host(aid)
	if !ok {
		h = model.Host{ID: aid, Hostname: hs.names[aid]}
	}
	h.Status = st
	hs.cache.Put(h)
}

// followLater reads the followed hosts again after a wait (which doubles,
// up to followMost), one timer at a time; it stops when none is followed
// or the console quits.
func (m *Model) followLater() tea.Cmd {
	hs := m.hosts()
	if hs.waiting || len(hs.follow) == 0 {
		return nil
	}
	hs.waiting = true
	d := cmp.Or(hs.delay, followFirst)
	hs.delay = min(2*d, followMost)
	wait, ctx := m.o.LiveWait, m.ctx
	return func() tea.Msg {
		if wait != nil {
			if !wait(ctx, d) {
				return nil
			}
			return followTickMsg{hs}
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return followTickMsg{hs}
		case <-ctx.Done():
			return nil
		}
	}
}

func (m *Model) readFollowed() tea.Cmd {
	hs := m.hosts()
	aids := slices.Sorted(maps.Keys(hs.follow))
	if len(aids) == 0 || m.o.Source.Hosts == nil {
		hs.waiting = false
		return nil
	}
	return m.readHosts(hs, aids, true)
}

// settleFollowed stops following the hosts that settled, and says so.
func (m *Model) settleFollowed(found []model.Host) tea.Cmd {
	hs := m.hosts()
	var settled []string
	for _, h := range found {
		if _, ok := hs.follow[h.ID]; ok && !h.Status.Pending() {
			delete(hs.follow, h.ID)
			settled = append(settled, screen.Sanitize(cmp.Or(h.Hostname, hs.names[h.ID], h.ID))+" "+h.Status.Label())
		}
	}
	if len(settled) > 0 {
		m.bar.Set(status.Word{Text: "Containment: " + strings.Join(settled, ", "), Life: status.Lasting})
	}
	return m.followLater()
}

func hostWords(n int) string {
	if n == 1 {
		return "1 host"
	}
	return fmt.Sprintf("%d hosts", n)
}

// firstNames names up to n hosts, and how many more.
func firstNames(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + fmt.Sprintf(" and %d more", len(names)-n)
}

func namesOf(aids []string, name func(string) string) string {
	out := make([]string, len(aids))
	for i, a := range aids {
		out[i] = name(a)
	}
	return firstNames(out, 3)
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
