package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// TestHostileDetectionsOverARealRenderer renders the fake's hostile
// detections (OSC title and clipboard writes, screen clears, bidi overrides,
// a 10 kB command line, control characters) in the list and the detail, and
// checks the raw bytes written to the terminal: none of the attacker's
// sequences gets through.
func TestHostileDetectionsOverARealRenderer(t *testing.T) {
	h := newHarness(t, 800)
	dets, _, err := h.src.Backend.Details(t.Context(), h.fake.IDs())
	if err != nil {
		t.Fatal(err)
	}
	var hostile []string
	long := map[string]bool{} // the worst behaviour's command line folds
	for _, d := range dets {
		long[d.ID] = len(d.Worst().CmdLine) > 2000
		b := d.Behaviors[0]
		if screen.Sanitize(d.Device.Hostname+b.CmdLine+b.FileName) != d.Device.Hostname+b.CmdLine+b.FileName || len(b.CmdLine) > 10000 {
			hostile = append(hostile, d.ID)
		}
	}
	if len(hostile) < 4 {
		t.Fatalf("%d hostile detections in the demo data", len(hostile))
	}
	attacker := []string{"\x1b]52;", "\x1b]0;owned", "\x1b[6n", "\x1bP+q", "\u202e", "\x1b[8m", "\x1b[31mred", "\x00", "\u009b"}
	for i, id := range hostile[:4] {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			o := h.options(t)
			o.Restore = true // the session a last run left: this row's filter
			writeSession(t, o.StateDir, session{Filter: model.Eq("detection_id", id), ShowHidden: true})
			m := New(o)
			// Tall enough for the whole detail, the 10 kB command line
			// unfolded included, to be on screen at once.
			s := startScreen(t, m, 120, 420)
			s.waitFor("the row", settled)
			s.key("enter")
			// The cursor starts on the technique; the command line is two
			// fields down (after the tactic): enter unfolds a long one, all
			// 10 kB drawn.
			s.key("j", "j")
			if long[id] {
				s.waitFor("the cursor on the command line", func(sc string) bool { return strings.Contains(sc, "▶Command line") })
				s.key("enter")
			}
			sc := s.waitFor("the whole detail", func(sc string) bool {
				return strings.Contains(sc, "Action taken") && strings.Contains(sc, "── Host") &&
					strings.Contains(sc, "▶Command line") && !strings.Contains(sc, "enter unfolds") &&
					strings.Contains(sc, "no change made from this console") // the audit log read
			})
			golden.RequireEqual(t, []byte(sc+"\n"))
			s.quit()
			raw := string(s.raw)
			for _, seq := range attacker {
				if strings.Contains(raw, seq) {
					t.Errorf("%q reached the terminal", seq)
				}
			}
		})
	}
}
