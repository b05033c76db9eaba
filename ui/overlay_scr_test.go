package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// A box over the list hides the list beside it on its rows: the list's ▶
// never shows next to the comment box's border (`▶│ ┃ What did you
// find?`), wherever the cursor row is.
func TestTheListMarkerDoesNotShowBesideABox(t *testing.T) {
	h := newHarness(t, 300)
	d := newDriver(t, h.options(t))
	d.send(teaSize(80, 24))
	d.settle()
	for row := range 19 {
		d.cursorTo(row)
		d.key("c")
		d.settle()
		sc := ansi.Strip(d.screen())
		if !strings.Contains(sc, "What did you find") {
			t.Fatalf("no comment box:\n%s", sc)
		}
		for _, l := range strings.Split(sc, "\n") {
			if strings.Contains(l, "▶") && strings.ContainsAny(l, "│┃╭╰") {
				t.Fatalf("the list's ▶ shows beside the box on row %d: %q\n%s", row, l, sc)
			}
		}
		d.key("esc")
		d.settle()
	}
}
