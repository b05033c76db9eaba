package views

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// The tabs fit the width: names give way, cut with …, counts and keys
// stay; the current tab is bracketed whatever the colours.
func TestTabsGiveWayByName(t *testing.T) {
	v := New(context.Background(), []Def{{Name: "New and unassigned on the servers"}, {Name: "Mine"}, {Name: "Everything open today"}})
	v.counts = []int64{1234, 7, 120000}
	v.SetCurrent(1)
	for _, w := range []int{120, 80, 60, 40} {
		line := v.Tabs(w, true, Styles{})
		if ansi.StringWidth(line) > w {
			t.Fatalf("%d columns: %q is wider", w, line)
		}
		for _, want := range []string{"1,234", "[2 Mine 7*]", "120,000"} {
			if w >= 60 && !strings.Contains(line, want) {
				t.Fatalf("%d columns: %q lacks %q", w, line, want)
			}
		}
	}
	if line := v.Tabs(120, false, Styles{}); strings.Contains(line, "…") || !strings.Contains(line, "[2 Mine 7]") {
		t.Fatalf("120 columns: %q", line)
	}
	if line := v.Tabs(60, false, Styles{}); !strings.Contains(line, "…") {
		t.Fatalf("60 columns cut no name: %q", line)
	}
	// Past nine, a view is reached by [ and ] only: no digit on its tab.
	many := make([]Def, 11)
	for i := range many {
		many[i] = Def{Name: string(rune('A' + i))}
	}
	if line := New(context.Background(), many).Tabs(200, false, Styles{}); !strings.Contains(line, "9 I …") || !strings.Contains(line, "· K …") {
		t.Fatalf("eleven views: %q", line)
	}
}
