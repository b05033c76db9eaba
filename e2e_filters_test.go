package main

import (
	"net/http"
	"strings"
	"testing"
)

// cursorRow is the line of the list the cursor is on.
func cursorRow(t *testing.T, sc string) string {
	t.Helper()
	for _, l := range strings.Split(sc, "\n") {
		if strings.Contains(l, "▶") {
			return strings.TrimSpace(l)
		}
	}
	t.Fatalf("no cursor on screen:\n%s", sc)
	return ""
}

func queries(t *testing.T, url string) float64 {
	n, _ := fakeStats(t, url)["requests"].(map[string]any)["query"].(float64)
	return n
}

// TestBackAfterPivotsInTmux: three pivots (two quick filters and a typed
// filter), each from another row; new incidents arrive; three backspaces
// each come back to the filter and the row it left, and a fourth says
// there is nothing to go back to.
func TestBackAfterPivotsInTmux(t *testing.T) {
	bin := buildBinary(t)
	url := startFake(t, bin, "--count", "400", "--seed", "3", "--decommission-detects")
	tm := newTmux(t, 100, 30, append(consoleEnv(t, url, t.TempDir()), "TZ=UTC"), bin)
	idle := func(sc string) bool { return strings.Contains(sc, " of ") && !strings.Contains(sc, "loading") }
	tm.waitFor("the first rows", idle)
	type left struct{ filter, row string }
	var steps []left
	filterNow := "filter: (none)"
	pivot := func(down int, want string, keys func()) {
		t.Helper()
		for range down {
			before := cursorRow(t, tm.capture())
			tm.send("j")
			tm.waitFor("the cursor to move", func(sc string) bool { return cursorRow(t, sc) != before })
		}
		steps = append(steps, left{filterNow, cursorRow(t, tm.capture())})
		keys()
		tm.waitFor(want, func(sc string) bool { return strings.Contains(sc, want) && idle(sc) })
		filterNow = want
	}
	pivot(4, "filter: severity:>=60", func() { tm.send("f", "v", "h") })
	pivot(2, "filter: severity:>=60+status:'new'", func() { tm.send("f", "s", "n") })
	pivot(3, "filter: product:'epp'", func() {
		tm.send("/")
		tm.waitText("filter (FQL) › severity:>=60+status:'new'")
		tm.sendText("product:'epp'") // replaces the selected filter
		tm.send("Enter")
	})
	resp, err := http.Post(url+"/_fake/incidents", "application/json", strings.NewReader(`{"count": 5}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for i := len(steps) - 1; i >= 0; i-- {
		tm.send("BSpace")
		want := steps[i]
		tm.waitFor("back to "+want.filter+" on "+want.row, func(sc string) bool {
			return strings.Contains(sc, "back to ") && idle(sc) && cursorRow(t, sc) == want.row && strings.Contains(sc, want.filter)
		})
	}
	tm.send("BSpace")
	tm.waitText("nothing to go back to")
	tm.send("q")
	tm.waitFor("the program to end", func(string) bool { return !tm.alive() })
}

// TestAlertsFilterLineInTmux: on an Alerts tenant the filter line's
// example speaks Alerts, and a Detects field is refused on screen with
// its Alerts name and the column, while the fake sees no query.
func TestAlertsFilterLineInTmux(t *testing.T) {
	bin := buildBinary(t)
	url := startFake(t, bin, "--count", "200", "--decommission-detects")
	tm := newTmux(t, 100, 30, consoleEnv(t, url, t.TempDir()), bin)
	tm.waitFor("the first rows", func(sc string) bool { return strings.Contains(sc, " of ") && !strings.Contains(sc, "loading") })
	tm.send("/")
	tm.waitText("filter (FQL) › status:'new'+severity:>=60  (↑/↓ history)")
	before := queries(t, url)
	tm.sendText("status:'new'+max_severity:>=60")
	tm.send("Enter")
	sc := tm.waitText("max_severity is the other API's name: this one calls it severity")
	if !strings.Contains(sc, "at column 14") || !strings.Contains(sc, "filter (FQL) › status:'new'+max_severity:>=60") {
		t.Fatalf("the refusal or the text as typed is missing:\n%s", sc)
	}
	tm.send("C-u") // this line's own key: clear it
	tm.sendText("severty:>=60")
	tm.send("Enter")
	tm.waitText("no field severty here (the nearest: severity, severity_name) at column 1: ‸severty:>=60")
	if n := queries(t, url); n != before {
		t.Fatalf("%v queries sent for refused filters", n-before)
	}
	tm.send("Escape") // alone: escape and q sent together read as alt+q
	tm.waitFor("the line closed", func(sc string) bool { return !strings.Contains(sc, "filter (FQL)") })
	tm.send("q")
	tm.waitFor("the program to end", func(string) bool { return !tm.alive() })
}
