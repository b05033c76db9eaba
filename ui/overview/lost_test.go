package overview

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
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

// The panel the cursor is in comes back empty from a refresh: enter drills
// into no bucket of another panel, and the cursor goes back to its panel
// when it has buckets again.
func TestEnterOpensNothingWhenTheChosenPanelEmptied(t *testing.T) {
	statusOnly := []model.Aggregation{{Name: aggStatus, Buckets: []model.Bucket{{Label: "new", Count: 3}}}}
	o := newOverview(hosts("db-34", "WS-5619"), statusOnly, hosts("db-34", "WS-5619"))
	o.Update(o.Load("show_in_ui:true", "")())
	press(o, "l", "l", "j")
	if panel, label := o.Selected(); panel != "Top hosts" || label != "WS-5619" {
		t.Fatalf("the cursor is on %s / %s", panel, label)
	}
	_, cmd := o.Update(tea.KeyPressMsg{Code: 'r', Text: "r"})
	o.Update(cmd())
	if out, _ := o.Update(tea.KeyPressMsg{Code: tea.KeyEnter}); out.Drill != "" || out.Say == "" {
		t.Fatalf("the hosts panel emptied; enter drilled into %q, saying %q", out.Drill, out.Say)
	}
	_, cmd = o.Update(tea.KeyPressMsg{Code: 'r', Text: "r"})
	o.Update(cmd())
	if out, _ := o.Update(tea.KeyPressMsg{Code: tea.KeyEnter}); out.Drill != "device.hostname:'WS-5619'" {
		t.Fatalf("the hosts back, enter drilled into %q, saying %q", out.Drill, out.Say)
	}
}
