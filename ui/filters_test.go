package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// TestAlertsFilterLineSpeaksAlerts: the filter line's example is in the
// backend's names, and a Detects field (or a typo) is refused before
// anything is sent, naming the field and the nearest real ones, in the
// analyst's own text.
func TestAlertsFilterLineSpeaksAlerts(t *testing.T) {
	for _, c := range []struct {
		backend, example, typed, want string
	}{
		{"alerts", "status:'new'+severity:>=60", "status:'new'+max_severity:>=60", "max_severity is the other API's name: this one calls it severity"},
		{"alerts", "status:'new'+severity:>=60", "severty:>=60", "no field severty here; the nearest: severity"},
		{"detects", "status:'new'+max_severity:>=60", "severity:>=60", "this one calls it max_severity"},
	} {
		t.Run(c.backend+" "+c.typed, func(t *testing.T) {
			h := newBackendHarness(t, c.backend, 60)
			d := loaded(t, h)
			d.key("/")
			if sc := ansi.Strip(d.screen()); !strings.Contains(sc, c.example+"  (↑/↓ history)") {
				t.Fatalf("the placeholder does not speak %s:\n%s", c.backend, sc)
			}
			queries := h.fake.Count("query")
			d.typeText(c.typed)
			d.key("enter")
			d.settle()
			in := d.field()
			if !strings.Contains(in.Err(), c.want) || in.Value() != c.typed || d.m.list.Pending() {
				t.Fatalf("field %q says %q", in.Value(), in.Err())
			}
			if !strings.Contains(d.screen(), c.want) {
				t.Fatalf("the refusal is not on screen:\n%s", d.screen())
			}
			if n := h.fake.Count("query"); n != queries {
				t.Fatalf("%d queries sent for a refused filter", n-queries)
			}
		})
	}
}

// TestRefusalQuotesTheAnalystsOwnText: a filter that does not parse is
// refused with its column and the text as typed, never with the clauses
// the console adds (show_in_ui).
func TestRefusalQuotesTheAnalystsOwnText(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	d := loaded(t, h)
	queries := h.fake.Count("query")
	d.key("/")
	d.typeText("status:'new'+(severity:>=60")
	d.key("enter")
	d.settle()
	in := d.field()
	if want := "expected ) to close the ( at column 28: status:'new'+(severity:>=60‸"; in.Err() != want {
		t.Fatalf("refusal %q, want %q", in.Err(), want)
	}
	if strings.Contains(in.Err(), "show_in_ui") || h.fake.Count("query") != queries {
		t.Fatalf("the console's own clauses in the refusal, or a query sent: %q", in.Err())
	}
}

// TestFilterLineOpensWithTheLastTextSelected: typing replaces the text,
// a cursor key keeps it to edit, ↑ brings back history selected; the
// selection shows in reverse video.
func TestFilterLineOpensWithTheLastTextSelected(t *testing.T) {
	h := newHarness(t, 60)
	d := loaded(t, h)
	d.key("/")
	d.typeText("status:'new'")
	d.key("enter")
	d.settle()
	d.key("/")
	in := d.field()
	if !in.Selected() || in.Value() != "status:'new'" || !strings.Contains(in.Line(), "\x1b[7m") {
		t.Fatalf("opened with %q selected %v: %q", in.Value(), in.Selected(), in.Line())
	}
	d.typeText("max_severity:>=80")
	if in.Value() != "max_severity:>=80" || in.Selected() || strings.Contains(in.Line(), "\x1b[7m") {
		t.Fatalf("typing over the selection gave %q", in.Value())
	}
	d.key("esc", "/")
	in = d.field()
	d.key("end")
	d.typeText("+max_severity:>=80")
	if in.Value() != "status:'new'+max_severity:>=80" {
		t.Fatalf("end then typing gave %q", in.Value())
	}
	d.key("esc", "/")
	in = d.field()
	d.key("ctrl+e")
	d.typeText("x")
	if in.Value() != "status:'new'x" {
		t.Fatalf("ctrl+e then typing gave %q", in.Value())
	}
	d.key("esc", "/")
	in = d.field()
	d.key("backspace")
	if in.Value() != "" {
		t.Fatalf("backspace on the selection left %q", in.Value())
	}
	d.key("esc", "/")
	in = d.field()
	d.send(tea.PasteMsg{Content: "status:'closed'"})
	if in.Value() != "status:'closed'" {
		t.Fatalf("a paste over the selection gave %q", in.Value())
	}
	d.key("esc", "F")
	if in := d.field(); in.Selected() {
		t.Fatal("an empty search line has nothing to select")
	}
}
