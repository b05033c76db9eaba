package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/ui/list"
)

// TestBackspaceWhileAPivotLoadsGoesBackOneStep: backspace pressed while a
// pivot (a quick filter, a sort, hidden rows shown) is still loading drops
// that pivot and stays on the filter the analyst was on when they pressed
// it; the pivot's late answer changes nothing, and the next backspace goes
// back to the step before.
func TestBackspaceWhileAPivotLoadsGoesBackOneStep(t *testing.T) {
	for _, keys := range [][]string{{"f", "v", "c"}, {"O"}, {"."}} {
		t.Run(strings.Join(keys, " "), func(t *testing.T) {
			h := newBackendHarness(t, "alerts", 120)
			d := loaded(t, h)
			const typed = "status:'new'+severity:>=60"
			d.key("/")
			d.typeText(typed)
			d.key("enter")
			d.settle()
			landed := d.m.list.Current()
			if landed.Filter != typed {
				t.Fatalf("the typed filter did not land: %+v", landed)
			}
			d.key(keys...)
			d.run()
			if holds[list.IDsMsg](d) != 1 || !d.m.list.Pending() {
				t.Fatalf("no pivot in flight: %s", d.heldTypes())
			}
			d.key("backspace")
			if w := d.m.bar.Word().Text; !strings.HasPrefix(w, "back to filter "+typed+" ·") {
				t.Fatalf("backspace says %q", w)
			}
			if d.m.list.Pending() {
				t.Fatal("the pivot is still in flight")
			}
			d.settle() // its late answer
			if got := d.m.list.Current(); got != landed {
				t.Fatalf("on %+v, want %+v", got, landed)
			}
			d.key("backspace")
			d.settle()
			if got := d.m.list.Current().Filter; got != "" {
				t.Fatalf("the second backspace went to filter %q, want none", got)
			}
		})
	}
}

// TestEscWhileCheckingSaysTheFilterWasNotApplied: esc on the filter line
// while it checks drops the filter and says so; / then ↑ brings the text
// back to mend or send again.
func TestEscWhileCheckingSaysTheFilterWasNotApplied(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	d := loaded(t, h)
	before := d.m.list.Current()
	d.key("/")
	d.typeText("status:'new'")
	d.key("enter")
	d.run()
	if !d.field().Checking() || holds[list.IDsMsg](d) != 1 {
		t.Fatalf("the filter is not being checked: %s", d.heldTypes())
	}
	d.key("esc")
	if w := d.m.bar.Word().Text; w != "filter not applied: status:'new' (esc)" {
		t.Fatalf("esc says %q", w)
	}
	d.settle()
	if got := d.m.list.Current(); got != before {
		t.Fatalf("the late answer landed: %+v", got)
	}
	d.key("/", "up")
	if got := d.field().Value(); got != "status:'new'" {
		t.Fatalf("↑ brings back %q", got)
	}
}

// TestTooManyClausesAreRefusedBeforeSending: the service takes 20 clauses
// and the console adds show_in_ui:true, so 20 of the analyst's own are
// refused before anything is sent, in their terms; 19 land, and so do 20
// once hidden rows are shown (the console adds nothing then).
func TestTooManyClausesAreRefusedBeforeSending(t *testing.T) {
	clauses := func(n int) string {
		f := "status:['new','reopened']"
		for i := 2; i <= n; i++ {
			f += fmt.Sprintf("+severity:>=%d", i)
		}
		return f
	}
	h := newBackendHarness(t, "alerts", 60)
	d := loaded(t, h)
	filter := func(f string) {
		t.Helper()
		d.key("/", "ctrl+u")
		d.typeText(f)
		d.key("enter")
		d.settle()
	}
	queries := h.fake.Count("query")
	filter(clauses(20))
	if in := d.field(); !strings.HasPrefix(in.Err(), "at most 19 clauses of your own here: the console adds show_in_ui:true; this is clause 20 at column ") ||
		!strings.HasSuffix(in.Err(), "‸severity:>=20") || h.fake.Count("query") != queries {
		t.Fatalf("20 clauses: %q, %d queries sent", in.Err(), h.fake.Count("query")-queries)
	}
	d.key("esc")
	filter(clauses(19))
	if got := d.m.list.Current().Filter; got != clauses(19) || d.m.list.Err() != "" {
		t.Fatalf("19 clauses did not land: on %q, %s", got, d.m.bar.Word().Text)
	}
	d.key(".")
	d.settle()
	filter(clauses(20))
	if got := d.m.list.Current().Filter; got != clauses(20) || d.m.stack.Top() != nil {
		t.Fatalf("20 clauses with hidden rows shown did not land: on %q, %s", got, d.m.bar.Word().Text)
	}
	// . hides the hidden rows again, adding show_in_ui:true: 21 clauses,
	// not sent, and said in the analyst's terms; the list stays.
	queries = h.fake.Count("query")
	d.key(".")
	d.settle()
	if w := d.m.bar.Word().Text; !strings.HasPrefix(w, "not sent: at most 19 clauses of your own here") ||
		h.fake.Count("query") != queries || !d.m.list.Current().ShowHidden {
		t.Fatalf(". with 20 clauses: %q, %d queries sent", w, h.fake.Count("query")-queries)
	}
}

// TestAJoinerTypedOnTheSelectedFilterAddsToIt: / opens with the filter
// selected; + or , typed (or pasted) first adds a clause at its end
// instead of replacing it, and the filter so made lands.
func TestAJoinerTypedOnTheSelectedFilterAddsToIt(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	d := loaded(t, h)
	d.key("/")
	d.typeText("status:'new'")
	d.key("enter")
	d.settle()
	d.key("/")
	d.typeText("+tactic:'Discovery'")
	if got := d.field().Value(); got != "status:'new'+tactic:'Discovery'" {
		t.Fatalf("+ on the selected filter gave %q", got)
	}
	d.key("enter")
	d.settle()
	if got := d.m.list.Current().Filter; got != "status:'new'+tactic:'Discovery'" {
		t.Fatalf("on %q: %s", got, d.m.bar.Word().Text)
	}
	d.key("/")
	d.typeText(",status:'reopened'")
	if got := d.field().Value(); got != "status:'new'+tactic:'Discovery',status:'reopened'" {
		t.Fatalf(", on the selected filter gave %q", got)
	}
	d.key("esc", "/")
	d.send(tea.PasteMsg{Content: "+severity:>=60"})
	if got := d.field().Value(); got != "status:'new'+tactic:'Discovery'+severity:>=60" {
		t.Fatalf("a pasted + clause gave %q", got)
	}
}

// TestTheFirstUpInTheHistoryBringsAnEarlierFilter: the filter line opens
// with the current filter; ↑ brings the one before it, not the same again,
// and ↓ comes back to it.
func TestTheFirstUpInTheHistoryBringsAnEarlierFilter(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	d := loaded(t, h)
	for _, f := range []string{"status:'new'", "severity:>=60"} {
		d.key("/", "ctrl+u")
		d.typeText(f)
		d.key("enter")
		d.settle()
	}
	d.key("/", "up")
	if got := d.field().Value(); got != "status:'new'" {
		t.Fatalf("the first ↑ brings %q", got)
	}
	d.key("up")
	if got := d.field().Value(); got != "status:'new'" {
		t.Fatalf("↑ past the oldest brings %q", got)
	}
	d.key("down")
	if got := d.field().Value(); got != "severity:>=60" {
		t.Fatalf("↓ back brings %q", got)
	}
}

// TestQuickFilterSubmenusTickWhatTheFilterHolds: f s and f v open with
// the statuses and severity bands the filter on screen holds picked, a
// band run inside the scale too; enter on them changes nothing.
func TestQuickFilterSubmenusTickWhatTheFilterHolds(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	d := loaded(t, h)
	for _, c := range []struct {
		filter, keys string
		ticked       []string
		not          []string
	}{
		{"status:['new','reopened']+severity:>=60", "s", []string{"[x] New", "[x] Reopened"}, []string{"[x] In progress", "[x] Closed"}},
		{"status:['new','reopened']+severity:>=60", "v", []string{"[x] High", "[x] Critical"}, []string{"[x] Medium", "[x] Low"}},
		{"status:'new'+severity:>=40+severity:<=59", "v", []string{"[x] Medium"}, []string{"[x] High", "[x] Low", "[x] Critical"}},
		{"status:'new'+severity:>=40+severity:<=59", "s", []string{"[x] New"}, []string{"[x] Reopened"}},
	} {
		d.key("/", "ctrl+u")
		d.typeText(c.filter)
		d.key("enter")
		d.settle()
		d.key("f", c.keys)
		sc := d.screen()
		for _, w := range c.ticked {
			if !strings.Contains(sc, w) {
				t.Fatalf("%s, f %s: %q not ticked:\n%s", c.filter, c.keys, w, sc)
			}
		}
		for _, w := range c.not {
			if strings.Contains(sc, w) {
				t.Fatalf("%s, f %s: %q ticked:\n%s", c.filter, c.keys, w, sc)
			}
		}
		d.key("enter")
		d.settle()
		if got := d.m.list.Current().Filter; got != c.filter {
			t.Fatalf("enter on the ticks made %q of %q", got, c.filter)
		}
	}
}

// TestBackspaceWhileADrillDownLoadsReturnsToTheOverview: a drill-down
// cancelled before it lands leaves the analyst where they were, on the
// overview, with no drill-down to go back out of.
func TestBackspaceWhileADrillDownLoadsReturnsToTheOverview(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	o := h.options(t)
	o.Overview = true
	d := newDriver(t, o)
	d.send(teaSize(100, 30))
	d.settle()
	d.key("l", "enter") // the statuses' first bucket, its query held
	if d.m.ov.Shown() || len(d.m.drills) != 1 {
		t.Fatalf("the drill-down was not asked: overview %v, %d drills", d.m.ov.Shown(), len(d.m.drills))
	}
	d.key("backspace")
	d.settle()
	if !d.m.ov.Shown() || len(d.m.drills) != 0 || strings.Contains(d.m.list.Current().Filter, "status:") {
		t.Fatalf("after backspace: overview %v, %d drills, filter %q", d.m.ov.Shown(), len(d.m.drills), d.m.list.Current().Filter)
	}
}
