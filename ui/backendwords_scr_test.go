package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// Every title and help line speaks the backend in use: alerts on Alerts,
// detections on Detects (the histogram's title, the help's J and K).
func TestTitlesAndHelpSpeakTheBackend(t *testing.T) {
	for _, c := range []struct{ backend, word, other string }{{"alerts", "alert", "detection"}, {"detects", "detection", "alert"}} {
		t.Run(c.backend, func(t *testing.T) {
			h := newBackendHarness(t, c.backend, 300)
			o := h.options(t)
			o.Overview = true
			d := newDriver(t, o)
			d.send(teaSize(200, 60))
			d.settle()
			sc := ansi.Strip(d.screen())
			if !strings.Contains(sc, "New "+c.word+"s, last 7d") {
				t.Errorf("the histogram's title does not say %ss:\n%s", c.word, sc)
			}
			d.key("?")
			d.settle()
			sc = ansi.Strip(d.screen())
			if !strings.Contains(sc, "next "+c.word+", the") {
				t.Errorf("the help's J does not say %s:\n%s", c.word, sc)
			}
			if c.backend == "alerts" && strings.Contains(strings.ToLower(sc), c.other) {
				t.Errorf("the help on Alerts speaks of %ss:\n%s", c.other, sc)
			}
		})
	}
}
