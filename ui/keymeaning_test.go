package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/list"
	"github.com/falcon-triage/falcon-triage/ui/modal"
	"github.com/falcon-triage/falcon-triage/ui/triage"
)

// Every key means what the analyst meant: answers land while the analyst
// types, and none of them changes what the next key does. Each test holds
// an answer back, types meanwhile, and releases it at the worst moment.

// other is a status the row does not have, for another analyst's change.
func otherStatus(t *testing.T, h *harness, id string) model.Status {
	t.Helper()
	if fakeField(t, h, id, "status") == string(model.StatusIgnored) {
		return model.StatusReopened
	}
	return model.StatusIgnored
}

// A conflict found while the analyst types a filter waits for the field to
// close: the o of odin is the filter's, not "overwrite".
func TestConflictWaitsWhileTheAnalystTypesAFilter(t *testing.T) {
	h := newHarness(t, 200)
	d := loaded(t, h)
	id := d.m.list.CursorID()
	other := otherStatus(t, h, id)
	setStatus(t, h, other, id) // another analyst, after the row was read
	sent := len(h.fake.Patches())
	d.key("s", "c")
	d.run() // the pre-read leaves
	d.key("/")
	d.typeText("device.hostname:'")
	deliver[triage.PreReadMsg](d) // finds the conflict
	d.run()
	d.typeText("odin'")
	if in, ok := d.m.stack.Top().(*modal.Input); !ok || in.Value() != "device.hostname:'odin'" {
		t.Fatalf("the filter line lost keys to the conflict: top %s", d.top())
	}
	if len(h.fake.Patches()) != sent || fakeField(t, h, id, "status") != string(other) {
		t.Fatal("a key typed in the filter line overwrote the other analyst's change")
	}
	if !strings.Contains(d.screen(), "⚑ after this: Status → Closed: 1 row changed since you saw it") {
		t.Fatalf("the footer does not say a question waits:\n%s", d.screen())
	}
	// Back at the list the question opens, and takes no key until seen.
	d.key("esc")
	p, ok := d.m.stack.Top().(*modal.Prompt)
	if !ok || !strings.Contains(p.Text, "changed since you saw them") {
		t.Fatalf("the conflict did not open at the list: top %s", d.top())
	}
	d.key("o") // typed as it appeared: meant for the list
	if d.m.stack.Top() != p || len(h.fake.Patches()) != sent {
		t.Fatal("a key pressed before the question was drawn answered it")
	}
	d.arm()
	d.key("n")
	d.settle()
	if len(h.fake.Patches()) != sent || fakeField(t, h, id, "status") != string(other) {
		t.Fatal("cancelling the conflict sent the close")
	}
}

// The confirmation an assignment asks after its login lookup waits too: a
// y typed in the filter line confirms nothing.
func TestConfirmationAfterALookupWaitsForTheField(t *testing.T) {
	h := newHarness(t, 200)
	user := h.fake.Users()[3]
	d := loaded(t, h, func(o *Options) { o.ConfirmThreshold = 1 })
	ids := d.m.list.IDs()
	d.markIDs(ids[0], ids[1])
	d.m.dir.Forget(user.UID) // no UUID known: the login is looked up
	d.queue(d.m.choose(modal.Assign{User: model.User{UID: user.UID}, Targets: d.m.list.Targets()}))
	d.run()
	if holds[triage.LookupMsg](d) != 1 {
		t.Fatalf("no lookup in flight: %s %q", d.heldTypes(), d.m.bar.Word().Text)
	}
	d.key("/")
	d.typeText("status:'new'+assigned_to_name:'")
	deliver[triage.LookupMsg](d)
	d.run()
	d.typeText("yves'")
	if in, ok := d.m.stack.Top().(*modal.Input); !ok || !strings.HasSuffix(in.Value(), "'yves'") {
		t.Fatalf("the filter line lost its y: top %s", d.top())
	}
	if a := running(d); a.Verb == "" || holds[triage.PreReadMsg](d) > 0 {
		t.Fatal("the typed y confirmed the assignment")
	}
	d.key("esc")
	p, ok := d.m.stack.Top().(*modal.Prompt)
	if !ok || !strings.Contains(p.Text, "Assign") {
		t.Fatalf("the confirmation did not open at the list: top %s", d.top())
	}
	d.arm()
	d.key("y")
	d.settle()
	for _, id := range ids[:2] {
		if got := fakeField(t, h, id, "assigned_to_uid"); got != user.UID {
			t.Fatalf("%s: assigned to %v after y, want %s", id, got, user.UID)
		}
	}
}

// The picker holds the person chosen, not a place in its list: a search
// that answers after ↓ and re-sorts the list does not move enter onto
// someone else.
func TestPickerChoiceSurvivesALateSearch(t *testing.T) {
	h := newHarness(t, 200)
	users := h.fake.Users()
	var dana, hana, ivan model.User
	for _, u := range users {
		mu := model.User{UID: u.UID, UUID: u.UUID, FirstName: u.FirstName, LastName: u.LastName}
		switch u.FirstName {
		case "Dana":
			dana = mu
		case "Hana":
			hana = mu
		case "Ivan":
			ivan = mu
		}
	}
	d := loaded(t, h)
	id := d.m.list.CursorID()
	// What the console knew before the search: Dana and Ivan.
	for _, u := range users {
		d.m.dir.Forget(u.UID)
	}
	d.m.dir.Learn(dana)
	d.m.dir.Learn(ivan)
	d.key("a")
	d.typeText("an")
	d.run() // the people search leaves
	d.key("down")
	if sc := ansi.Strip(d.screen()); !strings.Contains(sc, "▶ Ivan") {
		t.Fatalf("↓ did not choose Ivan:\n%s", sc)
	}
	deliver[modal.Msg](d) // the search: Hana comes in, before Ivan
	sc := ansi.Strip(d.screen())
	box := sc[strings.Index(sc, "person › an"):]
	if !strings.Contains(box, hana.Name()) || strings.Index(box, hana.Name()) > strings.Index(box, ivan.Name()) {
		t.Fatalf("the search did not put Hana before Ivan:\n%s", sc)
	}
	d.key("enter")
	d.settle()
	if got := fakeField(t, h, id, "assigned_to_uid"); got != ivan.UID {
		t.Fatalf("enter assigned %v; the analyst chose %s", got, ivan.UID)
	}
}

// In the picker m is a letter like any other: typing "mensah" looks for
// Mensah, and never assigns the analyst; m then enter does.
func TestTypingMInThePickerSearches(t *testing.T) {
	h := newHarness(t, 200)
	me := h.fake.Users()[0]
	d := loaded(t, h, func(o *Options) { o.Me = model.User{UID: me.UID, UUID: me.UUID, FirstName: me.FirstName} })
	id := d.m.list.CursorID()
	sent := len(h.fake.Patches())
	d.key("a")
	d.typeText("mensah")
	d.settle()
	if d.top() != "picker" || !strings.Contains(ansi.Strip(d.screen()), "person › mensah") || len(h.fake.Patches()) != sent {
		t.Fatalf("typing mensah did something else: top %s, %d updates sent", d.top(), len(h.fake.Patches())-sent)
	}
	d.key("enter")
	d.settle()
	if got := fakeField(t, h, id, "assigned_to_uid"); got != "kofi.mensah@corp.example" {
		t.Fatalf("enter after mensah assigned %v", got)
	}
	d.key("a", "m", "enter")
	d.settle()
	if got := fakeField(t, h, id, "assigned_to_uid"); got != me.UID {
		t.Fatalf("m enter assigned %v, not the analyst", got)
	}
}

// A mark-all stopped with esc answers late: it marks nothing, and does not
// stop the mark-all asked after it.
func TestStoppedMarkAllDoesNotStopTheNext(t *testing.T) {
	h := newHarness(t, 114)
	d := loaded(t, h, func(o *Options) { o.IDChunk = 40 })
	d.key("*", "y")
	d.run()
	first := takeLast[list.AllIDsMsg](d) // the mark-all, held back
	d.key("esc")                         // stops it
	d.key("*", "y")
	d.run()
	d.send(first) // the stopped one, late
	if n := d.m.list.MarkCount(); n != 0 {
		t.Fatalf("the stopped mark-all marked %d rows", n)
	}
	deliver[list.AllIDsMsg](d)
	if n, total := d.m.list.MarkCount(), d.m.list.Total(); n != total || n < 100 {
		t.Fatalf("the second mark-all marked %d of %d rows", n, total)
	}
}

// A query asked before the detail was opened lands while the analyst reads:
// the detail stays on its row and the cursor on the row it was on, so the
// next s acts on the row being read, not on row 0.
func TestLandingQueryKeepsTheDetailAndTheRow(t *testing.T) {
	h := newHarness(t, 200)
	d := loaded(t, h)
	d.key("r") // a refresh: the query leaves
	d.run()
	d.key("j", "j", "j")
	d.key("enter")
	id := d.m.list.CursorID()
	if d.m.detail == nil || d.m.detail.ID() != id {
		t.Fatal("the detail did not open")
	}
	deliver[list.IDsMsg](d) // the refresh lands
	if d.m.detail == nil || d.m.detail.ID() != id {
		t.Fatal("the landing query closed the detail being read")
	}
	if got := d.m.list.CursorID(); got != id {
		t.Fatalf("the cursor moved to %s from %s", got, id)
	}
	d.key("s", "c")
	d.settle()
	if fakeField(t, h, id, "status") != "closed" {
		t.Fatal("s did not act on the row being read")
	}
	for _, p := range h.fake.Patches() {
		if len(p) != 1 || p[0] != id {
			t.Fatalf("an update went to %v, not to the row being read %s", p, id)
		}
	}
}

// A change every target already holds sends nothing and says so: s f on a
// row already Closed · FP sends no PATCH.
func TestChangeTheRowsHoldSendsNothing(t *testing.T) {
	for _, backend := range []string{"alerts", "detects"} {
		t.Run(backend, func(t *testing.T) {
			h := newBackendHarness(t, backend, 100)
			d := loaded(t, h)
			d.key("s", "f")
			d.settle()
			id := d.m.list.CursorID()
			if got := d.row(id); got.Status != model.StatusFalsePositive && got.Verdict != model.StatusFalsePositive {
				t.Fatalf("the first s f did not apply: %s %s", got.Status, got.Verdict)
			}
			sent := len(h.fake.Patches())
			d.key("s", "f")
			d.settle()
			if n := len(h.fake.Patches()) - sent; n != 0 {
				t.Fatalf("s f on a row already a false positive sent %d updates", n)
			}
			if !strings.Contains(d.m.bar.Word().Text, "nothing sent") || !strings.Contains(d.m.bar.Word().Text, "already holds") {
				t.Fatalf("the message does not say nothing was sent: %q", d.m.bar.Word().Text)
			}
			// Of two rows, only the one that changes is sent.
			d.key("space", "space")
			d.key("s", "f")
			d.settle()
			for _, p := range h.fake.Patches()[sent:] {
				if slices.Contains(p, id) {
					t.Fatalf("the row already a false positive was sent again: %v", p)
				}
			}
			if !strings.Contains(d.m.bar.Word().Text, "already held") {
				t.Fatalf("the message does not count the row left as it was: %q", d.m.bar.Word().Text)
			}
		})
	}
}

// A walk asked before a write and answered after it learns what the
// console wrote or hid: a close (or a hide) of the first rows a new sort
// lists, landing between the sort's question and its first page, leaves no
// row that still matches unlisted, and no hidden row listed.
func TestWalkAskedBeforeAWriteListsEveryRowStillMatching(t *testing.T) {
	for _, c := range []struct {
		name, keys string
		confirm    bool
	}{{"close", "sc", false}, {"hide", "H", true}} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, 120)
			ids := h.fake.IDs()
			setStatus(t, h, model.StatusInProgress, ids...)
			setStatus(t, h, model.StatusNew, ids[:30]...)
			d := loaded(t, h, func(o *Options) { o.IDChunk = 10 })
			d.key("/")
			d.typeText("status:'new'")
			d.key("enter")
			d.settle() // the line closes as its query lands
			d.key("G")
			d.settle()
			listed := d.m.list.IDs()
			if len(listed) < 25 || !d.m.list.Done() {
				t.Fatalf("%d new rows listed", len(listed))
			}
			oldest := listed[len(listed)-5:]
			d.markIDs(oldest...)
			for _, k := range c.keys {
				d.key(string(k))
			}
			if c.confirm {
				d.key("y")
			}
			d.run() // the pre-read leaves
			d.key("O")
			d.run() // oldest first: its first page is read now, before the write
			page := d.held[len(d.held)-1].(list.IDsMsg)
			d.held = d.held[:len(d.held)-1]
			deliver[triage.PreReadMsg](d)
			d.run() // the write is sent and applied
			deliver[triage.BatchMsg](d)
			d.send(page) // the page lands after the write
			d.key("G")
			d.settle()
			shown := map[string]bool{}
			for _, id := range d.m.list.IDs() {
				shown[id] = true
			}
			for _, id := range listed[:len(listed)-5] {
				if !shown[id] {
					t.Errorf("%s still matches the filter and is never listed", id)
				}
			}
			if c.name == "hide" {
				for _, id := range oldest {
					if shown[id] {
						t.Errorf("%s was hidden and is listed in a list that hides hidden rows", id)
					}
				}
			}
			if !d.m.list.Done() {
				t.Fatal("the walk did not end")
			}
		})
	}
}

// esc while a bulk change is sending stops the batches not sent yet: they
// are recorded not sent, their rows put back, the marks stay, and R sends
// exactly them. The batches in flight finish.
func TestEscStopsTheBatchesNotSentYet(t *testing.T) {
	h := newHarness(t, 300)
	ids := h.fake.IDs()
	for i := 0; i < len(ids); i += 1000 {
		setStatus(t, h, model.StatusNew, ids[i:min(i+1000, len(ids))]...)
	}
	before := len(h.fake.Patches())
	d := loaded(t, h)
	gate := &gated{Backend: d.m.b, entered: make(chan struct{}, 100), release: make(chan struct{})}
	d.backend(smallBatches{gate})
	d.key("ctrl+a")
	marked := d.m.list.MarkCount()
	d.key("s", "c")
	d.run()
	deliver[triage.PreReadMsg](d) // the writers start; three take the slots
	for range triage.MaxConcurrentBatches {
		<-gate.entered
	}
	d.key("esc")
	close(gate.release)
	d.run()
	// A batch not sent answers first: the footer does not call it done.
	deliver[triage.BatchMsg](d, func(b triage.BatchMsg) bool { _, sent := b.Outcome(); return !sent })
	if w := d.m.bar.Word().Text; !strings.Contains(w, "stopping: 1 of") || !strings.Contains(w, "1 detection not sent") {
		t.Fatalf("while the batches answer, the footer says %q", w)
	}
	d.settle()
	if n := d.m.list.MarkCount(); n != marked {
		t.Fatalf("esc cleared the marks (%d of %d left) instead of stopping the change", n, marked)
	}
	if got := len(h.fake.Patches()) - before; got != triage.MaxConcurrentBatches {
		t.Fatalf("%d batches reached the service after esc, want the %d in flight", got, triage.MaxConcurrentBatches)
	}
	notSent := 0
	for _, l := range auditLines(t, h) {
		if l.Event == "not_sent" {
			notSent += len(l.IDs)
		}
	}
	if want := marked - triage.MaxConcurrentBatches; notSent != want {
		t.Fatalf("the audit log records %d rows as not sent, want %d", notSent, want)
	}
	if !strings.Contains(d.m.bar.Word().Text, "not sent (stopped with esc; R sends them)") {
		t.Fatalf("the message: %q", d.m.bar.Word().Text)
	}
	closed := 0
	for _, id := range d.m.list.Marks() {
		if d.row(id).Status == model.StatusClosed {
			closed++
		}
	}
	if closed != triage.MaxConcurrentBatches {
		t.Fatalf("%d rows show closed, %d were", closed, triage.MaxConcurrentBatches)
	}
	d.key("R")
	d.settle()
	for _, id := range d.m.list.Marks() {
		if fakeField(t, h, id, "status") != "closed" {
			t.Fatalf("%s was not closed by R", id)
		}
	}
	if got := len(h.fake.Patches()) - before; got != marked {
		t.Fatalf("%d updates in all, want one per row: %d", got, marked)
	}
}

// An assignment chosen in the picker the detail opened goes to the row the
// detail shows, not to the rows marked in the list behind it.
func TestAssignInTheDetailActsOnTheRowShown(t *testing.T) {
	h := newHarness(t, 100)
	user := h.fake.Users()[2]
	d := loaded(t, h)
	d.send(teaSize(80, 24))
	ids := d.m.list.IDs()
	d.markIDs(ids[0], ids[1])
	d.cursorTo(4)
	d.key("enter", "a")
	d.typeText(user.UID)
	d.settle()
	sent := len(h.fake.Patches())
	d.key("enter")
	d.settle()
	if p := h.fake.Patches()[sent:]; len(p) != 1 || len(p[0]) != 1 || p[0][0] != ids[4] {
		t.Fatalf("the assignment chosen in the detail went to %v, want the row shown %s", p, ids[4])
	}
}

// A page of the list on screen that lands while another query is asked
// for is kept: backing out of that query leaves paging alive.
func TestPageLandingWhileAQueryIsAskedForIsKept(t *testing.T) {
	h := newHarness(t, 600)
	d := loaded(t, h, func(o *Options) { o.IDChunk = 60 })
	d.key("G") // far: the next page of the list on screen is asked for
	d.run()
	page := d.held[len(d.held)-1].(list.IDsMsg)
	d.held = d.held[:len(d.held)-1]
	d.key("/")
	d.field().SetValue("status:'new'")
	d.key("enter")
	d.run() // the new query leaves, and is held
	d.send(page)
	d.key("esc", "esc") // close the field, drop the query asked for
	d.settle()
	if !d.m.list.Done() || d.m.list.Current().Filter != "" {
		t.Fatalf("paging froze: %d rows loaded of %d, done %v", len(d.m.list.IDs()), d.m.list.Total(), d.m.list.Done())
	}
}

// Another analyst closed the row as a true positive; the analyst, who sees
// it new, closes it: nothing is sent, since the row already holds that
// status, and the row shows what the service holds rather than what the
// analyst last saw.
func TestNothingSentShowsTheRowAsTheServiceHoldsIt(t *testing.T) {
	h := newBackendHarness(t, "alerts", 50)
	d := loaded(t, h)
	id := d.m.list.CursorID()
	st := model.StatusTruePositive
	if _, err := h.other().Update(t.Context(), model.Change{IDs: []string{id}, Status: &st}); err != nil {
		t.Fatal(err)
	}
	if d.row(id).Status == model.StatusClosed {
		t.Fatal("the row was closed before the other analyst's change")
	}
	d.key("s", "c")
	d.settle()
	if !strings.Contains(d.m.bar.Word().Text, "nothing sent") {
		t.Fatalf("the footer says %q", d.m.bar.Word().Text)
	}
	if got := d.row(id); got.Status != model.StatusClosed || got.Verdict != model.StatusTruePositive {
		t.Fatalf("the row shows %s/%s, the service holds closed as a true positive", got.Status, got.Verdict)
	}
}

// Without me in the config the picker does not promise "m enter: me": it
// says how to set it, and m searches as any letter does.
func TestThePickerWithoutMeSaysHowToSetIt(t *testing.T) {
	h := newHarness(t, 50)
	d := loaded(t, h)
	d.key("a")
	d.typeText("m")
	sc := ansi.Strip(d.screen())
	if strings.Contains(sc, "m enter: me") || !strings.Contains(sc, "me: set me.login in the config file") {
		t.Fatalf("the picker without me:\n%s", sc)
	}
}

// The analyst types on in the filter line while its query is checked: the
// query landing does not close the line under the typing, so the letters
// typed after it (s, c) stay text and start nothing.
func TestALandingQueryDoesNotCloseALineBeingTyped(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	sent := len(h.fake.Patches())
	d.key("/")
	d.field().SetValue("status:'new'")
	d.key("enter")
	d.typeText("+")
	d.settle() // the query lands
	d.typeText("sc")
	if d.top() != "field:filter" || d.field().Value() != "status:'new'+sc" {
		t.Fatalf("after the landing the line is %q with %q", d.top(), d.field().Value())
	}
	if running(d).Verb != "" || len(h.fake.Patches()) != sent {
		t.Fatalf("the typed letters started %q", running(d).Verb)
	}
	if got := d.m.list.Current().Filter; got != "status:'new'" {
		t.Fatalf("the list shows %q", got)
	}
	// Unchanged since enter, the line closes as the query lands.
	d.field().SetValue("status:'closed'")
	d.key("enter")
	d.settle()
	if d.top() != "" || d.m.list.Current().Filter != "status:'closed'" {
		t.Fatalf("after enter the line is %q and the list shows %q", d.top(), d.m.list.Current().Filter)
	}
}

// A second change while the first has not finished sends nothing and says
// which was not sent, without promising a draft there is none of.
func TestASecondChangeWhileTheFirstRunsSaysWhatWasNotSent(t *testing.T) {
	h := newHarness(t, 50)
	d := loaded(t, h)
	sent := len(h.fake.Patches())
	d.key("s", "c")
	d.key("s", "i")
	w := d.m.bar.Word().Text
	if !strings.Contains(w, "wait: Status → Closed has not finished") || !strings.Contains(w, "Status → In progress was not sent") ||
		strings.Contains(w, "draft") {
		t.Fatalf("the footer says %q", w)
	}
	d.settle()
	if n := len(h.fake.Patches()) - sent; n > 1 {
		t.Fatalf("%d updates sent for one change", n)
	}
}

// A mark-all answers after the filter changed: it marks nothing of a query
// no longer on screen, and says why.
func TestAMarkAllOfAQueryLeftMarksNothing(t *testing.T) {
	h := newHarness(t, 114)
	d := loaded(t, h, func(o *Options) { o.IDChunk = 40 })
	d.key("*", "y")
	d.run()
	all := takeLast[list.AllIDsMsg](d) // the mark-all, held back
	d.key("/")
	d.field().SetValue("status:'new'")
	d.key("enter")
	d.settle() // the new query lands
	d.send(all)
	if n := d.m.list.MarkCount(); n != 0 {
		t.Fatalf("a mark-all of the query left marked %d rows", n)
	}
	if w := d.m.bar.Word().Text; !strings.Contains(w, "the filter changed") {
		t.Fatalf("the footer says %q", w)
	}
}

// Another analyst changed the row and changed it back: the values are as
// the analyst saw them, but the row was touched since (its update time
// moved), so the change asks first.
func TestARowChangedAndChangedBackStillAsks(t *testing.T) {
	h := newHarness(t, 50)
	d := loaded(t, h)
	id := d.m.list.CursorID()
	was := d.row(id).Status
	other := model.StatusInProgress
	if was == other {
		other = model.StatusNew
	}
	for _, s := range []model.Status{other, was} {
		if _, err := h.other().Update(t.Context(), model.Change{IDs: []string{id}, Status: &s}); err != nil {
			t.Fatal(err)
		}
	}
	sent := len(h.fake.Patches())
	d.key("s", "c")
	d.run()
	deliver[triage.PreReadMsg](d)
	if d.top() != "prompt" && d.m.stack.Waiting() == "" {
		t.Fatalf("no question about the row touched since: top %q, footer %q", d.top(), d.m.bar.Word().Text)
	}
	if len(h.fake.Patches()) != sent {
		t.Fatal("the change was sent without asking")
	}
}

// While a conflict prompt is in front, the footer shows its answers, not
// the list's keys (which would not work); while it arms, no key at all.
func TestTheFooterShowsTheConflictPromptsAnswers(t *testing.T) {
	h := newHarness(t, 200)
	d := loaded(t, h)
	id := d.m.list.CursorID()
	setStatus(t, h, otherStatus(t, h, id), id) // another analyst, after the row was read
	d.key("s", "c")
	d.run()                       // the pre-read leaves
	deliver[triage.PreReadMsg](d) // finds the conflict
	d.run()
	p, ok := d.m.stack.Top().(*modal.Prompt)
	if !ok {
		t.Fatalf("no conflict prompt: top %s", d.top())
	}
	footer := func() string {
		lines := screenLines(ansi.Strip(d.screen()))
		return lines[len(lines)-1]
	}
	if f := footer(); strings.Contains(f, "mark") || strings.Contains(f, p.Answers[0][1]) {
		t.Errorf("while the prompt arms the footer shows %q", f)
	}
	d.arm()
	f := footer()
	for _, a := range append(p.Answers, [2]string{"esc", "cancel"}) {
		if !strings.Contains(f, a[0]+" "+a[1]) {
			t.Errorf("the footer does not offer %q: %q", a[0]+" "+a[1], f)
		}
	}
	if strings.Contains(f, "space mark") || strings.Contains(f, "/ filter") {
		t.Errorf("the footer still shows the list's keys: %q", f)
	}
}
