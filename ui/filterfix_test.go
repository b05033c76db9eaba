package ui

import (
	"strings"
	"testing"

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
