package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestInvestigateInTmux: in the demo, an endpoint alert's detail draws its
// process tree (grandparent → parent → process, in words and glyphs), its
// incident's count and its console link; + on the parent's file name
// pivots the list (the header's filter says so) and backspace returns.
func TestInvestigateInTmux(t *testing.T) {
	bin := buildBinary(t)
	env := []string{"XDG_STATE_HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir(), "TERM=xterm-256color"}
	tm := newTmux(t, 80, 24, env, bin, "--demo", "--demo-count", "300")
	tm.waitFor("the demo's rows", func(sc string) bool { return strings.Contains(sc, " of ") && !strings.Contains(sc, "loading") })
	// Endpoint alerts only: each has a process.
	tm.send("/")
	tm.sendText("product:'epp'")
	tm.send("Enter")
	tm.waitFor("the endpoint alerts", func(sc string) bool {
		return strings.Contains(sc, "filter: product:'epp'") && strings.Contains(sc, " of ") && !strings.Contains(sc, "loading")
	})
	tm.send("Enter")
	tm.waitFor("the detail", func(sc string) bool { return strings.Contains(sc, "── Alert") })
	cursor := regexp.MustCompile(`(?m)^▶(.*)$`)
	onParent := regexp.MustCompile(`(?m)^▶└ parent +(\S+)`)
	var sc string
	for i := 0; ; i++ {
		sc = tm.capture()
		if onParent.MatchString(sc) {
			break
		}
		if i > 80 {
			t.Fatalf("j never reached the tree's parent:\n%s", sc)
		}
		before := cursor.FindString(sc)
		tm.send("j")
		tm.waitFor("the cursor to move", func(s string) bool { return cursor.FindString(s) != before })
	}
	file := onParent.FindStringSubmatch(sc)[1]
	g, p := strings.Index(sc, "grandparent"), strings.Index(sc, "└ parent")
	if g < 0 || g > p {
		t.Fatalf("the grandparent is not above the parent:\n%s", sc)
	}
	for _, l := range strings.Split(sc, "\n") {
		if len([]rune(l)) > 80 {
			t.Fatalf("a line wider than 80 columns: %q", l)
		}
	}
	tm.send("+")
	want := "parent_details.filename:'" + file + "'"
	tm.waitFor("the pivot", func(sc string) bool {
		return strings.Contains(sc, want) && !strings.Contains(sc, "── Alert") && !strings.Contains(sc, "loading")
	})
	tm.send("BSpace")
	tm.waitFor("the filter before the pivot", func(sc string) bool {
		return strings.Contains(sc, "filter: product:'epp'") && !strings.Contains(sc, "parent_details")
	})
	// The incident and the console link, on the detail's first rows again.
	tm.send("Enter")
	sc = tm.waitFor("the incident's count", func(sc string) bool {
		return regexp.MustCompile(`In incident +(\d+ alerts|this alert alone)`).MatchString(sc)
	})
	tm.send("q")
	tm.waitFor("the list", func(sc string) bool { return !strings.Contains(sc, "── Alert") })
	tm.send("q")
	tm.waitFor("the program to end", func(string) bool { return !tm.alive() })
}
