package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// allRequests sums the fake's requests of every kind.
func allRequests(t *testing.T, url string) float64 {
	var n float64
	for _, v := range fakeStats(t, url)["requests"].(map[string]any) {
		f, _ := v.(float64)
		n += f
	}
	return n
}

// requestKinds are the fake's requests by kind.
func requestKinds(t *testing.T, url string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range fakeStats(t, url)["requests"].(map[string]any) {
		out[k], _ = v.(float64)
	}
	return out
}

// TestViewsInTmux: a config of three views shows them as tabs with their
// counts at 80x24, all counted by one aggregate request; 2 switches to the
// second view, and 1 comes back to the first on the row the cursor left.
func TestViewsInTmux(t *testing.T) {
	bin := buildBinary(t)
	url := startFake(t, bin, "--count", "400", "--seed", "3", "--decommission-detects")
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	body := `# the night shift's views
views:
  - {name: New, filter: "status:'new'"}
  - {name: High, filter: "severity:>=70", sort: "severity|desc"}
  - {name: Everything}
`
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	tm := newTmux(t, 80, 24, append(consoleEnv(t, url, t.TempDir()), "TZ=UTC"), bin, "--config", cfg)
	idle := func(sc string) bool { return strings.Contains(sc, " of ") && !strings.Contains(sc, "loading") }
	counted := regexp.MustCompile(`\[1 New \d+\] │ 2 High \d+ │ 3 Everything \d+`)
	sc := tm.waitFor("the tabs with their counts", func(sc string) bool { return idle(sc) && counted.MatchString(sc) })
	for _, l := range strings.Split(sc, "\n") {
		if len([]rune(l)) > 80 {
			t.Fatalf("a line wider than 80 columns: %q", l)
		}
	}
	if n, _ := fakeStats(t, url)["requests"].(map[string]any)["aggregates"].(float64); n != 1 {
		t.Fatalf("three views were counted by %v aggregate requests, want 1", n)
	}
	for range 3 {
		before := cursorRow(t, tm.capture())
		tm.send("j")
		tm.waitFor("the cursor to move", func(sc string) bool { return cursorRow(t, sc) != before })
	}
	row := cursorRow(t, tm.capture())
	before, kinds := allRequests(t, url), requestKinds(t, url)
	tm.send("2")
	tm.waitFor("view 2", func(sc string) bool {
		return idle(sc) && strings.Contains(sc, "[2 High") && strings.Contains(sc, "filter: severity:>=70")
	})
	switched := allRequests(t, url) - before
	for k, n := range requestKinds(t, url) {
		if n != kinds[k] {
			t.Logf("the switch to view 2 asked %v %s", n-kinds[k], k)
		}
	}
	tm.send("1")
	tm.waitFor("view 1 on the row it left", func(sc string) bool {
		return idle(sc) && strings.Contains(sc, "[1 New") && cursorRow(t, sc) == row
	})
	back := allRequests(t, url) - before - switched
	t.Logf("requests per view switch: %v to a view first shown, %v back to one left", switched, back)
	if switched > 3 || back > 3 {
		t.Fatalf("a view switch sent %v and %v requests, want at most 3", switched, back)
	}
	tm.send("q")
	tm.waitFor("the program to end", func(string) bool { return !tm.alive() })
}
