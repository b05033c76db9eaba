package overview

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// The host the cursor is on leaves the ranking in a refresh: enter drills
// into no other host, and says why; once the analyst moves, enter opens
// what the cursor is on.
func TestEnterOpensNothingWhenTheChosenHostLeftTheRanking(t *testing.T) {
	o := newOverview(hosts("db-34", "WS-5619", "LT-1"), hosts("db-34", "LT-1", "NEW-9"), hosts("LT-1", "WS-5619", "db-34"))
	o.Update(o.Load("show_in_ui:true", "")())
	press(o, "l", "l", "j")
	_, cmd := o.Update(tea.KeyPressMsg{Code: 'r', Text: "r"})
	o.Update(cmd())
	out, _ := o.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if out.Drill != "" || !strings.Contains(out.Say, "WS-5619") {
		t.Fatalf("the chosen host left the ranking; enter drilled into %q, saying %q", out.Drill, out.Say)
	}
	// It comes back in the next refresh: enter opens it.
	_, cmd = o.Update(tea.KeyPressMsg{Code: 'r', Text: "r"})
	o.Update(cmd())
	if out, _ := o.Update(tea.KeyPressMsg{Code: tea.KeyEnter}); out.Drill != "device.hostname:'WS-5619'" {
		t.Fatalf("back in the ranking, enter drilled into %q, saying %q", out.Drill, out.Say)
	}
	press(o, "k", "j")
	if out, _ := o.Update(tea.KeyPressMsg{Code: tea.KeyEnter}); out.Drill == "" {
		t.Fatal("after a move, enter opens nothing")
	}
}
