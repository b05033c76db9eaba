package ui

import (
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

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
