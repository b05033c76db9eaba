package triage

import (
	"cmp"
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/people"
	"github.com/falcon-triage/falcon-triage/ui/rows"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// Deps are what the runner needs of the console.
type Deps struct {
	Rows *rows.Store
	Dir  *people.Directory
	// People looks logins up (nil: only the directory's UUIDs).
	People people.People
	// Ctx is the console's root context: a quit now cancels it, and what
	// has not left is not sent.
	Ctx context.Context
	// FreshFor is how recently a row must have been read for an action to
	// trust it without reading it again (negative: always read again).
	FreshFor time.Duration
	// ConfirmThreshold is the number of rows above which an action asks
	// first.
	ConfirmThreshold int
	// ReadOnly refuses every action.
	ReadOnly bool
	// OutOfView counts the ids not among the rows on screen, for the
	// confirmation's words.
	OutOfView func(ids []string) int
}

// Out is what a call to the runner hands back for the console to show or
// ask.
type Out struct {
	Flash *Flash
	// Ask is a question for the analyst; its answer comes back to Answer.
	Ask *Question
	// Unmark are rows that no longer exist; Hidden rows the action hid,
	// which leave a list that does not show hidden rows.
	Unmark, Hidden []string
	// DraftSent is the comment draft's text an action applied, DraftFor
	// the key of that draft (modal.DraftKey of its rows): the draft goes if
	// it still holds that text.
	DraftSent, DraftFor string
	// Applied: rows changed, so counts shown elsewhere are older.
	Applied bool
	// Ended are actions that ended: the questions raised for them go.
	Ended []any
	// Contain is a containment an undo or a redo asks the console to send.
	Contain *Containment
}

// Flash is a word for the footer. Action is the action it reports; Follow:
// it brings that report up to date, and is shown only while the footer
// still shows that action's report.
type Flash struct {
	Text   string
	Err    bool
	Action int
	Follow bool
	// Notice: no key asked for it (what an earlier run left): it stays
	// until another word replaces it.
	Notice bool
}

// Question asks the analyst something with one-key answers. Raised: an
// answer asks it, so it waits for the analyst (What names it meanwhile);
// Owner is the action it is about.
type Question struct {
	Text    string
	Answers [][2]string
	Tag     any
	Raised  bool
	What    string
	Owner   any
}

// Msg is an answer an action asked for: the console routes it back.
type Msg interface{ triageMsg() }

func (LookupMsg) triageMsg()     {}
func (PreReadMsg) triageMsg()    {}
func (ResolvedMsg) triageMsg()   {}
func (BatchMsg) triageMsg()      {}
func (RereadMsg) triageMsg()     {}
func (AuditCheckMsg) triageMsg() {}
func (OwedMsg) triageMsg()       {}

// IDs are the ids the batch carried.
func (b BatchMsg) IDs() []string { return b.batch.IDs }

// Targets are the ids the batch's action captured when its key was pressed.
func (b BatchMsg) Targets() []string { return b.act.targets }

// Err is the batch's error.
func (b BatchMsg) Err() error { return b.err }

// Err is the re-read's error.
func (m RereadMsg) Err() error { return m.err }

// Action is the id of the action whose rows are read again.
func (m RereadMsg) Action() int { return m.act.id }

// Found are the rows the re-read found.
func (m RereadMsg) Found() []model.Detection { return m.found }

// Connected gives the runner the backend.
func (r *Runner) Connected(b model.Backend) { r.b, r.f = b, b.Fields() }

// take hands back what the call under way gathered.
func (r *Runner) take(cmd tea.Cmd) (Out, tea.Cmd) {
	out := r.out
	r.out = Out{}
	return out, cmd
}

// Update takes an answer an action asked for.
func (r *Runner) Update(msg tea.Msg) (Out, tea.Cmd) { return r.take(r.update(msg)) }

// Change starts a change the analyst chose for targets; draft: the key of
// the comment draft it sends, cleared once applied ("": none).
func (r *Runner) Change(verb string, c model.Change, targets []string, draft string) (Out, tea.Cmd) {
	a := r.newAction(kindChange, verb, c, targets)
	a.draft = draft
	return r.take(r.begin(a))
}

// Assign assigns targets to u, finding the UUID of a login first.
func (r *Runner) Assign(u model.User, targets []string) (Out, tea.Cmd) {
	if u.UUID == "" {
		u.UUID = r.Dir.UUIDOf(u.UID)
	}
	uuid := u.UUID
	verb := "Assign → " + cmp.Or(u.Name(), u.UID, uuid)
	return r.Change(verb, model.Change{AssigneeUUID: &uuid, AssigneeUID: u.UID, AssigneeName: u.Name()}, targets, "")
}

// Hide hides the targets, or unhides them when every one is hidden.
func (r *Runner) Hide(targets []string) (Out, tea.Cmd) {
	show, verb := false, "Hide"
	allHidden := len(targets) > 0
	for _, id := range targets {
		if d, ok := r.Rows.Peek(id); !ok || d.ShowInUI {
			allHidden = false
			break
		}
	}
	if allHidden {
		show, verb = true, "Unhide"
	}
	return r.Change(verb, model.Change{ShowInUI: &show}, targets, "")
}

// Undo steps back through the history.
func (r *Runner) Undo() (Out, tea.Cmd) { return r.take(r.undo()) }

// Redo applies again what the last undo put back.
func (r *Runner) Redo() (Out, tea.Cmd) { return r.take(r.redo()) }

// Retry sends again the rows the last action could not change or did not
// send, each with exactly the values it was meant to get.
func (r *Runner) Retry() (Out, tea.Cmd) { return r.take(r.retry()) }

// Answer takes the analyst's answer to a question the runner asked.
func (r *Runner) Answer(tag any, key string) (Out, tea.Cmd) {
	switch t := tag.(type) {
	case confirmPrompt:
		return r.take(r.onConfirm(t, key))
	case conflictPrompt:
		return r.take(r.onConflict(t, key))
	}
	return Out{}, nil
}

// Cancel ends the action that has not been sent yet (a lookup, a pre-read
// or a question in flight): nothing of it is sent. It reports whether
// there was one.
func (r *Runner) Cancel() (Out, bool) {
	a := r.active
	if a == nil || a.sent {
		return Out{}, false
	}
	out, _ := r.take(r.endAction(a, nil, a.verb+": cancelled, nothing was sent"))
	return out, true
}

// Stop stops the batches of the action sending that have not left yet:
// they are recorded not sent, their rows put back, and R offers them
// again. Those in flight finish. It names the action, if there was one.
func (r *Runner) Stop() (string, bool) {
	a, ok := r.stop()
	if !ok {
		return "", false
	}
	return a.verb, true
}

// Refused says why the last action could not change a row ("not sent"
// for a row it did not send), or "".
func (r *Runner) Refused(id string) string { return r.refused(id) }

// Busy reports an action or a re-read in flight.
func (r *Runner) Busy() bool { return r.busy() }

// State is what the footer and the quit prompt say of the action running.
type State struct {
	Verb          string
	Sent          bool
	Done, Batches int
}

// Running is the action running, if any.
func (r *Runner) Running() (State, bool) {
	a := r.active
	if a == nil {
		return State{}, false
	}
	return State{Verb: a.verb, Sent: a.sent, Done: a.done, Batches: len(a.batches)}, true
}

// Wait waits for every batch handed to a writer to be answered or recorded
// not sent.
func (r *Runner) Wait() { r.writes.Wait() }

func (r *Runner) say(s string) { r.out.Flash = &Flash{Text: s} }

func (r *Runner) setErr(err error) { r.out.Flash = &Flash{Text: err.Error(), Err: true} }

// rowWord names n rows as the backend calls them: alerts, or detections.
func (r *Runner) rowWord(n int) string {
	if r.b == nil {
		return screen.RowWord("", n)
	}
	return screen.RowWord(r.b.Name(), n)
}

// unknownOutcome marks a write whose outcome cannot be known.
type unknownOutcome struct{ error }

func (unknownOutcome) OutcomeUnknown() bool { return true }

// Tally counts what became of the rows of the last action that finished.
type Tally struct{ Applied, Unknown, Refused, NotSent int }

// Last tallies the last action that finished.
func (r *Runner) Last() Tally {
	a := r.last
	if a == nil {
		return Tally{}
	}
	return Tally{Applied: len(a.applied), Unknown: len(a.unknown), Refused: len(a.refused), NotSent: len(a.notSent)}
}

// History counts the entries undo and redo walk.
func (r *Runner) History() int { return len(r.history) }

// Outcome is what became of the batch's rows, as the screen and the audit
// log tell it (model.Settle); a batch not sent has none.
func (b BatchMsg) Outcome() (model.UpdateResult, bool) {
	if b.notSent {
		return model.UpdateResult{}, false
	}
	return model.Settle(b.batch.IDs, b.res, b.err), true
}

// Verb names the action an answer belongs to.
func (b BatchMsg) Verb() string { return b.act.verb }

// Action is the id of the action the batch belongs to (Newest when it was
// made).
func (b BatchMsg) Action() int { return b.act.id }

// Walks is, for an undo or a redo (or a retry of one), the id of the
// action whose history entry it puts back (undo) or applies again; else 0.
func (b BatchMsg) Walks() (id int, undo bool) {
	if b.act.entry == nil || (b.act.kind != kindUndo && b.act.kind != kindRedo) {
		return 0, false
	}
	return b.act.entry.act, b.act.kind == kindUndo
}

// Sent is the batch as sent: its ids and the values it set.
func (b BatchMsg) Sent() model.Change { return b.batch }

// Newest is the id of the newest action a key made (0: none yet).
func (r *Runner) Newest() int { return r.seq }
