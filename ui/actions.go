package ui

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
)

// The triage actions: marks, the confirmation, the re-read that catches
// another analyst's changes, optimistic rows, batches under bounded
// concurrency, per-row rollback of what was refused, undo and retry.

// maxConcurrentBatches bounds the updates in flight at once; the transport
// paces them under the tenant's rate budget.
const maxConcurrentBatches = 3

// action is one analyst decision applied to a set of rows.
type action struct {
	seq     int
	verb    string // "Close", "Assign", "Comment", "Undo", ...
	change  model.Change
	undo    bool
	before  map[string]model.Values
	batches []model.Change
	done    int
	applied []string
	refused map[string]string
	unknown []string
}

// prompt is a question with one-key answers, above everything else.
type prompt struct {
	text    string
	answers [][2]string // key, meaning
	on      func(key string) tea.Cmd
}

type allIDsMsg struct {
	gen int
	ids []string
	err error
}

type preReadMsg struct {
	act   *action
	found []model.Detection
	err   error
}

type batchMsg struct {
	act   *action
	batch model.Change
	res   model.UpdateResult
	err   error
}

type rereadMsg struct {
	ids   []string
	found []model.Detection
	err   error
}

type resolvedMsg struct {
	act   *action
	uuids map[string]string
	err   error
}

// errStatus and friends read the API's typed errors through methods, since
// the console does not import the API package.
func errStatus(err error) int {
	var e interface{ HTTPStatus() int }
	if errors.As(err, &e) {
		return e.HTTPStatus()
	}
	return 0
}

func errUnknown(err error) bool {
	var e interface{ OutcomeUnknown() bool }
	return errors.As(err, &e) && e.OutcomeUnknown()
}

// --- marks

func (m *Model) marked(id string) bool {
	_, ok := m.marks[id]
	return ok
}

func (m *Model) toggleMark(i int) {
	if i >= len(m.ids) {
		return
	}
	id := m.ids[i]
	if m.marked(id) {
		delete(m.marks, id)
	} else {
		m.marks[id] = struct{}{}
		m.anchor = i
	}
}

func (m *Model) markRange() {
	if m.anchor < 0 || m.anchor >= len(m.ids) {
		m.toggleMark(m.cursor)
		return
	}
	lo, hi := min(m.anchor, m.cursor), max(m.anchor, m.cursor)
	for i := lo; i <= hi; i++ {
		m.marks[m.ids[i]] = struct{}{}
	}
	m.say(fmt.Sprintf("%s marked", commas(len(m.marks))))
}

func (m *Model) markScreen() {
	for i := m.top; i < len(m.ids) && i < m.top+m.rows(); i++ {
		m.marks[m.ids[i]] = struct{}{}
	}
	m.say(fmt.Sprintf("%s marked", commas(len(m.marks))))
}

// markAll asks to mark every row matching the filter, however many, after
// saying how many that is.
func (m *Model) markAll() tea.Cmd {
	n := m.total
	if n < 0 {
		m.say("the total is not known yet")
		return nil
	}
	m.prompt = &prompt{
		text:    fmt.Sprintf("Mark all %s detections matching the filter?", commas(n)),
		answers: [][2]string{{"y", "mark them"}, {"n", "cancel"}},
		on: func(k string) tea.Cmd {
			if k != "y" {
				return nil
			}
			m.say(fmt.Sprintf("loading the ids of %s detections…", commas(n)))
			m.loadingAll = true
			gen := m.gen
			w := model.NewWalker(m.b, model.Query{Filter: m.effectiveFilter(m.cur), Q: m.cur.q, Sort: m.cur.sort}, m.b.Window()-1)
			return tea.Batch(func() tea.Msg {
				all, err := w.All(context.Background())
				return allIDsMsg{gen: gen, ids: all, err: err}
			}, m.spin())
		},
	}
	return nil
}

func (m *Model) onAllIDs(msg allIDsMsg) {
	m.loadingAll = false
	if msg.err != nil {
		m.setErr(fmt.Errorf("marking every match stopped after %s: %w", commas(len(msg.ids)), msg.err))
		return
	}
	for _, id := range msg.ids {
		m.marks[id] = struct{}{}
	}
	m.say(fmt.Sprintf("%s marked", commas(len(m.marks))))
}

// targets are the marked rows, in list order first, or the cursor row.
func (m *Model) targets() []string {
	if len(m.marks) == 0 {
		if m.cursor < len(m.ids) {
			return []string{m.ids[m.cursor]}
		}
		return nil
	}
	out := make([]string, 0, len(m.marks))
	inList := make(map[string]bool, len(m.marks))
	for _, id := range m.ids {
		if m.marked(id) {
			out = append(out, id)
			inList[id] = true
		}
	}
	var rest []string
	for id := range m.marks {
		if !inList[id] {
			rest = append(rest, id)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func (m *Model) outOfView(ids []string) int {
	if len(ids) <= 1 {
		return 0
	}
	in := make(map[string]struct{}, len(m.ids))
	for _, id := range m.ids {
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

// --- the flow of an action

// begin starts an action on the target rows: confirmation when it is large
// or hides rows, then the re-read.
func (m *Model) begin(verb string, c model.Change) tea.Cmd {
	if m.o.ReadOnly {
		m.say("read-only: writes are disabled")
		return nil
	}
	if m.running != nil {
		m.say("wait: the last action is still being sent")
		return nil
	}
	ids := m.targets()
	if len(ids) == 0 {
		m.say("no row to act on")
		return nil
	}
	c.IDs = ids
	m.actSeq++
	act := &action{seq: m.actSeq, verb: verb, change: c, refused: map[string]string{}}
	hide := c.ShowInUI != nil && c.Status == nil && c.Comment == ""
	if len(ids) > m.o.ConfirmThreshold || hide {
		text := fmt.Sprintf("%s: %s %s?", verb, commas(len(ids)), plural(len(ids), "detection"))
		if out := m.outOfView(ids); out > 0 {
			text += fmt.Sprintf(" (%s of them not in view)", commas(out))
		}
		m.prompt = &prompt{text: text, answers: [][2]string{{"y", "go"}, {"n", "cancel"}}, on: func(k string) tea.Cmd {
			if k != "y" {
				m.say("cancelled: nothing was sent")
				return nil
			}
			return m.preRead(act)
		}}
		return nil
	}
	return m.preRead(act)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// preRead reads the rows' current state just before sending, one request
// per ≤ 1000 ids: what the analyst saw may be stale.
func (m *Model) preRead(act *action) tea.Cmd {
	m.running = act
	b := m.b
	ids := act.change.IDs
	m.say(fmt.Sprintf("%s: checking %s %s…", act.verb, commas(len(ids)), plural(len(ids), "row")))
	return tea.Batch(func() tea.Msg {
		found, _, err := b.Details(context.Background(), ids)
		return preReadMsg{act: act, found: found, err: err}
	}, m.spin())
}

func (m *Model) onPreRead(msg preReadMsg) tea.Cmd {
	act := msg.act
	if msg.err != nil {
		m.running = nil
		m.setErr(fmt.Errorf("%s: reading the rows before sending failed, nothing was sent: %w", act.verb, msg.err))
		return nil
	}
	seen := map[string]model.Values{}
	for _, id := range act.change.IDs {
		if m.rereading[id] {
			continue // our own write, not yet re-read: no baseline to compare
		}
		if d, ok := m.cache.Peek(id); ok {
			seen[id] = model.ValuesOf(d)
		}
	}
	act.before = make(map[string]model.Values, len(msg.found))
	fresh := make(map[string]model.Detection, len(msg.found))
	for _, d := range msg.found {
		act.before[d.ID] = model.ValuesOf(&d)
		fresh[d.ID] = d
	}
	var gone int
	kept := act.change.IDs[:0:0]
	for _, id := range act.change.IDs {
		if _, ok := fresh[id]; ok {
			kept = append(kept, id)
		} else {
			gone++
			delete(m.marks, id)
		}
	}
	act.change.IDs = kept
	if gone > 0 {
		m.say(fmt.Sprintf("%d %s no longer exist and were left out", gone, plural(gone, "detection")))
	}
	conflicts := model.FindConflicts(seen, msg.found)
	if len(conflicts) == 0 {
		return m.send(act, fresh)
	}
	var lines []string
	for i, c := range conflicts {
		if i == 3 {
			lines = append(lines, fmt.Sprintf("… and %d more", len(conflicts)-3))
			break
		}
		host := ""
		if d, ok := fresh[c.ID]; ok {
			host = d.Device.Hostname
		}
		lines = append(lines, Sanitize(firstNonEmpty(host, c.ID))+": "+Sanitize(c.Describe()))
	}
	m.prompt = &prompt{
		text: fmt.Sprintf("%d of %d %s changed since you saw them:\n%s", len(conflicts), len(act.change.IDs),
			plural(len(act.change.IDs), "row"), strings.Join(lines, "\n")),
		answers: [][2]string{{"o", "overwrite them too"}, {"s", "skip them"}, {"n", "cancel"}},
		on: func(k string) tea.Cmd {
			for _, d := range msg.found {
				m.put(d) // show the truth either way
			}
			switch k {
			case "o":
				return m.send(act, fresh)
			case "s":
				skip := map[string]bool{}
				for _, c := range conflicts {
					skip[c.ID] = true
				}
				ids := act.change.IDs[:0:0]
				for _, id := range act.change.IDs {
					if !skip[id] {
						ids = append(ids, id)
					}
				}
				act.change.IDs = ids
				if len(ids) == 0 {
					m.running = nil
					m.say("every row had changed: nothing was sent")
					return nil
				}
				return m.send(act, fresh)
			}
			m.running = nil
			m.say("cancelled: nothing was sent")
			return nil
		},
	}
	return nil
}

// send applies the change to the rows at once, marks them pending and sends
// the batches, a few at a time.
func (m *Model) send(act *action, fresh map[string]model.Detection) tea.Cmd {
	visible := make(map[string]bool, len(act.change.IDs))
	for _, id := range act.change.IDs {
		d := fresh[id]
		visible[id] = d.ShowInUI
		act.change.Apply(&d)
		m.put(d)
		m.pendingRows[id]++
	}
	act.change.Before = act.before
	act.batches = act.change.Batches(m.b.MaxIDs(), visible, m.b.Name() == "detects")
	m.running = act
	m.say(fmt.Sprintf("%s: sending %s %s…", act.verb, commas(len(act.change.IDs)), plural(len(act.change.IDs), "row")))
	cmds := []tea.Cmd{m.spin()}
	for _, b := range act.batches {
		cmds = append(cmds, m.sendBatch(act, b))
	}
	return tea.Batch(cmds...)
}

func (m *Model) sendBatch(act *action, b model.Change) tea.Cmd {
	backend, sem, writes := m.b, m.sem, m.writes
	writes.Add(1)
	return func() tea.Msg {
		defer writes.Done()
		sem <- struct{}{}
		defer func() { <-sem }()
		res, err := backend.Update(context.Background(), b)
		return batchMsg{act: act, batch: b, res: res, err: err}
	}
}

func (m *Model) onBatch(msg batchMsg) tea.Cmd {
	act := msg.act
	act.done++
	for _, id := range msg.batch.IDs {
		if m.pendingRows[id]--; m.pendingRows[id] <= 0 {
			delete(m.pendingRows, id)
		}
	}
	trace := msg.res.TraceID
	switch {
	case msg.err != nil && errUnknown(msg.err):
		act.unknown = append(act.unknown, msg.batch.IDs...)
	case msg.err != nil:
		for _, id := range msg.batch.IDs {
			act.refused[id] = errMessage(msg.err)
		}
		trace = traceOf(msg.err)
	default:
		for _, id := range msg.batch.IDs {
			if why, ok := msg.res.Refused[id]; ok {
				act.refused[id] = why
			} else {
				act.applied = append(act.applied, id)
			}
		}
	}
	for id := range act.refused {
		m.rollback(act, id)
	}
	if trace != "" && len(act.refused) > 0 && !strings.Contains(m.lastTrace, trace) {
		m.lastTrace = trace
	}
	if act.done < len(act.batches) {
		m.say(fmt.Sprintf("%s: %d of %d batches done…", act.verb, act.done, len(act.batches)))
		return nil
	}
	return m.finish(act)
}

func traceOf(err error) string {
	var e interface{ Trace() string }
	if errors.As(err, &e) {
		return e.Trace()
	}
	return ""
}

// WaitWrites waits, at most timeout, for the updates still being sent when
// the program ended (quit, ctrl+c, SIGTERM, SIGHUP), so they finish and are
// recorded in the audit log rather than cut off. It reports whether all did.
func (m *Model) WaitWrites(timeout time.Duration) bool {
	done := make(chan struct{})
	go func() { m.writes.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}

// rollback puts a refused row back as it was before the action.
func (m *Model) rollback(act *action, id string) {
	before, ok := act.before[id]
	if !ok {
		return
	}
	if d, ok := m.cache.Peek(id); ok {
		c := *d
		before.Restore(&c)
		m.put(c)
	}
}

func (m *Model) finish(act *action) tea.Cmd {
	m.running = nil
	m.last = act
	// What was refused stays marked, so one key retries it; what was
	// applied is done with.
	m.marks = map[string]struct{}{}
	for id := range act.refused {
		m.marks[id] = struct{}{}
	}
	var parts []string
	parts = append(parts, fmt.Sprintf("%s: %s of %s applied", act.verb, commas(len(act.applied)), commas(len(act.change.IDs))))
	if n := len(act.refused); n > 0 {
		reason := ""
		for _, id := range act.change.IDs {
			if r, ok := act.refused[id]; ok {
				reason = r
				break
			}
		}
		p := fmt.Sprintf("%s refused: %s", commas(n), reason)
		if m.lastTrace != "" {
			p += " (trace id " + m.lastTrace + ")"
		}
		parts = append(parts, p+"; still marked, R retries")
	}
	// Re-read what was sent: the rows then show the service's own state,
	// its update time included, which is the baseline the next action's
	// check for other analysts' changes compares against.
	reread := append(append([]string(nil), act.applied...), act.unknown...)
	if n := len(act.unknown); n > 0 {
		parts = append(parts, fmt.Sprintf("%s with an unknown outcome (connection lost): re-reading them, not retrying", commas(n)))
	}
	var cmd tea.Cmd
	if len(reread) > 0 {
		for _, id := range reread {
			m.rereading[id] = true
		}
		b := m.b
		cmd = func() tea.Msg {
			found, _, err := b.Details(context.Background(), reread)
			return rereadMsg{ids: reread, found: found, err: err}
		}
	}
	if act.change.Comment != "" && act.change.Status == nil && len(act.applied) > 0 {
		parts[0] = fmt.Sprintf("Comment added to %s of %s", commas(len(act.applied)), commas(len(act.change.IDs)))
	}
	text := strings.Join(parts, " · ")
	if len(act.refused) > 0 || len(act.unknown) > 0 {
		m.message, m.isErr = text, true
	} else {
		m.say(text)
	}
	m.lastTrace = ""
	return cmd
}

func (m *Model) onReread(msg rereadMsg) {
	for _, id := range msg.ids {
		delete(m.rereading, id)
	}
	if msg.err != nil {
		m.setErr(fmt.Errorf("re-reading rows with an unknown outcome: %w (r refreshes)", msg.err))
		return
	}
	for _, d := range msg.found {
		m.put(d)
	}
}

// undo sends each row's previous values back, as an action of its own. A
// comment cannot be unsent, and undo says so.
func (m *Model) undo() tea.Cmd {
	last := m.last
	if last == nil {
		m.say("nothing to undo")
		return nil
	}
	if m.o.ReadOnly {
		m.say("read-only: writes are disabled")
		return nil
	}
	c := last.change
	c.IDs = last.applied
	if len(c.IDs) == 0 {
		m.say("nothing to undo: the last action changed no row")
		return nil
	}
	onlyComment := c.Comment != "" && c.Status == nil && c.AssigneeUUID == nil
	if onlyComment {
		m.say("a comment cannot be unsent: Falcon keeps comments")
		return nil
	}
	batches := model.UndoBatches(c, last.before, m.b.MaxIDs())
	if len(batches) == 0 {
		m.say("nothing to undo")
		return nil
	}
	m.actSeq++
	act := &action{seq: m.actSeq, verb: "Undo: " + last.verb, undo: true, refused: map[string]string{},
		before: map[string]model.Values{}, change: model.Change{IDs: c.IDs}}
	for _, id := range c.IDs {
		if d, ok := m.cache.Peek(id); ok {
			act.before[id] = model.ValuesOf(d)
		}
	}
	note := ""
	if c.Comment != "" {
		note = " (the comment stays: comments cannot be unsent)"
	}
	// The service wants UUIDs; summaries carry logins. Resolve them first.
	// Undoing the undo needs to know which fields it put back.
	act.change.Status, act.change.AssigneeUUID, act.change.ShowInUI = batches[0].Status, batches[0].AssigneeUUID, batches[0].ShowInUI
	if c.AssigneeUUID != nil {
		var logins []string
		for i := range batches {
			b := &batches[i]
			if *b.AssigneeUUID == "" && b.AssigneeUID != "" {
				if u := m.people.uuidOf(b.AssigneeUID); u != "" {
					b.AssigneeUUID = &u
				} else {
					logins = append(logins, b.AssigneeUID)
				}
			}
		}
		if len(logins) > 0 {
			return m.resolveThen(act, batches, logins, note)
		}
	}
	return m.sendPlanned(act, batches, note)
}

// sendPlanned sends already planned batches (undo), applying them at once.
func (m *Model) sendPlanned(act *action, batches []model.Change, note string) tea.Cmd {
	if m.running != nil {
		m.say("wait: the last action is still being sent")
		return nil
	}
	act.batches = batches
	m.running = act
	var cmds []tea.Cmd
	for i := range batches {
		b := batches[i]
		b.Before = act.before
		for _, id := range b.IDs {
			if d, ok := m.cache.Peek(id); ok {
				c := *d
				b.Apply(&c)
				m.put(c)
			}
			m.pendingRows[id]++
		}
		cmds = append(cmds, m.sendBatch(act, b))
	}
	m.say(act.verb + ": sending" + note + "…")
	return tea.Batch(append(cmds, m.spin())...)
}

func (m *Model) resolveThen(act *action, batches []model.Change, logins []string, note string) tea.Cmd {
	if m.src.People == nil {
		m.setErr(fmt.Errorf("cannot undo the assignment: no way to find the UUID of %s (add it to the team in the config file)", logins[0]))
		return nil
	}
	people := m.src.People
	return func() tea.Msg {
		out := map[string]string{}
		for _, l := range logins {
			u, err := people.UserByLogin(context.Background(), l)
			if err != nil {
				return resolvedMsg{act: act, err: fmt.Errorf("finding the UUID of %s: %w", l, err)}
			}
			out[strings.ToLower(l)] = u.UUID
		}
		act.batches = batches
		act.verb += note
		return resolvedMsg{act: act, uuids: out}
	}
}

func (m *Model) onResolved(msg resolvedMsg) tea.Cmd {
	if msg.err != nil {
		m.setErr(fmt.Errorf("%s: %w; nothing was sent", msg.act.verb, msg.err))
		return nil
	}
	batches := msg.act.batches
	for i := range batches {
		b := &batches[i]
		if b.AssigneeUUID != nil && *b.AssigneeUUID == "" && b.AssigneeUID != "" {
			u := msg.uuids[strings.ToLower(b.AssigneeUID)]
			b.AssigneeUUID = &u
		}
	}
	return m.sendPlanned(msg.act, batches, "")
}

// retry sends the last action again for the rows it could not change.
func (m *Model) retry() tea.Cmd {
	last := m.last
	if last == nil || len(last.refused) == 0 {
		m.say("nothing was refused")
		return nil
	}
	ids := make([]string, 0, len(last.refused))
	for _, id := range last.change.IDs {
		if _, ok := last.refused[id]; ok {
			ids = append(ids, id)
		}
	}
	m.marks = map[string]struct{}{}
	for _, id := range ids {
		m.marks[id] = struct{}{}
	}
	c := last.change
	c.IDs, c.Before = nil, nil
	return m.begin(last.verb, c)
}
