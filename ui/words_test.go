package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/triage"
)

// Every word in the footer belongs to something, and goes when that is
// over: a key's answer with the next key that acts, a query's with the next
// query that lands, a load's once it is done or failed.

// footerSays reports whether the footer (its line and the lines a long
// word takes) holds text.
func footerSays(d *driver, text string) bool {
	lines := screenLines(ansi.Strip(d.screen()))
	return strings.Contains(strings.Join(lines[len(lines)-5:], "\n"), text)
}

func TestAKeysWordGoesWithTheNextKey(t *testing.T) {
	h := newHarness(t, 200)
	d := loaded(t, h)
	d.key("y", "i")
	if !footerSays(d, "copied the id") {
		t.Fatalf("the copy is not said:\n%s", d.screen())
	}
	d.key("j")
	if footerSays(d, "copied") {
		t.Fatalf("the copy is still said after j:\n%s", d.screen())
	}
	// A key bound to nothing does not act: the word it did not answer stays.
	d.key("y", "i", "Z")
	if !footerSays(d, "copied the id") {
		t.Fatalf("a key that does nothing took the word back:\n%s", d.screen())
	}

	// The detail's hint for a pattern goes once the analyst edits it.
	d.key("enter")
	d.settle()
	if !d.m.detail.Seek("Command line", 1) {
		t.Fatal("no command line in the detail")
	}
	d.key("+")
	if !footerSays(d, "a pattern around the value") {
		t.Fatalf("no hint for the pattern:\n%s", d.screen())
	}
	d.key("end")
	if footerSays(d, "a pattern around the value") {
		t.Fatalf("the hint stays after a key edited the pattern:\n%s", d.screen())
	}
}

// An action that sent nothing says so until the next key: "every row had
// changed" is not true of the rows the cursor moves to.
func TestNothingWasSentGoesWithTheNextKey(t *testing.T) {
	h := newHarness(t, 200)
	d := loaded(t, h)
	id := d.m.list.CursorID()
	setStatus(t, h, otherStatus(t, h, id), id) // another analyst, after the row was read
	d.key("s", "c")
	d.run()
	deliver[triage.PreReadMsg](d) // finds the conflict
	d.arm()
	d.key("s") // skip the changed rows: none is left
	d.settle()
	if !footerSays(d, "every row had changed: nothing was sent") {
		t.Fatalf("the footer does not say nothing was sent:\n%s", d.screen())
	}
	d.key("j")
	if footerSays(d, "nothing was sent") {
		t.Fatalf("the word stays after j:\n%s", d.screen())
	}
}

// "at the end" is of the list G walked; a new filter's list is another.
func TestAtTheEndGoesWithANewFilter(t *testing.T) {
	h := newHarness(t, 400)
	o := h.options(t)
	o.IDChunk = 50
	d := newDriver(t, o)
	d.settle()
	d.key("G")
	d.settle()
	if !footerSays(d, "at the end: ") {
		t.Fatalf("G does not say it reached the end:\n%s", d.screen())
	}
	// The word lives until a query lands, also when no key came between.
	d.send(teaSize(120, 30))
	if !footerSays(d, "at the end: ") {
		t.Fatal("a resize took the word back")
	}
	d.key("/")
	d.typeText("max_severity:>=50")
	d.key("enter")
	d.settle()
	if footerSays(d, "at the end") {
		t.Fatalf("the new filter's list says it is at the end:\n%s", d.screen())
	}
}

// A first load that fails says why, in the list and the footer, never
// "loading"; the header names the query asked for, and r asks again.
func TestAFailedFirstLoadSaysSoAndKeepsItsQuery(t *testing.T) {
	h := newHarness(t, 50)
	h.fake.SetFaults(fake.Faults{Fail5xx: 1000})
	d := newDriver(t, h.options(t))
	d.settle()
	sc := ansi.Strip(d.screen())
	lines := screenLines(sc)
	if strings.Contains(sc, "loading detections") || !strings.Contains(lines[3], "✗") || !footerSays(d, "r retries") {
		t.Fatalf("a failed first load does not say so:\n%s", sc)
	}
	if !strings.Contains(lines[1], "sort last_behavior ↓") {
		t.Fatalf("the header does not name the sort asked for: %q", lines[1])
	}
	h.fake.SetFaults(fake.Faults{})
	d.key("r")
	d.settle()
	if q := d.m.list.Current(); q.Sort != (model.Sort{Field: "last_behavior", Desc: true}) || len(d.m.list.IDs()) == 0 {
		t.Fatalf("r loaded %+v, %d rows", q, len(d.m.list.IDs()))
	}
	if footerSays(d, "r retries") {
		t.Fatalf("the failure is still said once the rows are here:\n%s", d.screen())
	}
}
