package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// containConsole starts the console in tmux at 120×40 on the fake's
// endpoint alerts (products: [epp]), with extra console arguments.
func containConsole(t *testing.T, bin, url string, args ...string) *tmuxTerm {
	t.Helper()
	state, cfg := t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(cfg, "falcon-triage"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg, "falcon-triage", "config.yaml"), []byte("api: alerts\nproducts: [epp]\nlive: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := consoleEnv(t, url, state)
	env[len(env)-2] = "XDG_CONFIG_HOME=" + cfg
	tm := newTmux(t, 120, 40, env, append([]string{bin}, args...)...)
	tm.waitFor("the first rows", func(sc string) bool {
		return strings.Contains(sc, " of ") && strings.Contains(sc, "product:['epp']") && !strings.Contains(sc, "loading")
	})
	return tm
}

// TestContainInTmux: against the fake (a sensor acknowledging in 2 s), an
// endpoint alert's detail shows its host from the Hosts API; C, confirmed,
// contains it: pending, then contained in the list; u lifts it. In
// read-only mode C is not offered and nothing is sent.
func TestContainInTmux(t *testing.T) {
	bin := buildBinary(t)
	url := startFake(t, bin, "--count", "300", "--seed", "5", "--decommission-detects", "--contain-after", "2s")
	tm := containConsole(t, bin, url)
	tm.send("Enter")
	tm.waitText("── Alert")
	tm.send("G") // the bottom of the detail: the host section is on screen
	sc := tm.waitFor("the host section", func(sc string) bool {
		return strings.Contains(sc, "Containment") && strings.Contains(sc, "Sensor") && strings.Contains(sc, "Alerts, 7 days")
	})
	if !regexp.MustCompile(`(?m)^[ ▶]Containment +normal`).MatchString(sc) {
		t.Fatalf("the host is not shown normal:\n%s", sc)
	}
	tm.send("C")
	tm.waitText("Contain 1 host: ")
	tm.waitText("y Contain") // armed: the answers show once they work
	tm.send("y")
	tm.waitText("containment pending")
	sc = tm.waitFor("the host contained", func(sc string) bool {
		return regexp.MustCompile(`(?m)^[ ▶]Containment +contained`).MatchString(sc)
	})
	tm.send("Escape")
	sc = tm.waitFor("the list", func(sc string) bool { return strings.Contains(sc, "TECHNIQUE") })
	if !strings.Contains(sc, "⊘ ") {
		t.Fatalf("the list does not mark the host contained:\n%s", sc)
	}
	if n := fakeRequests(t, url, "hosts-action"); n != 1 {
		t.Fatalf("%v containment requests, want 1", n)
	}
	tm.send("u")
	tm.waitText("lift pending")
	tm.waitText("Containment: ")
	tm.waitFor("the host normal again", func(sc string) bool { return strings.Contains(sc, " normal") && !strings.Contains(sc, "⊘") })
	if n := fakeRequests(t, url, "hosts-action"); n != 2 {
		t.Fatalf("%v containment requests, want the contain and its lift", n)
	}
	tm.send("q")
	tm.waitFor("the program to end", func(string) bool { return !tm.alive() })

	ro := containConsole(t, bin, url, "--read-only")
	ro.send("C")
	ro.waitText("read-only: writes are disabled")
	ro.send("Enter")
	ro.waitText("── Alert")
	ro.send("C")
	if sc := ro.waitText("read-only"); strings.Contains(sc, "Contain 1 host") {
		t.Fatalf("read-only offers a containment:\n%s", sc)
	}
	ro.send("?")
	if sc := ro.waitText("all keys"); strings.Contains(sc, "contain the row") {
		t.Fatalf("read-only help offers C:\n%s", sc)
	}
	ro.send("Escape")
	ro.waitFor("the help closed", func(sc string) bool { return !strings.Contains(sc, "all keys") })
	ro.send("q") // closes the detail
	ro.waitFor("the list", func(sc string) bool { return !strings.Contains(sc, "── Alert") })
	ro.send("q")
	ro.waitFor("the program to end", func(string) bool { return !ro.alive() })
	if n := fakeRequests(t, url, "hosts-action"); n != 2 {
		t.Fatalf("%v containment requests after read-only, want none more", n)
	}
}

func fakeRequests(t *testing.T, url, op string) float64 {
	t.Helper()
	n, _ := fakeStats(t, url)["requests"].(map[string]any)[op].(float64)
	return n
}
