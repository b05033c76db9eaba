package ui

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/modal"
)

// In the detail / opens its search line, a text field that takes every
// key; enter searches and the footer counts the matches, n and N go from
// one to the next; esc closes the line. On the list / is still the filter
// and n means nothing.
func TestTheDetailSearchesItsText(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	d.send(teaSize(80, 24))
	d.key("enter")
	d.settle()
	d.key("/")
	if d.m.stack.TopName() != "field:detail-search" {
		t.Fatalf("/ in the detail opened %q", d.m.stack.TopName())
	}
	d.typeText("q")
	if d.m.quitting || d.m.stack.TopName() != "field:detail-search" {
		t.Fatal("q in the search line did not stay in it")
	}
	d.key("backspace")
	d.typeText("exe")
	d.key("enter")
	if d.m.stack.Top() != nil {
		t.Fatalf("enter left %q open", d.m.stack.TopName())
	}
	count := regexp.MustCompile(`/exe (\d+) of (\d+)`)
	foot := func() []string { return count.FindStringSubmatch(ansi.Strip(d.m.footer())) }
	got := foot()
	if got == nil || got[1] != "1" || got[2] == "1" {
		t.Fatalf("the footer after the search: %q", ansi.Strip(d.m.footer()))
	}
	if !strings.Contains(d.screen(), "\x1b[7m") && !strings.Contains(d.screen(), "\x1b[1;4m") {
		t.Fatal("no match is shown on screen")
	}
	d.key("n")
	if got := foot(); got == nil || got[1] != "2" {
		t.Fatalf("n: the footer says %q", ansi.Strip(d.m.footer()))
	}
	d.key("N", "N")
	if got := foot(); got == nil || got[1] != got[2] {
		t.Fatalf("N before the first match: the footer says %q", ansi.Strip(d.m.footer()))
	}
	d.key("/")
	if in := d.m.stack.InputInFront(); in == nil || in.Value() != "exe" {
		t.Fatal("/ again does not offer the last search")
	}
	d.key("esc")
	if d.m.stack.Top() != nil || d.m.detail == nil {
		t.Fatal("esc did not close only the search line")
	}
	d.key("/")
	d.key("ctrl+u")
	d.typeText("no such text anywhere")
	d.key("enter")
	if foot := ansi.Strip(d.m.footer()); !strings.Contains(foot, "not found") {
		t.Fatalf("the footer with no match: %q", foot)
	}
	d.key("esc")
	if d.m.detail != nil {
		t.Fatal("esc did not close the detail")
	}
	d.key("n")
	if d.m.stack.Top() != nil || strings.Contains(ansi.Strip(d.m.footer()), "not found") {
		t.Fatal("n on the list did something")
	}
	d.key("/")
	if in := d.m.stack.InputInFront(); in == nil || in.Kind() != modal.FilterField {
		t.Fatalf("/ on the list opened %q, not the filter", d.m.stack.TopName())
	}
}

// y f copies the filter on screen, and says so.
func TestCopyTheFilter(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	d.key("/")
	d.key("ctrl+u")
	d.typeText("max_severity:>=60")
	d.key("enter")
	d.settle()
	if d.m.list.Current().Filter != "max_severity:>=60" {
		t.Fatalf("the filter did not apply: %q", d.m.list.Current().Filter)
	}
	d.key("y", "f")
	d.run()
	if len(d.clips) != 1 || d.clips[0] != "max_severity:>=60" {
		t.Fatalf("y f copied %q", d.clips)
	}
	if w := d.m.bar.Word().Text; !strings.Contains(w, "copied the filter max_severity:>=60") {
		t.Fatalf("the message says %q", w)
	}
}

// ctrl+o in the comment box inserts a template at the cursor, filled from
// the row the comment is for; for several rows a value they share is
// itself and values that differ are counted.
func TestCommentTemplatesFillFromTheRows(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h, func(o *Options) {
		o.CommentTemplates = []CommentTemplate{{Name: "benign", Text: "Benign: {technique} on {host} by {user}, {count}."},
			{Name: "escalate", Text: "Escalated ({severity})."}}
	})
	ids := d.m.list.IDs()
	one := d.row(ids[0])
	d.cursorTo(0)
	d.key("c")
	d.typeText("Seen: ")
	d.key("ctrl+o")
	if !strings.Contains(ansi.Strip(d.screen()), "1   benign") {
		t.Fatalf("ctrl+o shows no template menu:\n%s", ansi.Strip(d.screen()))
	}
	d.key("1")
	w := one.Worst()
	want := "Seen: Benign: " + w.Technique + " (" + w.TechniqueID + ") on " + one.Device.Hostname + " by " + w.UserName + ", 1 detection."
	if got := d.m.stack.Draft(); got != want {
		t.Fatalf("the template filled as\n%q, want\n%q", got, want)
	}
	d.key("esc")
	d.m.stack.ClearDraftIf(modal.DraftKey(ids[:1]), want)
	hosts := map[string]bool{}
	var marked []string
	for _, id := range ids {
		if r, ok := d.m.rows.Peek(id); ok && !hosts[r.Device.Hostname] && len(marked) < 3 {
			hosts[r.Device.Hostname] = true
			marked = append(marked, id)
		}
	}
	d.markIDs(marked...)
	d.key("c", "ctrl+o", "1")
	if got := d.m.stack.Draft(); !strings.Contains(got, "on 3 hosts") || !strings.Contains(got, "3 detections.") {
		t.Fatalf("for three rows on three hosts the template filled as %q", got)
	}
}

// require_comment_on: [closed] asks for the reason first when s c is
// pressed: an empty one is refused, then the status and the comment go
// out in one change; esc sends nothing.
func TestClosingRequiresAComment(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h, func(o *Options) { o.RequireComment = []model.Status{model.StatusClosed} })
	id := d.m.list.IDs()[0]
	d.cursorTo(0)
	d.key("s", "c")
	if d.m.stack.TopName() != "comment" || !strings.Contains(ansi.Strip(d.screen()), "Closed: a reason is required") {
		t.Fatalf("s c opened %q:\n%s", d.m.stack.TopName(), ansi.Strip(d.screen()))
	}
	d.key("ctrl+s")
	d.settle()
	if d.m.stack.TopName() != "comment" || !strings.Contains(d.m.bar.Word().Text, "needs a reason") || len(h.fake.Patches()) != 0 {
		t.Fatalf("an empty reason: %q, %d patches", d.m.bar.Word().Text, len(h.fake.Patches()))
	}
	d.key("esc")
	d.settle()
	if d.m.stack.Top() != nil || len(h.fake.Patches()) != 0 || !strings.Contains(d.m.bar.Word().Text, "nothing sent") {
		t.Fatalf("esc: %q, %d patches", d.m.bar.Word().Text, len(h.fake.Patches()))
	}
	d.key("s", "f") // a verdict that closes asks too
	if d.m.stack.TopName() != "comment" {
		t.Fatalf("s f opened %q", d.m.stack.TopName())
	}
	d.typeText("admin tool, ticket 4411")
	d.key("ctrl+s")
	d.settle()
	if len(h.fake.Patches()) != 1 || fakeField(t, h, id, "status") != "false_positive" ||
		!slices.Equal(h.fake.Comments(id), []string{"admin tool, ticket 4411"}) {
		t.Fatalf("%d patches; status %v, comments %q", len(h.fake.Patches()), fakeField(t, h, id, "status"), h.fake.Comments(id))
	}
	d.key("s", "i") // a status not listed goes at once
	d.settle()
	if d.m.stack.Top() != nil || len(h.fake.Patches()) != 2 {
		t.Fatalf("s i: %q open, %d patches", d.m.stack.TopName(), len(h.fake.Patches()))
	}
}

// A comment draft belongs to the rows it was written for: a box opened for
// other rows (here the reason s f requires) starts empty and says the other
// draft is kept, ctrl+s sends nothing, and the draft comes back for its own
// rows, in this run and after a restart.
func TestADraftStaysWithItsRows(t *testing.T) {
	h := newHarness(t, 100)
	o := h.options(t)
	o.RequireComment = []model.Status{model.StatusClosed}
	o.CommentTemplates = []CommentTemplate{{Name: "benign", Text: "Benign on {host}, {count}."}}
	d := newDriver(t, o)
	d.settle()
	ids := d.m.list.IDs()
	three, other := ids[:3], ids[5]
	d.markIDs(three...)
	d.key("c", "ctrl+o", "1", "esc")
	if w := d.m.bar.Word().Text; w != "comment draft kept for these 3 detections: c on them reopens it" {
		t.Fatalf("esc says %q", w)
	}
	written := d.m.stack.Draft()
	if !strings.Contains(written, "3 detections") {
		t.Fatalf("the template filled as %q", written)
	}
	d.key("esc") // the marks go
	d.cursorTo(5)
	d.key("s", "f")
	sc := ansi.Strip(d.screen())
	if d.top() != "comment" || d.m.stack.Draft() != "" || strings.Contains(sc, "Benign on") {
		t.Fatalf("the box for another row holds %q:\n%s", d.m.stack.Draft(), sc)
	}
	if !strings.Contains(strings.Join(strings.Fields(sc), " "), "a draft for 3 other detections is kept") {
		t.Fatalf("the box does not say the other draft is kept:\n%s", sc)
	}
	d.key("ctrl+s")
	d.settle()
	if len(h.fake.Patches()) != 0 || len(h.fake.Comments(other)) != 0 {
		t.Fatalf("ctrl+s sent %d patches, comments on the other row %q", len(h.fake.Patches()), h.fake.Comments(other))
	}
	d.key("esc")
	d.markIDs(three[2], three[0], three[1])
	d.key("c")
	if got := d.m.stack.Draft(); got != written {
		t.Fatalf("c on the three rows again opens %q, want %q", got, written)
	}
	d.key("esc")
	saved := d.m.session().CommentDrafts
	if len(saved) != 1 || saved[0].Rows != modal.DraftKey(three) || saved[0].N != 3 || saved[0].Text != written {
		t.Fatalf("the session keeps %+v", saved)
	}

	writeSession(t, o.StateDir, d.m.session())
	o.Restore = true
	next := newDriver(t, o)
	next.settle()
	next.cursorTo(5)
	next.key("c")
	if got := next.m.stack.Draft(); got != "" {
		t.Fatalf("after a restart the box for another row holds %q", got)
	}
	next.key("esc", "esc")
	next.markIDs(three...)
	next.key("c")
	if got := next.m.stack.Draft(); got != written {
		t.Fatalf("after a restart c on the three rows opens %q, want %q", got, written)
	}
}

// The required reason's box says what its keys do there: ctrl+t sends no
// other status.
func TestTheRequiredReasonSaysItsKeys(t *testing.T) {
	h := newHarness(t, 20)
	d := loaded(t, h, func(o *Options) { o.RequireComment = []model.Status{model.StatusClosed} })
	d.cursorTo(0)
	d.key("s", "f")
	sc := strings.Join(strings.Fields(ansi.Strip(d.screen())), " ")
	if strings.Contains(sc, "ctrl+t") || !strings.Contains(sc, "ctrl+s sends it with the status") {
		t.Fatalf("the required reason's box:\n%s", ansi.Strip(d.screen()))
	}
}

// + on a command line longer than 4 KB (encoded PowerShell often is) puts
// the whole pattern in the filter line, and the filter runs; - puts the
// same pattern left out, and the row leaves the list.
func TestALongCommandLinePivotsWhole(t *testing.T) {
	h := newHarness(t, 800)
	dets, _, err := h.src.Backend.Details(t.Context(), h.fake.IDs())
	if err != nil {
		t.Fatal(err)
	}
	var id, cmd string
	for _, d := range dets {
		if c := d.Worst().CmdLine; len([]rune(c)) > 4096 && !strings.ContainsAny(c, "[]*?") {
			id, cmd = d.ID, c
			break
		}
	}
	if id == "" {
		t.Fatal("no command line over 4 KB in the demo data")
	}
	o := h.options(t)
	o.Restore = true
	writeSession(t, o.StateDir, session{Filter: model.Eq("detection_id", id), ShowHidden: true})
	d := newDriver(t, o)
	d.settle()
	d.key("enter")
	d.settle()
	if !d.m.detail.Seek("Command line", 0) {
		t.Fatal("no command line in the detail")
	}
	d.key("+")
	want := model.And(model.Eq("detection_id", id), model.Wildcard("behaviors.cmdline", "*"+cmd+"*"))
	if got := d.field().Value(); got != want {
		t.Fatalf("+ put %d characters in the filter line, want %d", len(got), len(want))
	}
	d.key("enter")
	d.settle()
	if d.m.list.Current().Filter != want || !slices.Equal(d.m.list.IDs(), []string{id}) {
		t.Fatalf("the pattern did not run: %d characters, rows %v, footer %q", len(d.m.list.Current().Filter), d.m.list.IDs(), d.m.bar.Word().Text)
	}
	if d.m.detail == nil || !d.m.detail.Seek("Command line", 0) {
		t.Fatal("the detail closed")
	}
	d.key("-")
	without := model.And(want, model.NotWildcard("behaviors.cmdline", "*"+cmd+"*"))
	if got := d.field().Value(); got != without {
		t.Fatalf("- put %q… in the filter line (%d characters), want %d", got[:min(len(got), 60)], len(got), len(without))
	}
	d.key("enter")
	d.settle()
	if d.m.list.Current().Filter != without || len(d.m.list.IDs()) != 0 {
		t.Fatalf("- did not leave the row out: %d characters of filter, rows %v, footer %q", len(d.m.list.Current().Filter), d.m.list.IDs(), d.m.bar.Word().Text)
	}
}

// J carries the search to the next row and goes to its first match there:
// the footer says "/text 1 of M", not a bare count.
func TestJCarriesTheSearchToItsFirstMatch(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	d.send(teaSize(80, 24))
	d.cursorTo(0)
	d.key("enter")
	d.settle()
	host := d.row(d.m.list.IDs()[1]).Device.Hostname
	d.key("/")
	d.typeText(host)
	d.key("enter")
	d.key("J")
	d.settle()
	if foot := ansi.Strip(d.m.footer()); !regexp.MustCompile(`· /\S+ 1 of \d+`).MatchString(foot) || strings.Contains(foot, "found") {
		t.Fatalf("the footer after J: %q", foot)
	}
}

// A draft an older session saved without its rows is not lost: the first
// box opened takes it and says it did not record its rows; from then on it
// is that box's rows'.
func TestAnOlderSessionsDraftSaysItsRowsAreUnknown(t *testing.T) {
	h := newHarness(t, 20)
	o := h.options(t)
	o.Restore = true
	writeSession(t, o.StateDir, session{CommentDraft: "half a thought"})
	d := newDriver(t, o)
	d.settle()
	d.cursorTo(2)
	d.key("c")
	sc := strings.Join(strings.Fields(ansi.Strip(d.screen())), " ")
	if d.m.stack.Draft() != "half a thought" || !strings.Contains(sc, "check it is for these") {
		t.Fatalf("the older draft: %q\n%s", d.m.stack.Draft(), ansi.Strip(d.screen()))
	}
	d.key("esc")
	s := d.m.session()
	if s.CommentDraft != "" || len(s.CommentDrafts) != 1 || s.CommentDrafts[0].Rows != modal.DraftKey(d.m.list.IDs()[2:3]) {
		t.Fatalf("the session now keeps %+v", s)
	}
}
