package ui

import (
	"strings"
	"testing"
)

// TestReplacingAViewAsksOnScreen: S with the name of a view that exists
// draws the question, at 80 and at 200 columns, with its answers.
func TestReplacingAViewAsksOnScreen(t *testing.T) {
	for _, w := range []int{80, 200} {
		h := newBackendHarness(t, "alerts", 60)
		o := h.options(t)
		withViews(threeViews...)(&o)
		o.ReadOnly = true
		o.SaveView = func(v View, replace bool) (string, error) {
			if !replace {
				return "", ErrViewExists
			}
			return "/cfg/config.yaml", nil
		}
		s := startScreen(t, New(o), w, 24)
		s.waitFor("the rows", settled)
		s.key("S")
		s.waitText("save as view ›")
		s.key("ctrl+u")
		s.typeText("In the file")
		s.waitText("In the file")
		s.key("enter")
		sc := s.waitText("exists: replace it")
		if !strings.Contains(sc, "replace it with this filter and sort?") || !strings.Contains(sc, "y replace it") {
			t.Fatalf("%d columns: the question is not all on screen:\n%s", w, sc)
		}
		s.key("y")
		s.waitText("saved to /cfg/config.yaml")
		s.quit()
	}
}

// TestAViewVisitedFirstOpensAtItsTop: the cursor down the first view, a
// view not visited yet opens on its first row, not on the row index the
// view left was on.
func TestAViewVisitedFirstOpensAtItsTop(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	d := loaded(t, h, withViews(threeViews...))
	for range 12 {
		d.key("j")
	}
	d.settle()
	if d.m.list.Cursor() != 12 {
		t.Fatalf("the cursor is on row %d, want 12", d.m.list.Cursor())
	}
	d.key("3")
	d.settle()
	if d.m.views.Current() != 2 || d.m.list.Cursor() != 0 {
		t.Fatalf("view %d opened on row %d, want view 3 at its top", d.m.views.Current()+1, d.m.list.Cursor())
	}
}

// TestSLateAnswerKeepsAFieldTypedInto: S's write answering after the name
// was typed into again does not close the field: it stays open with the
// text as typed.
func TestSLateAnswerKeepsAFieldTypedInto(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	d := loaded(t, h, withViews(threeViews...), func(o *Options) {
		o.ReadOnly = true
		o.SaveView = func(View, bool) (string, error) { return "/cfg/config.yaml", nil }
	})
	d.key("S")
	d.typeText("Fresh")
	d.key("enter")
	d.run()
	d.typeText("er")
	deliver[viewSavedMsg](d)
	if f := d.field(); f.Value() != "Fresher" {
		t.Fatalf("the field typed into holds %q, want Fresher", f.Value())
	}
}
