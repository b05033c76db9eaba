package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/list"
	"github.com/falcon-triage/falcon-triage/ui/modal"
	"github.com/falcon-triage/falcon-triage/ui/people"
	"github.com/falcon-triage/falcon-triage/ui/triage"
)

// The ten ways late answers fooled the first console, each replayed with
// the answers held back and released in the worst order.

// setStatus puts rows into a known state on the service, as another
// analyst would.
func setStatus(t *testing.T, h *harness, s model.Status, ids ...string) {
	t.Helper()
	if _, err := h.other().Update(t.Context(), model.Change{IDs: ids, Status: &s}); err != nil {
		t.Fatal(err)
	}
}

func setAssignee(t *testing.T, h *harness, uuid string, ids ...string) {
	t.Helper()
	if _, err := h.other().Update(t.Context(), model.Change{IDs: ids, AssigneeUUID: &uuid}); err != nil {
		t.Fatal(err)
	}
}

// other is the service as another analyst reaches it: not through this
// console's audit log.
func (h *harness) other() model.Backend { return h.src.Backend.(api.Audited).Backend }

func loaded(t *testing.T, h *harness, mod ...func(*Options)) *driver {
	t.Helper()
	o := h.options(t)
	for _, f := range mod {
		f(&o)
	}
	d := newDriver(t, o)
	d.settle()
	if len(d.m.list.IDs()) == 0 {
		t.Fatal("no rows")
	}
	return d
}

// 1. An assignment whose login needs a lookup lands on the rows targeted
// when enter was pressed, not on those marked when the lookup answers.
func TestLateLookupAssignsTheRowsChosenAtEnter(t *testing.T) {
	h := newHarness(t, 200)
	user := h.fake.Users()[3]
	d := loaded(t, h)
	ids := d.m.list.IDs()
	d.markIDs(ids[0], ids[1])
	// A login whose UUID the console does not know: enter in the picker
	// on "Login …" assigns it so, and the runner looks it up.
	d.m.dir.Forget(user.UID)
	d.queue(d.m.choose(modal.Assign{User: model.User{UID: user.UID}, Targets: d.m.list.Targets()}))
	d.run()
	if holds[triage.LookupMsg](d) != 1 {
		t.Fatalf("no login lookup in flight: %s", d.heldTypes())
	}
	// Meanwhile the analyst moves on: unmarks those rows, marks another.
	d.markIDs(ids[0], ids[1])
	d.cursorTo(5)
	d.key("space")
	deliver[triage.LookupMsg](d)
	d.settle()
	for _, id := range ids[:2] {
		if got := fakeField(t, h, id, "assigned_to_uid"); got != user.UID {
			t.Fatalf("%s: assigned to %v, want %s", id, got, user.UID)
		}
	}
	for _, p := range h.fake.Patches() {
		if slices.Contains(p, ids[5]) || slices.Contains(p, ids[6]) {
			t.Fatalf("a row marked after enter was assigned: %v", p)
		}
	}
}

// 2. A refused filter typed while the next page loads leaves paging alive.
func TestRefusedFilterWhilePagingKeepsPaging(t *testing.T) {
	h := newHarness(t, 600)
	d := loaded(t, h, func(o *Options) { o.IDChunk = 60 })
	before := len(d.m.list.IDs())
	d.key("G") // far: the next page is asked for
	d.run()
	if holds[list.IDsMsg](d) != 1 {
		t.Fatalf("no page in flight: %s", d.heldTypes())
	}
	page := d.held[0].(list.IDsMsg)
	d.held = d.held[1:]
	d.key("/")
	d.field().SetValue("created_timestamp:>'soon'") // passes the console's check; the service refuses it
	d.key("enter")
	d.run()
	deliver[list.IDsMsg](d) // the refusal
	if in := d.field(); in.Err() == "" || in.Checking() || in.Value() != "created_timestamp:>'soon'" || d.m.list.Pending() {
		t.Fatal("the refusal did not come back to the filter line with the text as typed")
	}
	d.send(page) // the old page, late
	d.key("esc")
	d.settle()
	if got := len(d.m.list.IDs()); got <= before || !d.m.list.Done() {
		t.Fatalf("paging froze after the refused filter: %d rows loaded of %d, done %v", got, d.m.list.Total(), d.m.list.Done())
	}
	if d.m.busy() {
		t.Fatal("the console still says it is loading")
	}
}

// 3. A detail read started before a close lands after it: the row keeps
// the close.
func TestReadStartedBeforeAWriteDoesNotUndoIt(t *testing.T) {
	h := newHarness(t, 100)
	d := newDriver(t, h.options(t))
	d.run()
	deliver[list.IDsMsg](d) // the page; its details read leaves now, with the old values
	d.run()
	if holds[list.DetailsMsg](d) != 1 {
		t.Fatalf("no details read in flight: %s", d.heldTypes())
	}
	id := d.m.list.CursorID()
	if fakeField(t, h, id, "status") == "closed" {
		setStatus(t, h, model.StatusNew, id)
	}
	d.key("s", "c")
	d.run()
	deliver[triage.PreReadMsg](d)
	d.run() // the close is sent and applied
	deliver[list.DetailsMsg](d)
	if got := d.row(id).Status; got != model.StatusClosed {
		t.Fatalf("the late read put %s back over the close", got)
	}
	deliver[triage.BatchMsg](d)
	d.settle()
	if got := d.row(id).Status; got != model.StatusClosed || fakeField(t, h, id, "status") != "closed" {
		t.Fatalf("after the re-read the row shows %s", got)
	}
}

// 4. R after a partly refused undo sends each refused row its own previous
// value.
func TestRetryOfAPartlyRefusedUndoSendsEachRowItsOwnValue(t *testing.T) {
	h := newHarness(t, 100)
	ids := listed(t, h, 2)
	setStatus(t, h, model.StatusInProgress, ids[0])
	setStatus(t, h, model.StatusNew, ids[1])
	d := loaded(t, h)
	d.markIDs(ids...)
	d.key("s", "c")
	d.settle()
	h.fake.SetFaults(fake.Faults{RefuseIDs: map[string]bool{ids[1]: true}})
	d.key("u")
	d.settle()
	if !strings.Contains(d.m.bar.Word().Text, "1 refused") {
		t.Fatalf("undo: %s", d.m.bar.Word().Text)
	}
	h.fake.SetFaults(fake.Faults{})
	d.key("R")
	d.settle()
	for id, want := range map[string]string{ids[0]: "in_progress", ids[1]: "new"} {
		if got := fakeField(t, h, id, "status"); got != want {
			t.Fatalf("%s is %v after the retried undo, was %s before the close", id, got, want)
		}
	}
}

// 5. The comment draft stays whenever it was not applied.
func TestCommentDraftSurvivesEveryRefusal(t *testing.T) {
	h := newHarness(t, 100)
	draft := "checked with the owner, benign"
	type step func(d *driver)
	write := func(d *driver) {
		d.key("c")
		d.typeText(draft)
	}
	for name, run := range map[string]step{
		"another action is sending": func(d *driver) {
			d.key("s", "i")
			d.run() // the pre-read, held
			write(d)
			d.key("ctrl+s")
		},
		"the pre-read fails": func(d *driver) {
			write(d)
			h.fake.SetFaults(fake.Faults{Fail5xx: 50})
			d.key("ctrl+s")
			d.settle()
			h.fake.SetFaults(fake.Faults{})
		},
		"the confirmation is cancelled": func(d *driver) {
			d.m.o.ConfirmThreshold = 1
			d.key("space", "space")
			write(d)
			d.key("ctrl+s", "n")
		},
		"the conflict prompt is cancelled": func(d *driver) {
			id := d.m.list.CursorID()
			write(d)
			setStatus(t, h, model.StatusReopened, id)
			d.key("ctrl+s")
			d.settle()
			if !strings.Contains(d.screen(), "changed since you saw them") {
				t.Fatalf("no conflict prompt:\n%s", d.screen())
			}
			d.key("n")
		},
	} {
		t.Run(name, func(t *testing.T) {
			d := loaded(t, h)
			run(d)
			if got := d.m.stack.Draft(); got != draft {
				t.Fatalf("the draft is %q", got)
			}
		})
	}
	// And applied, it goes.
	d := loaded(t, h)
	write(d)
	d.key("ctrl+s")
	d.settle()
	if d.m.stack.Draft() != "" {
		t.Fatal("the applied comment stayed as a draft")
	}
}

// 6. Marks made while an action sends stay; the V anchor does not outlive
// esc and new queries.
func TestMarksSurviveTheEndOfAnAction(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	ids := d.m.list.IDs()
	d.markIDs(ids[0], ids[1])
	d.key("s", "i")
	d.run()
	deliver[triage.PreReadMsg](d)
	d.run()
	d.markIDs(ids[4])
	d.settle()
	for _, id := range []string{ids[0], ids[1], ids[4]} {
		if !d.m.list.Marked(id) {
			t.Fatalf("%s lost its mark when the action ended", id)
		}
	}
	d.key("esc")
	if !strings.Contains(d.m.bar.Word().Text, "3 marks cleared") {
		t.Fatalf("esc said %q", d.m.bar.Word().Text)
	}
	d.key("M")
	if d.m.list.MarkCount() != 3 {
		t.Fatal("M did not bring the marks back")
	}
	d.key("esc")
	d.cursorTo(2)
	d.key("space")
	d.key("esc", "r")
	d.settle()
	d.cursorTo(11)
	d.key("V")
	if n := d.m.list.MarkCount(); n != 1 {
		t.Fatalf("V after esc and r marked %d rows", n)
	}
}

// 7. Undo of a bulk assignment on Detects sends each row to its own
// previous assignee.
func TestUndoOfABulkAssignmentRestoresEachAssignee(t *testing.T) {
	h := newHarness(t, 100)
	users := h.fake.Users()
	ids := listed(t, h, 3)
	setAssignee(t, h, users[0].UUID, ids[0])
	setAssignee(t, h, users[1].UUID, ids[1])
	setAssignee(t, h, users[3].UUID, ids[2])
	d := loaded(t, h)
	d.markIDs(ids...)
	d.m.dir = people.New(nil) // Detects rows name logins only: the UUIDs must be looked up
	d.queue(d.m.choose(modal.Assign{User: model.User{UUID: users[2].UUID, UID: users[2].UID}, Targets: d.m.list.Targets()}))
	d.settle()
	for _, id := range ids {
		if fakeField(t, h, id, "assigned_to_uid") != users[2].UID {
			t.Fatalf("%s was not assigned", id)
		}
	}
	d.key("u")
	d.settle()
	for id, want := range map[string]any{ids[0]: users[0].UID, ids[1]: users[1].UID, ids[2]: users[3].UID} {
		if got := fakeField(t, h, id, "assigned_to_uid"); got != want {
			t.Fatalf("%s is assigned to %v after undo, want %v", id, got, want)
		}
	}
}

// 8. Undo puts tags back, goes through the conflict check, steps back
// through the history past comments, and never re-applies itself.
func TestUndoIsAHistory(t *testing.T) {
	t.Run("refused tag rolls back", func(t *testing.T) {
		h := newBackendHarness(t, "alerts", 100)
		d := loaded(t, h)
		id := d.m.list.CursorID()
		h.fake.SetFaults(fake.Faults{RefuseIDs: map[string]bool{id: true}})
		d.key("T")
		d.typeText("triaged")
		d.key("enter")
		d.settle()
		if slices.Contains(d.row(id).Tags, "triaged") {
			t.Fatal("a refused tag stays on screen")
		}
	})
	t.Run("a verdict's tag goes with its undo", func(t *testing.T) {
		h := newBackendHarness(t, "alerts", 100)
		d := loaded(t, h)
		id := d.m.list.CursorID()
		setStatus(t, h, model.StatusNew, id)
		d.key("r")
		d.settle()
		wasTags := fakeTags(t, h, id)
		d.key("s", "t")
		d.settle()
		if got := fakeTags(t, h, id); len(got) != len(wasTags)+1 {
			t.Fatalf("the verdict left tags %v", got)
		}
		d.key("u")
		d.settle()
		if got := fakeTags(t, h, id); !slices.Equal(got, wasTags) {
			t.Fatalf("undo left tags %v, were %v", got, wasTags)
		}
		if got, _ := h.fake.Alert(id); got["status"] != "new" {
			t.Fatalf("undo left status %v", got["status"])
		}
	})
	t.Run("undo checks for another analyst's change", func(t *testing.T) {
		h := newHarness(t, 100)
		id := listed(t, h, 1)[0]
		setStatus(t, h, model.StatusNew, id)
		d := loaded(t, h)
		d.key("s", "i")
		d.settle()
		setStatus(t, h, model.StatusReopened, id)
		d.key("u")
		d.settle()
		if !strings.Contains(d.screen(), "changed since you saw them") {
			t.Fatalf("undo overwrote another analyst's change without asking:\n%s", d.screen())
		}
		d.key("s")
		d.settle()
		if fakeField(t, h, id, "status") != "reopened" {
			t.Fatal("skip still sent the undo")
		}
	})
	t.Run("several levels, comments skipped, no undo of undo", func(t *testing.T) {
		h := newHarness(t, 100)
		users := h.fake.Users()
		// Assigned to someone: Detects cannot take an assignee away, so
		// an assignment from nobody has no undo there.
		setAssignee(t, h, users[0].UUID, listed(t, h, 1)...)
		d := loaded(t, h)
		id := d.m.list.CursorID()
		wasStatus, wasWho := fakeField(t, h, id, "status"), fakeField(t, h, id, "assigned_to_uid")
		d.key("s", "i")
		d.settle()
		d.queue(d.m.choose(modal.Assign{User: model.User{UUID: users[4].UUID, UID: users[4].UID}, Targets: []string{id}}))
		d.settle()
		d.key("c")
		d.typeText("looked at it")
		d.key("ctrl+s")
		d.settle()
		d.key("u")
		d.settle()
		if !strings.Contains(d.m.bar.Word().Text, "comment cannot be unsent") {
			t.Fatalf("the comment was not skipped with a word: %q", d.m.bar.Word().Text)
		}
		if got := fakeField(t, h, id, "assigned_to_uid"); got != wasWho && !(wasWho == nil && got == "") {
			t.Fatalf("first u left the assignee %v, want %v", got, wasWho)
		}
		d.key("u")
		d.settle()
		if got := fakeField(t, h, id, "status"); got != wasStatus {
			t.Fatalf("second u left status %v, want %v", got, wasStatus)
		}
		patches := len(h.fake.Patches())
		d.key("u")
		d.settle()
		if len(h.fake.Patches()) != patches || strings.Contains(d.m.bar.Word().Text, "Undo of “Undo") {
			t.Fatalf("a third u sent something: %q", d.m.bar.Word().Text)
		}
		d.key("ctrl+r")
		d.settle()
		if fakeField(t, h, id, "status") != "in_progress" {
			t.Fatal("redo did not put the status back")
		}
		if len(h.fake.Comments(id)) != 1 {
			t.Fatal("the comment was sent twice")
		}
	})
}

func fakeTags(t *testing.T, h *harness, id string) []string {
	t.Helper()
	a, ok := h.fake.Alert(id)
	if !ok {
		t.Fatalf("no alert %s", id)
	}
	var out []string
	switch tags := a["tags"].(type) {
	case []string:
		out = slices.Clone(tags)
	case []any:
		for _, x := range tags {
			out = append(out, x.(string))
		}
	}
	slices.Sort(out)
	return out
}

// 9. Quit now sends nothing that has not started and records it as not
// sent; what had left finishes. The batches go to writers at once; the
// first three hold the send slots (a gate keeps them in flight).
func TestQuitNowSendsNothingMore(t *testing.T) {
	h := newHarness(t, 300)
	d := loaded(t, h)
	gate := &gated{Backend: d.m.b, entered: make(chan struct{}, 100), release: make(chan struct{})}
	d.backend(smallBatches{gate})
	d.key("ctrl+a")
	d.key("s", "c")
	d.run()
	deliver[triage.PreReadMsg](d) // the writers start; three take the slots
	marked := running(d).Batches  // a row each; the closed ones are sent nothing
	for range triage.MaxConcurrentBatches {
		<-gate.entered
	}
	d.key("ctrl+c")
	close(gate.release)
	d.m.Close(hangBound)
	d.settle()
	if !d.quit {
		t.Fatal("ctrl+c did not quit")
	}
	if got := len(h.fake.Patches()); got != triage.MaxConcurrentBatches {
		t.Fatalf("%d batches reached the service, want the %d in flight at quit now", got, triage.MaxConcurrentBatches)
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
}

// gated holds every update until released.
type gated struct {
	model.Backend
	entered chan struct{}
	release chan struct{}
}

func (g *gated) Update(ctx context.Context, c model.Change) (model.UpdateResult, error) {
	g.entered <- struct{}{}
	<-g.release
	return g.Backend.Update(ctx, c)
}

func (g *gated) NotSent(c model.Change, why string) {
	if l, ok := g.Backend.(triage.NotSentLogger); ok {
		l.NotSent(c, why)
	}
}

func TestReplacedQueryIsCancelled(t *testing.T) {
	h := newHarness(t, 300)
	d := loaded(t, h)
	old := d.m.list.Context()
	d.key("o", "o")
	d.settle()
	if old.Err() == nil {
		t.Fatal("the replaced query's reads go on")
	}
	if d.m.ctx.Err() != nil || d.m.list.Context().Err() != nil {
		t.Fatal("the new query was cancelled")
	}
}

// smallBatches sends one row per batch, so a few rows make a queue.
type smallBatches struct{ model.Backend }

func (smallBatches) MaxIDs() int { return 1 }

func (s smallBatches) NotSent(c model.Change, why string) {
	if l, ok := s.Backend.(triage.NotSentLogger); ok {
		l.NotSent(c, why)
	}
}

// 10. Update never writes a file: the session and history are written by
// commands.
func TestUpdateWritesNoFile(t *testing.T) {
	h := newHarness(t, 100)
	o := h.options(t)
	d := newDriver(t, o)
	d.settle()
	session := filepath.Join(o.StateDir, sessionFile)
	os.Remove(session)
	d.key("o", "o")
	d.run()
	deliver[list.IDsMsg](d) // the new query lands: the session changes
	if _, err := os.Stat(session); err == nil {
		t.Fatal("Update wrote the session file itself")
	}
	d.settle()
	if _, err := os.Stat(session); err != nil {
		t.Fatalf("the session was never written: %v", err)
	}
}

// brokenLog answers every update as the audit decorator does when the
// service applied it and the log could not record the result (a full
// disk), until mended.
type brokenLog struct {
	model.Backend
	broken bool
	checks int
}

type auditErr struct{ error }

func (auditErr) AuditFailed() bool { return true }
func (e auditErr) Unwrap() error   { return e.error }

func (b *brokenLog) Update(ctx context.Context, c model.Change) (model.UpdateResult, error) {
	res, err := b.Backend.Update(ctx, c)
	if err == nil && b.broken {
		err = auditErr{errors.New("write audit.jsonl: no space left on device")}
	}
	return res, err
}

func (b *brokenLog) CheckLog() error {
	b.checks++
	if b.broken {
		return errors.New("write audit.jsonl: no space left on device")
	}
	return nil
}

func TestAuditLogFailureIsAppliedAndStopsWrites(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	bl := &brokenLog{Backend: d.m.b, broken: true}
	d.backend(bl)
	id := d.m.list.CursorID()
	setStatus(t, h, model.StatusNew, id)
	d.key("r")
	d.settle()
	d.key("s", "i")
	d.settle()
	if !strings.Contains(d.m.bar.Word().Text, "1 of 1 applied") || !strings.Contains(d.m.bar.Word().Text, "applied; the audit log failed: write audit.jsonl: no space left") {
		t.Fatalf("message %q", d.m.bar.Word().Text)
	}
	if d.row(id).Status != model.StatusInProgress || fakeField(t, h, id, "status") != "in_progress" {
		t.Fatal("the applied change was rolled back on screen")
	}
	patches := len(h.fake.Patches())
	d.key("s", "c")
	d.settle()
	if len(h.fake.Patches()) != patches || !strings.Contains(d.m.bar.Word().Text, "still cannot be written") {
		t.Fatalf("a change was sent while the log fails: %q", d.m.bar.Word().Text)
	}
	bl.broken = false
	d.key("s", "c")
	d.settle()
	d.key("s", "c")
	d.settle()
	if fakeField(t, h, id, "status") != "closed" || bl.checks != 2 {
		t.Fatalf("writes did not resume once the log could be written (%d checks)", bl.checks)
	}
}
