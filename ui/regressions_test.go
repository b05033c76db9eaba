package ui

import (
	"context"
	"fmt"
	"image/color"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/list"
	"github.com/falcon-triage/falcon-triage/ui/modal"
	"github.com/falcon-triage/falcon-triage/ui/screen"
	"github.com/falcon-triage/falcon-triage/ui/triage"
)

// A. r while a write is in flight: the refreshed screen's read of the
// written row is refused by the write clock, the row stays stale in the
// cache, and ensure asks for it again after every answer: a request loop
// that lasts as long as the batch.
func TestLateRefreshDuringWriteDoesNotLoop(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	id := d.m.list.CursorID()
	setStatus(t, h, model.StatusNew, id)
	d.key("r")
	d.settle()
	d.key("s", "i")
	d.run()
	deliver[triage.PreReadMsg](d)
	d.run() // the batch, held
	if holds[triage.BatchMsg](d) != 1 {
		t.Fatalf("no batch held: %s", d.heldTypes())
	}
	d.key("r")
	d.run()
	deliver[list.IDsMsg](d)
	d.run()
	reads := 0
	for i := 0; i < 20 && holds[list.DetailsMsg](d) > 0; i++ {
		m := deliver[list.DetailsMsg](d)
		d.run()
		reads++
		if i > 0 && (len(m.IDs()) != 1 || m.IDs()[0] != id) {
			t.Logf("read %d: %v", i, m.IDs())
		}
	}
	if reads > 2 {
		t.Fatalf("%d detail reads of the row being written while one batch was in flight", reads)
	}
}

// B. A comment sent, then the comment box reopened and typed in while the
// batch is out: the finish of the first comment wipes the new text.
func TestLateFinishKeepsANewDraft(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	d.key("c")
	d.typeText("first")
	d.key("ctrl+s")
	d.run()
	deliver[triage.PreReadMsg](d)
	d.run() // the batch, held
	d.key("c")
	d.typeText(" and a second thought")
	deliver[triage.BatchMsg](d)
	d.settle()
	if got := d.m.stack.Draft(); !strings.Contains(got, "second thought") {
		t.Fatalf("the text typed while the first comment was sending is gone: draft %q", got)
	}
}

// C. The detail waits for row X; space marks X and moves the list cursor;
// X's read fails: onDetails reopens the detail on the row under the cursor
// now, not the one it was opened for.
func TestLateDetailKeepsItsRowOnALateAnswer(t *testing.T) {
	h := newHarness(t, 100)
	d := newDriver(t, h.options(t))
	d.run()
	deliver[list.IDsMsg](d)
	x := d.m.list.CursorID()
	d.key("enter")
	if d.m.detail == nil || !d.m.detail.Loading() {
		t.Fatal("the detail is not waiting for its row")
	}
	d.key("space")
	h.fake.SetFaults(fake.Faults{Fail5xx: 50})
	d.run()
	deliver[list.DetailsMsg](d)
	h.fake.SetFaults(fake.Faults{})
	if d.m.detail == nil || d.m.detail.ID() != x {
		t.Fatalf("the detail opened for %s now shows %v", x, d.m.detail.ID())
	}
}

// D. esc on a filter that is still being checked: the analyst backed out,
// yet the late answer applies the filter (and records it in the history).
func TestLateEscapedFilterIsDropped(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	d.key("/")
	d.field().SetValue("status:'new'")
	d.key("enter")
	d.key("esc")
	if d.m.stack.Top() != nil {
		t.Fatal("esc did not close the field")
	}
	d.settle()
	if f := d.m.list.Current().Filter; f != "" {
		t.Fatalf("the filter the analyst escaped from was applied: %q", f)
	}
}

// E. The overview does not follow a new search text: only the filter is
// compared.
func TestLateOverviewFollowsTheSearchText(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	d.key("tab")
	d.settle()
	if !d.m.ov.Shown() {
		t.Fatal("tab did not show the overview")
	}
	asked := h.fake.Count("aggregates")
	d.key("?")
	d.key("esc")
	q := d.m.list.Latest()
	q.Q = "mimikatz"
	d.queue(d.m.startQuery(q, nil, -1))
	d.settle()
	if d.m.list.Current().Q != "mimikatz" {
		t.Fatal("the search did not land")
	}
	if h.fake.Count("aggregates") == asked {
		t.Fatalf("the overview still shows the aggregates of the old search text")
	}
}

// L. Two re-reads of one row overlap (two actions back to back): the older
// one lands last-but-one, is refused by the write clock, yet clears the
// row's "rereading" flag while the newer re-read is still out. The next
// action then takes the optimistic row as what the analyst saw, and the
// analyst's own write comes back as "changed since you saw them".
func TestLateOverlappingRereadsFakeNoConflict(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	id := d.m.list.CursorID()
	setStatus(t, h, model.StatusNew, id)
	d.key("r")
	d.settle()
	act := func(keys ...string) {
		d.key(keys...)
		d.run()
		deliver[triage.PreReadMsg](d)
		d.run()
		deliver[triage.BatchMsg](d)
		d.run() // the re-read, held
	}
	act("s", "i")
	act("s", "c")
	if holds[triage.RereadMsg](d) != 2 {
		t.Fatalf("want two re-reads held: %s", d.heldTypes())
	}
	deliver[triage.RereadMsg](d) // the older one
	d.key("s", "f")
	d.run()
	deliver[triage.RereadMsg](d) // the newer one, before the pre-read
	d.run()
	deliver[triage.PreReadMsg](d)
	if strings.Contains(d.screen(), "changed since you saw them") {
		t.Fatalf("the analyst's own close is reported as another analyst's change: %q", d.m.stack.Top().(*modal.Prompt).Text)
	}
}

// F. G (go to the end) then a new query: toEnd, which belonged to the old
// walk, carries over; the new list is loaded to its end and the cursor is
// thrown to its last row.
func TestLateGoToEndStaysWithItsQuery(t *testing.T) {
	h := newHarness(t, 300)
	d := loaded(t, h, func(o *Options) { o.IDChunk = 20 })
	d.key("G")
	d.run()         // the next page, held
	d.key("o", "o") // flip the sort: a new query
	d.settle()
	if c := d.m.list.Cursor(); c != 0 || d.m.list.Heading() {
		t.Fatalf("the new query opened at row %d (toEnd %v), not at the top", c+1, d.m.list.Heading())
	}
}

// G. A screen read cut off by a new query: onDetails compares the error
// with == context.Canceled, so a wrapped cancellation flashes an error.
func TestLateCancelledReadFlashesNoError(t *testing.T) {
	h := newHarness(t, 300)
	d := newDriver(t, h.options(t))
	d.run()
	deliver[list.IDsMsg](d) // the first page; its screen read is queued, not run
	pending := d.cmds
	d.cmds = nil
	d.key("o", "o")
	d.run()
	deliver[list.IDsMsg](d) // the new query lands: the old one's reads are cancelled
	d.cmds = append(d.cmds, pending...)
	d.settle()
	if d.m.bar.Word().Err {
		t.Fatalf("a cancelled read flashed an error: %q", d.m.bar.Word().Text)
	}
}

// I. One failed picker search (a 503 burst) marks user lookups as
// unavailable for the rest of the session: every later assignment by login
// is refused without asking the service.
func TestLateOneFailedSearchLeavesLookupsOn(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	user := h.fake.Users()[3]
	d.key("a")
	h.fake.SetFaults(fake.Faults{Fail5xx: 50})
	d.typeText("zz")
	d.settle()
	h.fake.SetFaults(fake.Faults{})
	d.key("esc")
	d.m.dir.Forget(user.UID)
	id := d.m.list.CursorID()
	d.queue(d.m.choose(modal.Assign{User: model.User{UID: user.UID}, Targets: []string{id}}))
	d.settle()
	if got := fakeField(t, h, id, "assigned_to_uid"); got != user.UID {
		t.Fatalf("assignment after a transient search failure: %q (row assigned to %v)", d.m.bar.Word().Text, got)
	}
}

// goneRows answers every read with no rows: the targets were deleted.
type goneRows struct{ model.Backend }

func (g goneRows) Details(ctx context.Context, ids []string) ([]model.Detection, map[string]string, error) {
	return nil, nil, nil
}

// J. Every target gone by the pre-read: the message says they already hold
// the values, and the note saying they no longer exist is dropped.
func TestLateAllTargetsGoneMessage(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	d.backend(goneRows{d.m.b})
	d.key("space", "j", "space")
	d.key("s", "c")
	d.settle()
	if !strings.Contains(d.m.bar.Word().Text, "no longer exist") {
		t.Fatalf("message %q", d.m.bar.Word().Text)
	}
	// Rows that no longer exist are not left marked for the next key.
	if n := d.m.list.MarkCount(); n != 0 {
		t.Fatalf("%d rows that no longer exist stay marked", n)
	}
}

// K. r while a new sort is being asked for refreshes the old query: the
// sort the analyst asked for is dropped without a word.
func TestLateRefreshKeepsThePendingQuery(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	field := d.m.list.Current().Sort.Field
	d.key("o", "o")
	d.key("r")
	d.settle()
	if d.m.list.Current().Sort.Field == field {
		t.Fatal("r dropped the sort asked for just before")
	}
}

// H. A filter refused after its field was closed comes back on top of
// whatever is open: here the confirmation of an action, which is buried
// while the action stays "being sent".
func TestLateRefusedFilterBuriesNoPrompt(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h, func(o *Options) { o.ConfirmThreshold = 1 })
	d.key("/")
	d.field().SetValue("created_timestamp:>'soon'") // passes the console's check; the service refuses it
	d.key("enter", "esc")
	d.key("space", "space", "s", "c")
	if _, ok := d.m.stack.Top().(*modal.Prompt); !ok {
		t.Fatal("no confirmation")
	}
	d.settle()
	if _, ok := d.m.stack.Top().(*modal.Prompt); !ok {
		t.Fatalf("the confirmation is buried under %s; active action: %v", d.top(), running(d).Verb != "")
	}
}

// What an analyst met in the console after the rebuild, each as a test.

// Redo puts the status back; the comment that undo could not take back is
// not posted again.
func TestLateRedoDoesNotRepostAComment(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	id := d.m.list.CursorID()
	d.key("c")
	d.typeText("benign, verified with the owner")
	d.key("ctrl+t", "f")
	d.settle()
	d.key("u")
	d.settle()
	d.key("ctrl+r")
	d.settle()
	if got := h.fake.Comments(id); len(got) != 1 {
		t.Fatalf("the comment was posted %d times", len(got))
	}
	if fakeField(t, h, id, "status") != "false_positive" {
		t.Fatal("redo did not put the status back")
	}
}

// A comment refused, then applied by R, leaves the draft.
func TestLateRetriedCommentClearsTheDraft(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	id := d.m.list.CursorID()
	h.fake.SetFaults(fake.Faults{RefuseIDs: map[string]bool{id: true}})
	d.key("c")
	d.typeText("third note")
	d.key("ctrl+s")
	d.settle()
	if d.m.stack.Draft() == "" {
		t.Fatal("a refused comment lost its draft")
	}
	h.fake.SetFaults(fake.Faults{})
	d.key("R")
	d.settle()
	if d.m.stack.Draft() != "" {
		t.Fatalf("the draft stays after R applied it: %q", d.m.stack.Draft())
	}
}

// A refused filter's error goes once a good filter lands.
func TestLateFilterErrorGoesWithTheNextQuery(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	d.key("/")
	d.field().SetValue("created_timestamp:>'soon'") // passes the console's check; the service refuses it
	d.key("enter")
	d.settle()
	if !d.m.bar.Word().Err {
		t.Fatal("no error for the refused filter")
	}
	d.field().SetValue("status:'closed'")
	d.key("enter")
	d.settle()
	if d.m.bar.Word().Text != "" {
		t.Fatalf("the old filter's error outlived a good query: %q", d.m.bar.Word().Text)
	}
}

// The confirmation counts the targets off the screen, not off the rows
// loaded.
func TestLateConfirmationCountsRowsOffScreen(t *testing.T) {
	h := newHarness(t, 300)
	d := loaded(t, h)
	rows := d.m.rowsOnScreen()
	d.key("*", "y")
	d.settle()
	n := d.m.list.MarkCount()
	d.key("s", "i")
	d.run()
	p, ok := d.m.stack.Top().(*modal.Prompt)
	if !ok {
		t.Fatalf("no confirmation: %s", d.top())
	}
	if want := fmt.Sprintf("(%s of them not in view)", screen.Commas(n-rows)); !strings.Contains(p.Text, want) {
		t.Fatalf("%q, want %q", p.Text, want)
	}
}

// With the detail open an action takes the detection being read, not
// marks the analyst cannot see.
func TestLateDetailActsOnTheDetectionShown(t *testing.T) {
	h := newHarness(t, 100)
	setStatus(t, h, model.StatusNew, listed(t, h, 5)...) // in progress changes each
	d := loaded(t, h)
	d.send(teaSize(80, 24))
	ids := d.m.list.IDs()
	d.markIDs(ids[0], ids[1])
	d.cursorTo(4)
	d.key("enter")
	sent := len(h.fake.Patches())
	d.key("s")
	if sc := ansi.Strip(d.screen()); !strings.Contains(sc, "Status of 1 detection") {
		t.Fatalf("the status menu in the detail is not for the one detection shown:\n%s", sc)
	}
	d.key("i")
	d.settle()
	if p := h.fake.Patches()[sent:]; len(p) != 1 || len(p[0]) != 1 || p[0][0] != ids[4] {
		t.Fatalf("the status set in the detail went to %v, want the detection shown %s", p, ids[4])
	}
}

// The copy menu copies from the behaviour under the detail's cursor, and
// says what it copied.
func TestLateCopyFollowsTheDetailCursor(t *testing.T) {
	h := newHarness(t, 200)
	d := loaded(t, h)
	var row model.Detection
	for i, id := range d.m.list.IDs() {
		if r, ok := d.m.rows.Peek(id); ok && len(r.Behaviors) > 1 && r.Behaviors[1].SHA256 != r.Behaviors[0].SHA256 {
			d.cursorTo(i)
			row = *r
			break
		}
	}
	if row.ID == "" {
		t.Fatal("no detection with two behaviours")
	}
	d.key("enter")
	if !d.m.detail.Seek("SHA256", 2) {
		t.Fatal("no SHA256 in behaviour 2")
	}
	d.key("y", "s")
	d.run()
	if len(d.clips) != 1 || d.clips[0] != row.Behaviors[1].SHA256 {
		t.Fatalf("copied %q, want behaviour 2's SHA256 %q", d.clips, row.Behaviors[1].SHA256)
	}
	if !strings.Contains(d.m.bar.Word().Text, "copied the SHA256 "+row.Behaviors[1].SHA256[:10]) {
		t.Fatalf("the flash says %q", d.m.bar.Word().Text)
	}
}

// At 80 columns a SHA256 is whole beside its label; narrower it is
// shortened visibly on one line, never split; + on a command line offers a
// pattern to edit before it runs.
func TestLateDetailValuesAtEightyColumns(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	d.send(teaSize(80, 24))
	d.key("enter")
	p := d.m.detail
	p.Seek("SHA256", 0)
	row, _ := d.m.rows.Peek(p.ID())
	sha := row.Worst().SHA256
	shaLine := func() string {
		for _, l := range strings.Split(ansi.Strip(d.screen()), "\n") {
			if strings.Contains(l, "SHA256") {
				return l
			}
		}
		return ""
	}
	if line := shaLine(); !strings.Contains(line, sha) {
		t.Fatalf("the SHA256 line is %q at 80 columns: not the whole %s", line, sha)
	}
	d.send(teaSize(70, 24))
	if line := shaLine(); !strings.Contains(line, "…") || !strings.Contains(line, sha[:20]) {
		t.Fatalf("the SHA256 line is %q at 70 columns: not shortened on one line", line)
	}
	p.Seek("Command line", 0)
	d.key("+")
	in, ok := d.m.stack.Top().(*modal.Input)
	if !ok || !strings.Contains(in.Value(), ":*'*") {
		t.Fatalf("+ on a command line: %s %v", d.top(), d.m.bar.Word().Text)
	}
}

// esc stops any load: an action still reading its rows, a query asked for.
func TestLateEscStopsLoads(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	d.key("s", "c")
	d.run() // the pre-read, held
	d.key("esc")
	d.settle()
	if running(d).Verb != "" || len(h.fake.Patches()) != 0 {
		t.Fatal("esc did not stop the action before it was sent")
	}
	field := d.m.list.Current().Sort.Field
	d.key("o", "o")
	d.key("esc")
	d.settle()
	if d.m.list.Current().Sort.Field != field || d.m.list.Pending() {
		t.Fatal("esc did not cancel the query asked for")
	}
}

// The config's saved filters are in f and the filter history; a theme the
// config fixes is kept whatever the terminal says.
func TestLateSavedFiltersAndTheme(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h, func(o *Options) {
		o.SavedFilters = []SavedFilter{{Name: "critical", Filter: "max_severity:>=80"}}
		o.Theme, o.ThemeFixed = "light", true
	})
	if !slices.Contains(d.m.list.History(), "max_severity:>=80") {
		t.Fatal("the saved filter is not in the history")
	}
	d.key("f", "a")
	d.settle()
	if d.m.list.Current().Filter != "max_severity:>=80" {
		t.Fatalf("f a gave %q", d.m.list.Current().Filter)
	}
	d.send(tea.BackgroundColorMsg{Color: color.Black})
	if d.m.st.Dark {
		t.Fatal("the terminal's dark background overrode the config's light theme")
	}
}

// What the last analyst and the attack found, each as a test.
func TestLateLastRound(t *testing.T) {
	t.Run("esc stops G", func(t *testing.T) {
		h := newHarness(t, 600)
		d := loaded(t, h, func(o *Options) { o.IDChunk = 40 })
		d.key("G")
		d.key("esc")
		d.settle()
		if d.m.list.Heading() || d.m.list.Cursor() == len(d.m.list.IDs())-1 {
			t.Fatal("esc did not stop going to the end")
		}
	})
	t.Run("esc on the first load keeps the sort", func(t *testing.T) {
		h := newHarness(t, 100)
		d := newDriver(t, h.options(t))
		d.key("esc")
		d.settle()
		if d.m.list.Current().Sort.Field == "" || len(d.m.list.IDs()) == 0 {
			t.Fatalf("the first query was lost: sort %q, %d rows", d.m.list.Current().Sort.Field, len(d.m.list.IDs()))
		}
	})
	t.Run("refreshing goes when the rows are back", func(t *testing.T) {
		h := newHarness(t, 100)
		d := loaded(t, h)
		d.key("r")
		d.settle()
		if d.m.bar.Word().Text != "" {
			t.Fatalf("the message outlived the refresh: %q", d.m.bar.Word().Text)
		}
	})
	t.Run("the host filter finds identity alerts", func(t *testing.T) {
		h := newBackendHarness(t, "alerts", 300)
		d := loaded(t, h)
		d.key("f", "h")
		d.typeText("WS-1")
		d.key("enter")
		d.settle()
		if f := d.m.list.Latest().Filter; !strings.Contains(f, "source_endpoint_host_name:'WS-1'") || !strings.Contains(f, "device.hostname:'WS-1'") {
			t.Fatalf("host filter %q", f)
		}
	})
	t.Run("the filter line keeps its end in sight", func(t *testing.T) {
		h := newHarness(t, 50)
		d := loaded(t, h)
		d.send(teaSize(80, 24))
		d.key("/")
		long := strings.Repeat("device.hostname:'WS-1'+", 6) + "status:'new'"
		d.typeText(long)
		line := ansi.Strip(d.field().Line())
		if w := ansi.StringWidth(line); w > 80 || !strings.Contains(line, "status:'new'") {
			t.Fatalf("the field and its prompt take %d columns of 80, its end in sight: %q", w, line)
		}
	})
	t.Run("screen.Invisible characters", func(t *testing.T) {
		for _, r := range []rune{0x206a, 0x180e, 0xfff9, 0xfe0f, 0x034f, 0x3164, 0x115f, 0xffa0} {
			if got := screen.StripControls("a" + string(r) + "b"); got != "ab" {
				t.Errorf("U+%04X stays in a copy: %q", r, got)
			}
		}
	})
}

// Relative times stay true while the console is idle: a tick a minute, only
// while they are shown.
func TestLateRelativeTimesTick(t *testing.T) {
	h := newHarness(t, 50)
	d := loaded(t, h)
	if _, cmd := d.m.Update(keyPress("t")); cmd == nil || !d.m.list.Prefs().RelTimes {
		t.Fatal("t started no minute tick")
	}
	if _, cmd := d.m.Update(minuteMsg{gen: d.m.relGen}); cmd == nil {
		t.Fatal("the tick does not go on while relative times are shown")
	}
	if _, cmd := d.m.Update(minuteMsg{gen: d.m.relGen - 1}); cmd != nil {
		t.Fatal("an older tick goes on beside the current one")
	}
	d.m.Update(keyPress("t"))
	if _, cmd := d.m.Update(minuteMsg{gen: d.m.relGen}); cmd != nil {
		t.Fatal("the tick goes on with dates shown: an idle console would write")
	}
}

// # shows the severity's number beside its word.
func TestLateSeverityNumbers(t *testing.T) {
	h := newHarness(t, 50)
	d := loaded(t, h)
	row := d.row(d.m.list.CursorID())
	d.key("#")
	if want := fmt.Sprintf("%-4s %3d", screen.SevWord(row.MaxSeverity), row.MaxSeverity); !strings.Contains(ansi.Strip(d.screen()), want) {
		t.Fatalf("no %q on screen", want)
	}
}
