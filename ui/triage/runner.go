// Package triage is the triage runner: one action at a time, from the key
// press to the last re-read, and the history undo and redo walk.
//
// An action captures its target ids (and what the screen showed of them)
// when its key is pressed, and every answer it gets (a login lookup, the
// pre-read, a batch, a re-read) names the action it belongs to. Nothing here
// reads "the rows under the cursor" when an answer arrives. The runner
// shares the row store and the people directory with the other parts, and
// hands back what the console must show or ask (Out); it imports no other
// part.
package triage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// errStopped is why an action's batches not yet sent are not: esc stopped
// it while it was sending.
var errStopped = errors.New("stopped with esc")

// MaxConcurrentBatches bounds the updates in flight at once; the transport
// paces them under the tenant's rate budget.
const MaxConcurrentBatches = 3

type actionKind int

const (
	kindChange actionKind = iota
	kindUndo
	kindRedo
	kindRetry
)

// action is one analyst decision applied to a set of rows.
type action struct {
	id     int
	kind   actionKind
	verb   string // "Status → Closed", "Assign → …", "Undo: …"
	change model.Change
	// targets are the ids captured when the key was pressed; seen is what
	// the console showed of them then, to catch another analyst's changes.
	targets []string
	seen    map[string]model.Values
	// outOfView counts the targets not on screen when the key was pressed,
	// for the confirmation's words.
	outOfView int
	// draft: the key of the comment draft the action sends, cleared once
	// applied ("": none).
	draft string
	// entry is the history entry an undo or a redo walks.
	entry *histEntry
	// planned are a retry's batches: exactly the values the rows were meant
	// to get.
	planned []model.Change
	ctx     context.Context
	cancel  context.CancelCauseFunc // errStopped: esc stopped it; nil: it ended or the console quit

	before  map[string]model.Values // the fresh read just before sending
	fresh   map[string]model.Detection
	batches []model.Change
	done    int
	applied []string
	unknown []string
	notSent []string
	unsent  map[string]bool // notSent, by id
	refused map[string]string
	trace   string
	note    string
	sent    bool // its batches have gone to the writers
	young   map[string]bool
	same    int // rows an undo found as they were already
}

// histEntry is one action of the history: the full before and after of every
// row it changed, so undo and redo put back exactly that.
type histEntry struct {
	act     int // the id of the action that made it
	verb    string
	change  model.Change // the change as the analyst asked it
	touched model.Touched
	ids     []string // applied, or of unknown outcome (re-read decides)
	before  map[string]model.Values
	after   map[string]model.Values
	comment bool // a comment alone: it cannot be unsent
	// hosts: a containment (contain.go), which the console sends.
	hosts *Containment
}

type Runner struct {
	Deps
	b       model.Backend
	f       model.Fields
	out     Out // what the call under way hands back
	seq     int
	active  *action
	last    *action // the last finished action: its refused rows for R and ✗
	history []*histEntry
	pos     int // history[:pos] are done, history[pos:] undone
	rereads int // re-reads of written rows in flight
	// unsure are the rows a write left of unknown outcome that no re-read
	// has found since: the list marks them ?.
	unsure map[string]bool
	sem    chan struct{}
	writes *sync.WaitGroup
	// auditErr stops every write while the audit log cannot be written:
	// nothing is sent that the log cannot record.
	auditErr string
}

// New makes the runner; Connected gives it the backend.
func New(d Deps) *Runner {
	return &Runner{Deps: d, sem: make(chan struct{}, MaxConcurrentBatches), writes: &sync.WaitGroup{}, unsure: map[string]bool{}}
}

func (r *Runner) busy() bool { return r.active != nil || r.rereads > 0 }

// refused says why the last action could not change a row, or "".
func (r *Runner) refused(id string) string {
	if r.last == nil {
		return ""
	}
	if r.last.unsent[id] {
		return "not sent"
	}
	return r.last.refused[id]
}

// stop stops the batches of the action sending that have not left yet:
// they are recorded not sent, their rows put back, and R offers them
// again. Those in flight finish. It reports whether there was one to stop.
func (r *Runner) stop() (*action, bool) {
	a := r.active
	if a == nil || !a.sent || a.done >= len(a.batches) || context.Cause(a.ctx) != nil {
		return nil, false
	}
	a.cancel(errStopped)
	return a, true
}

// LookupMsg answers the lookup of an assignee's UUID.
type LookupMsg struct {
	act  *action
	user model.User
	err  error
}

// PreReadMsg answers the read of an action's rows just before sending.
type PreReadMsg struct {
	act   *action
	stamp uint64
	found []model.Detection
	err   error
}

// ResolvedMsg answers the lookup of the UUIDs an undo puts back.
type ResolvedMsg struct {
	act   *action
	uuids map[string]string
	err   error
}

// BatchMsg answers one batch: applied, refused, of unknown outcome, or
// not sent.
type BatchMsg struct {
	act     *action
	batch   model.Change
	res     model.UpdateResult
	err     error
	notSent bool
}

// RereadMsg answers the read of the rows an action changed.
type RereadMsg struct {
	act   *action
	stamp uint64
	ids   []string
	found []model.Detection
	err   error
}

// update takes the answers that belong to an action. An answer for an
// action that is not the one running is dropped: it cannot happen, since
// one runs at a time, and if it did it must land nowhere else.
func (r *Runner) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case LookupMsg:
		if msg.act != r.active {
			return nil
		}
		return r.onLookup(msg)
	case PreReadMsg:
		if msg.act != r.active {
			return nil
		}
		return r.onPreRead(msg)
	case ResolvedMsg:
		if msg.act != r.active {
			return nil
		}
		if msg.err != nil {
			return r.endAction(msg.act, fmt.Errorf("%s: %w; nothing was sent", msg.act.verb, msg.err))
		}
		for i := range msg.act.batches {
			b := &msg.act.batches[i]
			if needsUUID(*b) {
				u := msg.uuids[strings.ToLower(b.AssigneeUID)]
				b.AssigneeUUID = &u
			}
		}
		return r.send(msg.act)
	case BatchMsg:
		return r.onBatch(msg)
	case RereadMsg:
		r.onReread(msg)
	case AuditCheckMsg:
		r.onAuditCheck(msg)
	case OwedMsg:
		r.onOwed(msg)
	}
	return nil
}

// OwedMsg answers the read back, at start, of the rows an earlier run left
// of unknown outcome.
type OwedMsg struct {
	rb  model.ReadBack
	err error
}

// ReadBackOwed reads again the rows earlier runs left of unknown outcome
// (a quit or a failed read came before their re-read), if the backend keeps
// a record of them: the audit log then says what became of them.
func (r *Runner) ReadBackOwed() tea.Cmd {
	o, ok := r.b.(model.OwedReader)
	if !ok || r.ReadOnly {
		return nil
	}
	ctx := r.Ctx
	return func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return OwedMsg{err: err} })
		rb, err := o.ReadBackOwed(ctx)
		if err == nil && rb.Rows+rb.Missing == 0 {
			return nil // nothing was owed
		}
		return OwedMsg{rb: rb, err: err}
	}
}

func (r *Runner) onOwed(msg OwedMsg) {
	switch rb := msg.rb; {
	case msg.err != nil:
		if r.Ctx.Err() == nil {
			r.setErr(fmt.Errorf("reading again the rows an earlier run left of unknown outcome: %w (the next start tries again)", msg.err))
		}
	case rb.Rows+rb.Missing > 0:
		n := rb.Rows + rb.Missing
		text := fmt.Sprintf("%s %s an earlier run left of unknown outcome, read again: %s applied, %s not", screen.Commas(n),
			r.rowWord(n), screen.Commas(rb.Applied), screen.Commas(rb.NotApplied))
		if rb.Missing > 0 {
			text += fmt.Sprintf(", %s not found (still unknown)", screen.Commas(rb.Missing))
		}
		r.out.Flash = &Flash{Text: text + " (audit log)", Err: rb.NotApplied+rb.Missing > 0, Notice: true}
	}
}

// newAction captures the targets and what the console shows of them now.
func (r *Runner) newAction(kind actionKind, verb string, c model.Change, targets []string) *action {
	r.seq++
	a := &action{id: r.seq, kind: kind, verb: verb, change: c, targets: slices.Clone(targets),
		seen: map[string]model.Values{}, refused: map[string]string{}}
	if r.OutOfView != nil && len(targets) > r.ConfirmThreshold {
		a.outOfView = r.OutOfView(targets) // as the screen is now, not when a lookup answers
	}
	for _, id := range a.targets {
		if r.Rows.Unread(id) {
			continue // the console's own write, not read back yet
		}
		if d, ok := r.Rows.Peek(id); ok {
			a.seen[id] = model.ValuesOf(d)
		}
	}
	return a
}

// begin starts an action: after a login lookup when the assignee has no
// known UUID, a confirmation when it is large or hides rows, then the
// pre-read. The draft it may carry stays until it is applied.
func (r *Runner) begin(a *action) tea.Cmd {
	if r.ReadOnly {
		r.say("read-only: writes are disabled")
		return nil
	}
	if r.active != nil {
		doing := "is still being sent"
		if !r.active.sent {
			doing = "has not finished (it may wait for your answer)"
		}
		kept := ""
		if a.draft != "" {
			kept = "; the comment draft is kept"
		}
		r.say(fmt.Sprintf("wait: %s %s: %s was not sent%s", r.active.verb, doing, a.verb, kept))
		return nil
	}
	if r.auditErr != "" {
		if l, ok := r.b.(logChecker); ok {
			return r.checkAuditLog(l)
		}
		r.auditErr = "" // nothing to check: the backend keeps no log
	}
	if len(a.targets) == 0 {
		r.say("no row to act on")
		return nil
	}
	a.ctx, a.cancel = context.WithCancelCause(r.Ctx)
	r.active = a
	if c := a.change; c.AssigneeUUID != nil && *c.AssigneeUUID == "" && c.AssigneeUID != "" && a.kind == kindChange {
		if u := r.Dir.UUIDOf(c.AssigneeUID); u != "" {
			a.change.AssigneeUUID = &u
		} else {
			return r.lookup(a)
		}
	}
	return r.confirm(a, false)
}

// lookup finds the UUID of the login an assignment names.
func (r *Runner) lookup(a *action) tea.Cmd {
	login := a.change.AssigneeUID
	if r.People == nil || r.Dir.Denied() != "" {
		return r.endAction(a, fmt.Errorf("no UUID known for %s and user lookups are unavailable: add its uuid to the team in the config file", login))
	}
	people := r.People
	r.say("finding " + login + "…")
	return tea.Batch(func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return LookupMsg{act: a, err: err} })
		u, err := people.UserByLogin(a.ctx, login)
		if err != nil {
			return LookupMsg{act: a, err: fmt.Errorf("finding %s: %w", login, err)}
		}
		return LookupMsg{act: a, user: u}
	})
}

func (r *Runner) onLookup(msg LookupMsg) tea.Cmd {
	a := msg.act
	if msg.err != nil {
		return r.endAction(a, fmt.Errorf("%s: %w; nothing was sent", a.verb, msg.err))
	}
	if msg.user.UUID == "" {
		return r.endAction(a, fmt.Errorf("%s: the service named no UUID for %s; nothing was sent", a.verb, a.change.AssigneeUID))
	}
	r.Dir.Learn(msg.user)
	u := msg.user.UUID
	a.change.AssigneeUUID = &u
	return r.confirm(a, true)
}

// confirm asks first when the action is large or hides rows; afterLookup:
// an answer asks, and the question waits for the analyst (raise).
func (r *Runner) confirm(a *action, afterLookup bool) tea.Cmd {
	n := len(a.targets)
	c := a.change
	hide := c.ShowInUI != nil && !*c.ShowInUI && c.Status == nil && c.Comment == ""
	if n <= r.ConfirmThreshold && !hide {
		return r.preRead(a)
	}
	text := fmt.Sprintf("%s: %s %s?", a.verb, screen.Commas(n), r.rowWord(n))
	if out := a.outOfView; out > 0 {
		text += fmt.Sprintf(" (%s of them not in view)", screen.Commas(out))
	}
	if hide && r.b.Name() == "detects" {
		text += " The Detects service may not allow a hide to be undone."
	}
	r.out.Ask = &Question{Text: text, Answers: [][2]string{{"y", "go"}, {"n", "cancel"}}, Tag: confirmPrompt{a},
		Raised: afterLookup, What: a.verb + " asks you to confirm", Owner: a}
	return nil
}

// confirmPrompt asks to confirm a large action, or a hide.
type confirmPrompt struct{ a *action }

func (r *Runner) onConfirm(t confirmPrompt, key string) tea.Cmd {
	if t.a != r.active {
		return nil
	}
	if key != "y" {
		return r.endAction(t.a, nil)
	}
	return r.preRead(t.a)
}

// conflictPrompt asks what to do with the rows another analyst changed:
// kept are the rows still there, per their changes.
type conflictPrompt struct {
	a         *action
	kept      []string
	per       map[string]model.Change
	conflicts []model.Conflict
}

func (r *Runner) onConflict(t conflictPrompt, key string) tea.Cmd {
	a, kept := t.a, t.kept
	if a != r.active {
		return nil
	}
	switch key {
	case "o":
		return r.resolveThenSend(a, kept, t.per)
	case "s":
		skip := map[string]bool{}
		for _, c := range t.conflicts {
			skip[c.ID] = true
		}
		kept = slices.DeleteFunc(slices.Clone(kept), func(id string) bool { return skip[id] })
		if len(kept) == 0 {
			return r.endAction(a, nil, "every row had changed: nothing was sent")
		}
		return r.resolveThenSend(a, kept, t.per)
	}
	return r.endAction(a, nil)
}

// preRead reads the rows just before sending: what the analyst saw may be
// stale, and undo decides from the service's state, not the screen's.
func (r *Runner) preRead(a *action) tea.Cmd {
	b, ctx, stamp := r.b, a.ctx, r.Rows.Stamp()
	// Rows read a moment ago (the page that listed them, a re-read) are
	// not read again: only the others.
	var young []model.Detection
	var stale []string
	for _, id := range a.targets {
		if d, ok := r.Rows.Young(id, r.FreshFor); ok {
			young = append(young, *d)
			if a.young == nil {
				a.young = map[string]bool{}
			}
			a.young[id] = true
		} else {
			stale = append(stale, id)
		}
	}
	r.say(fmt.Sprintf("%s: checking %s %s…", a.verb, screen.Commas(len(a.targets)), screen.Plural(len(a.targets), "row")))
	return tea.Batch(func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return PreReadMsg{act: a, stamp: stamp, err: err} })
		if len(stale) == 0 {
			return PreReadMsg{act: a, stamp: stamp, found: young}
		}
		found, _, err := b.Details(ctx, stale)
		return PreReadMsg{act: a, stamp: stamp, found: append(found, young...), err: err}
	})
}

func (r *Runner) onPreRead(msg PreReadMsg) tea.Cmd {
	a := msg.act
	if msg.err != nil {
		return r.endAction(a, fmt.Errorf("%s: reading the rows before sending failed, nothing was sent: %w", a.verb, msg.err))
	}
	// The screen shows what was just read (not the cache's own copies of
	// recent rows), whatever comes of the action: a row another analyst
	// changed shows their change, also when nothing is sent.
	r.Rows.Store(msg.stamp, slices.DeleteFunc(slices.Clone(msg.found), func(d model.Detection) bool { return a.young[d.ID] }))
	a.before = make(map[string]model.Values, len(msg.found))
	a.fresh = make(map[string]model.Detection, len(msg.found))
	for _, d := range msg.found {
		a.before[d.ID] = model.ValuesOf(&d)
		a.fresh[d.ID] = d
	}
	var kept []string
	gone := 0
	for _, id := range a.targets {
		if _, ok := a.fresh[id]; ok {
			kept = append(kept, id)
		} else {
			gone++
			r.out.Unmark = append(r.out.Unmark, id)
		}
	}
	if gone > 0 {
		a.note = fmt.Sprintf("%d %s no longer exist and %s left out", gone, r.rowWord(gone), screen.Agree(gone, "was", "were"))
	}
	if len(kept) == 0 {
		return r.endAction(a, nil, a.verb+": "+a.note+": nothing was sent")
	}
	per, conflicts := r.plan(a, kept)
	if len(conflicts) == 0 {
		return r.resolveThenSend(a, kept, per)
	}
	var lines []string
	for i, c := range conflicts {
		if i == 3 {
			lines = append(lines, fmt.Sprintf("… and %d more", len(conflicts)-3))
			break
		}
		host := a.fresh[c.ID].Device.Hostname
		lines = append(lines, screen.Sanitize(cmp.Or(host, c.ID))+": "+screen.Sanitize(c.Describe()))
	}
	r.out.Ask = &Question{
		Text: fmt.Sprintf("%d of %d %s changed since you saw them:\n%s\n%s sets only: %s", len(conflicts), len(kept),
			screen.Plural(len(kept), "row"), strings.Join(lines, "\n"), a.verb, describe(a)),
		Answers: [][2]string{{"o", "send to them too"}, {"s", "skip them"}, {"n", "cancel"}},
		Tag:     conflictPrompt{a: a, kept: kept, per: per, conflicts: conflicts},
		Raised:  true, Owner: a,
		What: fmt.Sprintf("%s: %d %s changed since you saw %s", a.verb, len(conflicts),
			screen.Plural(len(conflicts), "row"), screen.Agree(len(conflicts), "it", "them")),
	}
	return nil
}

// plan works out each row's change and the rows another analyst changed:
// since the console last read them (any field), or, for an undo or a redo,
// in the fields it would put back.
func (r *Runner) plan(a *action, ids []string) (map[string]model.Change, []model.Conflict) {
	per := make(map[string]model.Change, len(ids))
	planned := map[string]model.Change{}
	if a.kind == kindRetry {
		for _, b := range a.planned {
			for _, id := range b.IDs {
				c := b
				c.IDs, c.Before = nil, nil
				planned[id] = c
			}
		}
	}
	var conflicts []model.Conflict
	check := func(id string, expect model.Values, t model.Touched) {
		fresh := a.before[id]
		moved := !model.Same(t, expect, fresh)
		if seen, ok := a.seen[id]; ok {
			moved = moved || !seen.Updated.IsZero() && !seen.Updated.Equal(fresh.Updated) || !model.Same(model.AllFields, seen, fresh)
			if moved && model.Same(t, expect, fresh) {
				expect = seen
			}
		}
		if moved {
			conflicts = append(conflicts, model.Conflict{ID: id, Seen: expect, Fresh: fresh})
		}
	}
	for _, id := range ids {
		fresh := a.before[id]
		switch a.kind {
		case kindUndo:
			e := a.entry
			if model.Same(e.touched, fresh, e.before[id]) {
				a.same++ // nothing to undo: never applied, or already put back
				continue
			}
			per[id] = model.Revert(e.touched, fresh, e.before[id])
			check(id, e.after[id], e.touched)
		case kindRedo:
			e := a.entry
			if after, ok := e.after[id]; ok && model.Same(e.touched, fresh, after) {
				a.same++ // its undo was refused: it holds the change still
				continue
			}
			c := a.change
			c.IDs = nil
			per[id] = c
			check(id, e.before[id], e.touched)
		default:
			c := a.change
			if p, ok := planned[id]; ok {
				c = p // a retry sends exactly what the row was meant to get
			}
			if r.holds(c, a.fresh[id]) {
				a.same++ // nothing to send: it holds the change already
				continue
			}
			per[id] = c
			if seen, ok := a.seen[id]; ok {
				check(id, seen, model.AllFields)
			}
		}
	}
	return per, conflicts
}

// holds reports a row that already holds what c would set, as the backend
// sends it (on Alerts a verdict is the close and its tag): sending it would
// change nothing. A comment always changes something.
func (r *Runner) holds(c model.Change, d model.Detection) bool {
	if c.Comment != "" {
		return false
	}
	return r.b.Effective(c).Holds(d)
}

// describe says what an action changes, for the conflict prompt.
func describe(a *action) string {
	if a.kind == kindUndo {
		return "the fields it changed, back as they were"
	}
	c := a.change
	if a.kind == kindRetry && len(a.planned) > 0 {
		c = a.planned[0]
	}
	return c.Describe()
}

// needsUUID is a batch that assigns by login alone.
func needsUUID(c model.Change) bool {
	return c.AssigneeUUID != nil && *c.AssigneeUUID == "" && c.AssigneeUID != ""
}

// resolveThenSend groups the rows by their change and finds the UUIDs of
// assignees known by login only (an undo on Detects, whose summaries carry
// logins), each login on its own.
func (r *Runner) resolveThenSend(a *action, ids []string, per map[string]model.Change) tea.Cmd {
	if a.kind == kindChange {
		ids = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { _, ok := per[id]; return !ok })
		// A comment without a status travels on Detects with each row's
		// own visibility, which the service demands.
		visible := make(map[string]bool, len(ids))
		for _, id := range ids {
			visible[id] = a.fresh[id].ShowInUI
		}
		c := a.change
		c.IDs = ids
		a.batches = c.Batches(r.b.MaxIDs(), visible, r.b.Name() == "detects")
	} else {
		a.batches = model.Group(ids, per, r.b.MaxIDs())
	}
	if len(a.batches) == 0 {
		r.step(a) // an undo with nothing left to put back still steps past its entry
		return r.endAction(a, nil, a.verb+": nothing sent: "+screen.Agree(len(a.targets), "the row already holds", "the rows already hold")+" those values")
	}
	var logins []string
	for i := range a.batches {
		b := &a.batches[i]
		if !needsUUID(*b) {
			continue
		}
		if u := r.Dir.UUIDOf(b.AssigneeUID); u != "" {
			b.AssigneeUUID = &u
		} else if !slices.Contains(logins, strings.ToLower(b.AssigneeUID)) {
			logins = append(logins, strings.ToLower(b.AssigneeUID))
		}
	}
	if len(logins) == 0 {
		return r.send(a)
	}
	if r.People == nil {
		return r.endAction(a, fmt.Errorf("%s: no way to find the UUID of %s (add it to the team in the config file); nothing was sent", a.verb, logins[0]))
	}
	people, ctx := r.People, a.ctx
	return func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return ResolvedMsg{act: a, err: err} })
		out := map[string]string{}
		for _, l := range logins {
			u, err := people.UserByLogin(ctx, l)
			if err != nil {
				return ResolvedMsg{act: a, err: fmt.Errorf("finding the UUID of %s: %w", l, err)}
			}
			if u.UUID == "" {
				return ResolvedMsg{act: a, err: fmt.Errorf("the service named no UUID for %s", l)}
			}
			out[l] = u.UUID
		}
		return ResolvedMsg{act: a, uuids: out}
	}
}

// send applies each batch to its rows at once (optimistic), marks them
// written, and sends the batches, a few at a time, in order.
func (r *Runner) send(a *action) tea.Cmd {
	var cmds []tea.Cmd
	a.sent = true
	n := 0
	turn := make(chan struct{})
	close(turn) // the first batch's turn to take a send slot
	for i := range a.batches {
		b := &a.batches[i]
		b.Before = a.before
		b.Action = a.id
		b.Walk, b.Walks = a.walk()
		r.Rows.BeginWrite(b.IDs)
		for _, id := range b.IDs {
			d := a.fresh[id]
			r.preview(*b, &d)
			r.Rows.Put(d)
		}
		n += len(b.IDs)
		next := make(chan struct{})
		cmds = append(cmds, r.sendBatch(a, *b, turn, next))
		turn = next
	}
	r.say(fmt.Sprintf("%s: sending %s %s…", a.verb, screen.Commas(n), screen.Plural(n, "row")))
	return tea.Batch(cmds...)
}

// walk names, for the audit log, the history an undo or a redo walks (a
// retry of one walks it too): "undo" or "redo", and the action whose entry
// it is; "", 0 for any other action.
func (a *action) walk() (string, int) {
	if a.entry == nil {
		return "", 0
	}
	switch a.kind {
	case kindUndo:
		return "undo", a.entry.act
	case kindRedo:
		return "redo", a.entry.act
	}
	return "", 0
}

// logChecker is a backend whose audit log can be checked for writing.
type logChecker interface {
	CheckLog() error
}

// AuditCheckMsg answers whether the audit log can be written again.
type AuditCheckMsg struct{ err error }

// checkAuditLog tries the audit log before any change is sent again.
func (r *Runner) checkAuditLog(l logChecker) tea.Cmd {
	r.setErr(fmt.Errorf("no change was sent: the audit log failed (%s); checking it", r.auditErr))
	return func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return AuditCheckMsg{err: err} })
		return AuditCheckMsg{err: l.CheckLog()}
	}
}

func (r *Runner) onAuditCheck(msg AuditCheckMsg) {
	if msg.err != nil {
		r.auditErr = screen.ErrMessage(msg.err)
		r.setErr(fmt.Errorf("no change was sent: the audit log still cannot be written: %s", r.auditErr))
		return
	}
	r.auditErr = ""
	r.say("the audit log can be written again: changes may be sent (press the key again)")
}

func auditFailed(err error) bool {
	var e interface{ AuditFailed() bool }
	return errors.As(err, &e) && e.AuditFailed()
}

// preview shows on a row what a change will make of it, as the backend
// sends it (on Alerts a verdict is the close and its tag).
func (r *Runner) preview(c model.Change, d *model.Detection) {
	eff := r.b.Effective(c)
	eff.Apply(d)
	d.Verdict = ""
	if d.Status == model.StatusClosed {
		d.Verdict = r.f.VerdictOf(d.Tags)
	}
}

// NotSentLogger is a backend that records the batches a quit kept from
// being sent (the audit log).
type NotSentLogger interface {
	NotSent(c model.Change, why string)
}

// sendBatch hands a batch to a writer goroutine started now, not when Bubble
// Tea runs the command: a quit may end the program before that, and the
// batch must still be sent (q) or recorded as not sent (quit now). The
// command only waits for the writer's answer. The writer takes a send slot
// once turn is closed, and closes next then (or when it gives up).
func (r *Runner) sendBatch(a *action, b model.Change, turn <-chan struct{}, next chan struct{}) tea.Cmd {
	backend, sem, writes, ctx := r.b, r.sem, r.writes, a.ctx
	answer := make(chan BatchMsg, 1)
	writes.Add(1)
	go func() {
		defer writes.Done()
		defer func() {
			// A bug in the writer: whether the batch was applied is not
			// known, and the rows are read again.
			if p := recover(); p != nil {
				answer <- BatchMsg{act: a, batch: b, err: unknownOutcome{screen.InternalError(p)}}
			}
		}()
		answer <- writeBatch(ctx, backend, sem, turn, next, a, b)
	}()
	return func() tea.Msg { return <-answer }
}

// writeBatch sends one batch. The batches of an action take the send slots
// in the order they were made, so a quit now or an esc leaves the last ones
// unsent, never some from the middle.
func writeBatch(ctx context.Context, backend model.Backend, sem chan struct{}, turn <-chan struct{}, next chan struct{},
	a *action, b model.Change) BatchMsg {
	notSent := func() BatchMsg {
		why := "the console was quit before this batch was sent"
		if errors.Is(context.Cause(ctx), errStopped) {
			why = "the analyst stopped the change (esc) before this batch was sent"
		}
		if l, ok := backend.(NotSentLogger); ok {
			l.NotSent(b, why)
		}
		return BatchMsg{act: a, batch: b, notSent: true}
	}
	passed := false
	pass := func() {
		if !passed {
			passed = true
			close(next)
		}
	}
	defer pass()
	select {
	case <-ctx.Done():
		return notSent()
	case <-turn:
	}
	select {
	case <-ctx.Done():
		return notSent()
	case sem <- struct{}{}:
	}
	defer func() { <-sem }()
	if ctx.Err() != nil {
		return notSent()
	}
	pass()
	// Once a batch has left it finishes: cutting it off would only make
	// its outcome unknown.
	res, err := backend.Update(context.WithoutCancel(ctx), b)
	return BatchMsg{act: a, batch: b, res: res, err: err}
}

func (r *Runner) onBatch(msg BatchMsg) tea.Cmd {
	a := msg.act
	a.done++
	r.Rows.EndWrite(msg.batch.IDs)
	if msg.notSent {
		a.notSent = append(a.notSent, msg.batch.IDs...)
		if a.unsent == nil {
			a.unsent = map[string]bool{}
		}
		for _, id := range msg.batch.IDs {
			a.unsent[id] = true
		}
		for _, id := range msg.batch.IDs {
			r.rollback(a, id)
		}
	} else {
		if auditFailed(msg.err) {
			// The service answered; the log could not record it.
			r.auditErr = screen.ErrMessage(cmp.Or(errors.Unwrap(msg.err), msg.err))
		}
		r.settleBatch(a, msg)
	}
	if a.done < len(a.batches) {
		text := fmt.Sprintf("%s: %d of %d batches answered…", a.verb, a.done, len(a.batches))
		if errors.Is(context.Cause(a.ctx), errStopped) {
			text = fmt.Sprintf("%s: stopping: %d of %d batches answered, %s %s not sent (R sends them); those in flight finish…",
				a.verb, a.done, len(a.batches), screen.Commas(len(a.notSent)), r.rowWord(len(a.notSent)))
		}
		r.say(text)
		return nil
	}
	return r.finish(a)
}

// settleBatch sorts the batch's rows by what its answer says of each, read
// as the audit log reads it (model.Settle): the refused roll back, the
// unknown are read again, the rest were applied.
func (r *Runner) settleBatch(a *action, msg BatchMsg) {
	res := model.Settle(msg.batch.IDs, msg.res, msg.err)
	for _, id := range msg.batch.IDs {
		if why, ok := res.Refused[id]; ok {
			a.refused[id] = why
			r.rollback(a, id)
		}
	}
	if len(res.Refused) > 0 {
		a.trace = cmp.Or(a.trace, res.TraceID)
	}
	a.unknown = append(a.unknown, res.Unknown...)
	a.applied = append(a.applied, res.Applied(msg.batch.IDs)...)
	for _, id := range msg.batch.IDs {
		r.unsure[id] = slices.Contains(res.Unknown, id)
		if !r.unsure[id] {
			delete(r.unsure, id)
		}
	}
}

// Glyph is the list's mark of what became of a row's last change: ✗
// refused or not sent (R sends it again), ? of unknown outcome not read
// again yet, or "".
func (r *Runner) Glyph(id string) string {
	switch {
	case r.unsure[id]:
		return "?"
	case r.refused(id) != "":
		return "✗"
	}
	return ""
}

// rollback puts a row back as the pre-read found it.
func (r *Runner) rollback(a *action, id string) {
	if d, ok := a.fresh[id]; ok {
		r.Rows.Put(d)
	}
}

// endAction ends an action that sent nothing: err says why (nil: the
// analyst cancelled). A draft it carried stays.
func (r *Runner) endAction(a *action, err error, say ...string) tea.Cmd {
	if r.active == a {
		r.active = nil
	}
	r.out.Ended = append(r.out.Ended, a)
	if a.cancel != nil {
		a.cancel(nil)
	}
	switch {
	case err != nil:
		r.setErr(err)
	case len(say) > 0:
		r.say(say[0])
	default:
		r.say("cancelled: nothing was sent")
	}
	return nil
}

// finish reports the action, records it in the history, clears a draft it
// applied, and reads back what was sent: the rows then show the service's
// own state, which is the next action's baseline.
func (r *Runner) finish(a *action) tea.Cmd {
	r.active, r.last = nil, a
	a.cancel(nil)
	r.out.Flash = &Flash{Text: r.report(a), Action: a.id,
		Err: len(a.refused) > 0 || len(a.unknown) > 0 || len(a.notSent) > 0 || r.auditErr != ""}
	if a.draft != "" && len(a.applied) > 0 {
		// Only the text that was sent goes: words typed since stay.
		r.out.DraftSent, r.out.DraftFor = a.change.Comment, a.draft
	}
	r.step(a)
	r.out.Applied = len(a.applied) > 0
	r.out.Hidden = hiddenBy(a)
	return r.reread(a)
}

// report says what became of an action's rows.
func (r *Runner) report(a *action) string {
	sent := len(a.applied) + len(a.unknown) + len(a.refused) + len(a.notSent)
	parts := []string{fmt.Sprintf("%s: %s of %s applied", a.verb, screen.Commas(len(a.applied)), screen.Commas(sent))}
	if a.kind == kindChange && a.change.CommentOnly() && len(a.applied) > 0 {
		parts[0] = fmt.Sprintf("Comment added to %s of %s", screen.Commas(len(a.applied)), screen.Commas(sent))
	}
	if n := len(a.refused); n > 0 {
		parts = append(parts, refusal(a))
	}
	if n := len(a.unknown); n > 0 {
		parts = append(parts, fmt.Sprintf("%s of unknown outcome (the answer was lost or unclear): re-reading them, not retrying", screen.Commas(n)))
	}
	if n := len(a.notSent); n > 0 {
		p := fmt.Sprintf("%s not sent", screen.Commas(n))
		if errors.Is(context.Cause(a.ctx), errStopped) {
			p += " (stopped with esc; R sends them)"
		}
		parts = append(parts, p)
	}
	if a.same > 0 {
		parts = append(parts, fmt.Sprintf("%s already held that value", screen.Commas(a.same)))
	}
	if a.note != "" {
		parts = append(parts, a.note)
	}
	if r.auditErr != "" {
		parts = append(parts, "applied; the audit log failed: "+r.auditErr+"; no more changes are sent until it can be written")
	}
	return strings.Join(parts, " · ")
}

// refusal says how many rows were refused, the first reason in the order
// they were sent, the trace id, and what may work instead.
func refusal(a *action) string {
	reason := ""
	for _, b := range a.batches {
		for _, id := range b.IDs {
			if why := a.refused[id]; why != "" && reason == "" {
				reason = why
			}
		}
	}
	p := fmt.Sprintf("%s refused: %s", screen.Commas(len(a.refused)), reason)
	if a.trace != "" {
		p += " (trace id " + a.trace + ")"
	}
	return p + suggestion(a) + "; R retries them"
}

// hiddenBy are the rows an action hid (a hide, an undo of an unhide), which
// leave a list that does not show hidden rows. A comment that travels on
// Detects with a row's own visibility hides nothing.
func hiddenBy(a *action) []string {
	applied := make(map[string]bool, len(a.applied))
	for _, id := range a.applied {
		applied[id] = true
	}
	var hidden []string
	for _, b := range a.batches {
		if b.ShowInUI != nil && !*b.ShowInUI && !(a.kind == kindChange && b.Comment != "" && a.change.ShowInUI == nil) {
			hidden = append(hidden, slices.DeleteFunc(slices.Clone(b.IDs), func(id string) bool { return !applied[id] })...)
		}
	}
	return hidden
}

// reread reads back what an action sent (applied, or of unknown outcome):
// the rows then show the service's own state, the next action's baseline.
func (r *Runner) reread(a *action) tea.Cmd {
	ids := slices.Concat(a.applied, a.unknown)
	if len(ids) == 0 {
		return nil
	}
	r.rereads++
	b, stamp, ctx := r.b, r.Rows.Stamp(), r.Ctx
	batches, wants := a.batches, r.wanted(a)
	return func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return RereadMsg{act: a, stamp: stamp, ids: ids, err: err} })
		found, _, err := b.Details(ctx, ids)
		if l, ok := b.(ReadBackLogger); ok && err == nil && len(wants) > 0 {
			readBack(l, batches, wants, found)
		}
		return RereadMsg{act: a, stamp: stamp, ids: ids, found: found, err: err}
	}
}

// ReadBackLogger is a backend that records what the rows of a batch of
// unknown outcome were found to hold when read again (the audit log).
type ReadBackLogger interface {
	ReadBack(c model.Change, applied, not []string)
}

// wanted is, for each row of unknown outcome, the change its batch sent
// (as sent: Effective), which the row holds if the batch applied.
func (r *Runner) wanted(a *action) map[string]model.Change {
	if len(a.unknown) == 0 {
		return nil
	}
	unknown := make(map[string]bool, len(a.unknown))
	for _, id := range a.unknown {
		unknown[id] = true
	}
	out := map[string]model.Change{}
	for _, b := range a.batches {
		sent := r.b.Effective(b)
		for _, id := range b.IDs {
			if unknown[id] {
				out[id] = sent
			}
		}
	}
	return out
}

// readBack records, batch by batch, which rows of unknown outcome hold
// what their batch sent (applied) and which do not; a row not found stays
// unknown.
func readBack(l ReadBackLogger, batches []model.Change, wants map[string]model.Change, found []model.Detection) {
	for _, b := range batches {
		mine := make(map[string]model.Change, len(b.IDs))
		for _, id := range b.IDs {
			if w, ok := wants[id]; ok {
				mine[id] = w
			}
		}
		if applied, not, _ := settleRead(mine, found); len(applied)+len(not) > 0 {
			l.ReadBack(b, applied, not)
		}
	}
}

// settleRead decides, of the rows want names, which a read found holding
// what was sent (applied), which it found otherwise (not), and which it did
// not find (unread: their outcome stays unknown). A row the answer repeats
// counts once; one it was not asked for, not at all.
func settleRead(want map[string]model.Change, found []model.Detection) (applied, not, unread []string) {
	seen := make(map[string]bool, len(found))
	for i := range found {
		id := found[i].ID
		w, ok := want[id]
		if !ok || seen[id] {
			continue
		}
		seen[id] = true
		if w.Holds(found[i]) {
			applied = append(applied, id)
		} else {
			not = append(not, id)
		}
	}
	for id := range want {
		if !seen[id] {
			unread = append(unread, id)
		}
	}
	slices.Sort(unread)
	return applied, not, unread
}

// step moves the history: a change or a retry of one adds an entry (and
// drops what was undone after it), an undo steps back over its entry, a redo
// forward.
func (r *Runner) step(a *action) {
	changed := slices.Concat(a.applied, a.unknown)
	switch a.kind {
	case kindUndo:
		if i := slices.Index(r.history, a.entry); i >= 0 && (len(changed) > 0 || len(a.batches) == 0) {
			r.pos = i
		}
		return
	case kindRedo:
		if i := slices.Index(r.history, a.entry); i >= 0 && (len(changed) > 0 || len(a.batches) == 0) {
			r.pos = i + 1
		}
		return
	}
	if len(changed) == 0 {
		return
	}
	c := a.change
	c.IDs, c.Before = nil, nil
	e := &histEntry{act: a.id, verb: a.verb, change: c, touched: c.Touches(), ids: changed,
		before: map[string]model.Values{}, after: map[string]model.Values{},
		comment: c.CommentOnly()}
	for _, b := range a.batches {
		for _, id := range b.IDs {
			if slices.Contains(changed, id) {
				d := a.fresh[id]
				r.preview(b, &d)
				e.before[id], e.after[id] = a.before[id], model.ValuesOf(&d)
			}
		}
	}
	a.entry = e
	r.history = append(r.history[:r.pos], e)
	r.pos = len(r.history)
}

func (r *Runner) onReread(msg RereadMsg) {
	r.rereads--
	a := msg.act
	if msg.err != nil {
		if r.Ctx.Err() == nil {
			err := fmt.Errorf("re-reading the rows just changed: %w (r refreshes)", msg.err)
			if n := len(a.unknown); n > 0 {
				err = fmt.Errorf("%s: re-reading the %s of unknown outcome failed, so it stays unknown: %w (the next start reads %s back)",
					a.verb, r.rowWord(n), msg.err, screen.Agree(n, "it", "them"))
			}
			r.setErr(err)
		}
		return
	}
	// What the service now holds is the entry's after: the baseline an
	// undo checks for other analysts' changes (an undo's re-read leaves
	// it, since the entry's after is still what a redo puts back).
	e := a.entry
	if a.kind == kindUndo {
		e = nil
	}
	for _, d := range r.Rows.Fresh(msg.stamp, msg.found) {
		r.Rows.Put(d)
		if e != nil {
			if _, ok := e.before[d.ID]; ok {
				e.after[d.ID] = model.ValuesOf(&d)
			}
		}
	}
	// The message said the outcome of some rows was unknown: now it is,
	// as the audit log's read back tells it.
	if len(a.unknown) == 0 {
		return
	}
	applied, not, unread := settleRead(r.wanted(a), msg.found)
	for _, id := range slices.Concat(applied, not) {
		delete(r.unsure, id)
	}
	text := fmt.Sprintf("%s: of the %s with an unknown outcome, read again: %s applied, %s not", a.verb,
		screen.Commas(len(a.unknown)), screen.Commas(len(applied)), screen.Commas(len(not)))
	if len(unread) > 0 {
		text += fmt.Sprintf(", %s not found (still unknown)", screen.Commas(len(unread)))
	}
	r.out.Flash = &Flash{Follow: true, Text: text, Action: a.id, Err: len(not)+len(unread) > 0}
}

// undo steps back through the history: the newest entry not yet undone
// whose rows can be put back. Comments cannot be unsent: they are skipped
// with a word, not a wall.
func (r *Runner) undo() tea.Cmd {
	i := r.pos - 1
	for i >= 0 && r.history[i].comment {
		i-- // the history moves past them only once the undo is sent
	}
	if i < 0 {
		if r.pos > 0 {
			r.say("a comment cannot be unsent (Falcon keeps comments); nothing older to undo")
			return nil
		}
		r.say("nothing to undo")
		return nil
	}
	e := r.history[i]
	if e.hosts != nil {
		return r.walkHosts(e, i, true)
	}
	a := r.newAction(kindUndo, "Undo of “"+e.verb+"”", model.Change{}, e.ids)
	a.entry = e
	var notes []string
	if e.change.Comment != "" {
		notes = append(notes, "the comment stays: comments cannot be unsent")
	}
	if n := r.pos - 1 - i; n > 0 {
		notes = append(notes, fmt.Sprintf("%d later %s cannot be unsent and %s skipped", n, screen.Plural(n, "comment"), screen.Agree(n, "was", "were")))
	}
	a.note = strings.Join(notes, "; ")
	return r.begin(a)
}

// redo applies again what the last undo put back.
func (r *Runner) redo() tea.Cmd {
	i := r.pos
	for i < len(r.history) && r.history[i].comment {
		i++
	}
	if i >= len(r.history) {
		r.say("nothing to redo")
		return nil
	}
	e := r.history[i]
	if e.hosts != nil {
		return r.walkHosts(e, i, false)
	}
	c := e.change
	c.Comment = "" // a comment was never taken back: it is not posted again
	a := r.newAction(kindRedo, "Redo of “"+e.verb+"”", c, e.ids)
	a.entry = e
	return r.begin(a)
}

// retry sends the rows the last action could not change again, each with
// exactly the values it was meant to get.
func (r *Runner) retry() tea.Cmd {
	last := r.last
	if last == nil || len(last.refused) == 0 && len(last.notSent) == 0 {
		r.say("nothing was refused or left unsent")
		return nil
	}
	var ids []string
	var planned []model.Change
	for _, b := range last.batches {
		c := b
		c.IDs, c.Before = nil, nil
		for _, id := range b.IDs {
			if _, ok := last.refused[id]; ok || last.unsent[id] {
				c.IDs = append(c.IDs, id)
				ids = append(ids, id)
			}
		}
		if len(c.IDs) > 0 {
			planned = append(planned, c)
		}
	}
	verb := strings.TrimPrefix(last.verb, "Retry of ")
	a := r.newAction(kindRetry, "Retry of "+verb, last.change, ids)
	a.planned = planned
	a.draft = last.draft // a comment applied by the retry leaves the draft
	if last.kind == kindUndo || last.kind == kindRedo {
		a.kind = last.kind
		a.entry = last.entry
	}
	return r.begin(a)
}

// suggestion names the nearest status a tenant takes when it refused one
// that tenants differ on (Detects: ignored, reopened).
func suggestion(a *action) string {
	if a.change.Status == nil {
		return ""
	}
	switch *a.change.Status {
	case model.StatusIgnored:
		return "; this tenant may not take ignored: try false positive or closed"
	case model.StatusReopened:
		return "; this tenant may not take reopened: try in progress"
	}
	return ""
}
