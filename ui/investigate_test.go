package ui

import (
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/model"
)

// cursorToEndpoint moves the list to the first endpoint alert (one with a
// parent process and an incident).
func cursorToEndpoint(t *testing.T, d *driver) {
	t.Helper()
	for i, id := range d.m.list.IDs() {
		r, ok := d.m.rows.Peek(id)
		if ok && r.AggregateID != "" && len(r.Behaviors) > 0 && r.Behaviors[0].Parent != nil {
			d.cursorTo(i)
			return
		}
	}
	t.Fatal("no endpoint alert with a parent among the rows")
}

// The incident count is one request per incident, however often the
// detail opens on its alerts; the detail says it.
func TestTheIncidentIsCountedOncePerAggregate(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	d := loaded(t, h)
	d.send(teaSize(120, 40))
	cursorToEndpoint(t, d)
	before := h.fake.Count("query")
	d.key("enter")
	d.settle()
	if got := h.fake.Count("query") - before; got != 1 {
		t.Fatalf("opening the detail asked %d queries, want one count", got)
	}
	sc := ansi.Strip(d.screen())
	if !strings.Contains(sc, "In incident") || !strings.Contains(sc, "(I lists") || strings.Contains(sc, "counting") {
		t.Fatalf("the detail does not show the incident's count:\n%s", sc)
	}
	for range 3 {
		d.key("esc")
		d.key("enter")
		d.settle()
	}
	if got := h.fake.Count("query") - before; got != 1 {
		t.Fatalf("opening the detail four times asked %d queries, want one", got)
	}
}

// I lists the row's incident (aggregate_id), a pivot backspace undoes;
// + on the parent's file name in the tree filters on parent_details.filename.
func TestIAndPlusOnTheParentPivotTheList(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	d := loaded(t, h)
	d.send(teaSize(120, 40))
	cursorToEndpoint(t, d)
	id := d.m.list.CursorID()
	row := d.row(id)
	d.key("enter")
	d.settle()
	before := d.m.list.Latest().Filter
	d.key("I")
	d.settle()
	if f := d.m.list.Latest().Filter; !strings.Contains(f, "aggregate_id:'"+row.AggregateID+"'") {
		t.Fatalf("I filtered on %q", f)
	}
	for _, x := range d.m.list.IDs() {
		if r, ok := d.m.rows.Peek(x); ok && r.AggregateID != row.AggregateID {
			t.Fatalf("I listed %s of incident %s", x, r.AggregateID)
		}
	}
	d.m.detail = nil
	d.key("backspace")
	d.settle()
	if f := d.m.list.Latest().Filter; f != before {
		t.Fatalf("backspace after I left %q, want %q", f, before)
	}
	d.cursorTo(indexOf(d.m.list.IDs(), id))
	d.key("enter")
	d.settle()
	if !d.m.detail.Seek("└ parent", 0) {
		t.Fatal("no parent in the tree")
	}
	d.key("+")
	d.settle()
	want := "parent_details.filename:'" + row.Behaviors[0].Parent.FileName + "'"
	if f := d.m.list.Latest().Filter; !strings.Contains(f, want) {
		t.Fatalf("+ on the parent's file name filtered on %q, want %s", f, want)
	}
	ids := d.m.list.IDs()
	if len(ids) == 0 {
		t.Fatal("+ on the parent's file name listed nothing")
	}
	for _, x := range ids {
		if r, ok := d.m.rows.Peek(x); ok && (r.Behaviors[0].Parent == nil || r.Behaviors[0].Parent.FileName != row.Behaviors[0].Parent.FileName) {
			t.Fatalf("the pivot listed %s, whose parent is another", x)
		}
	}
}

func indexOf(ids []string, id string) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return 0
}

// Over a real renderer the detail's console link reaches the terminal as
// one well-formed OSC 8 open/close pair per drawing of it, the harness's
// URL in it, and no other OSC 8; the text is on screen.
func TestTheConsoleLinkReachesTheTerminalAsOSC8(t *testing.T) {
	h := newBackendHarness(t, "alerts", 20)
	s := startScreen(t, New(h.options(t)), 120, 60)
	s.waitFor("the rows", settled)
	s.key("enter")
	sc := s.waitText("open in Falcon")
	if !strings.Contains(sc, "Console") {
		t.Fatalf("no Console line:\n%s", sc)
	}
	s.quit()
	raw := string(s.raw)
	opens := regexp.MustCompile("\x1b\\]8;[^;\x1b\x07]*;https://falcon\\.crowdstrike\\.com/x/[^\x1b\x07 ]+(\x1b\\\\|\x07)").FindAllStringIndex(raw, -1)
	all := strings.Count(raw, "\x1b]8;")
	closes := strings.Count(raw, "\x1b]8;;\x1b\\") + strings.Count(raw, "\x1b]8;;\x07")
	if len(opens) == 0 || len(opens)+closes != all || len(opens) != closes {
		t.Fatalf("%d link opens, %d closes, %d OSC 8 in all:\n%q", len(opens), closes, all, raw)
	}
}

// After a status change the detail's activity lists it, from the audit
// log: the change, before → after, and who.
func TestTheActivityListsAChangeFromTheAuditLog(t *testing.T) {
	h := newBackendHarness(t, "alerts", 20)
	d := loaded(t, h)
	d.send(teaSize(120, 200))
	d.key("enter")
	d.settle()
	if sc := ansi.Strip(d.screen()); !strings.Contains(sc, "no change made from this console") {
		t.Fatalf("the activity before any change:\n%s", sc)
	}
	from := string(d.row(d.m.detail.ID()).Status)
	d.key("s", "i")
	d.settle()
	sc := ansi.Strip(d.screen())
	want := "status " + from + " → in_progress"
	if i := strings.Index(sc, want); i < 0 || !strings.Contains(sc[i:], "· tester") {
		t.Fatalf("the activity after a status change lacks %q:\n%s", want, sc)
	}
}

// y in the tree copies from it: the parent's file name, the grandparent's
// command line, with the cursor anywhere in the detail.
func TestCopyFromTheProcessTree(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	d := loaded(t, h)
	var row model.Detection
	for i, id := range d.m.list.IDs() {
		if r, ok := d.m.rows.Peek(id); ok && len(r.Behaviors) > 0 && r.Behaviors[0].Grandparent != nil {
			d.cursorTo(i)
			row = *r
			break
		}
	}
	if row.ID == "" {
		t.Fatal("no alert with a grandparent")
	}
	d.key("enter")
	d.settle()
	d.m.detail.Seek("grandparent", 0)
	d.key("y", "g")
	d.run()
	d.key("y", "e")
	d.run()
	if len(d.clips) != 2 || d.clips[0] != row.Behaviors[0].Grandparent.CmdLine || d.clips[1] != row.Behaviors[0].Parent.FileName {
		t.Fatalf("copied %q, want the grandparent's command line and the parent's file name", d.clips)
	}
}
