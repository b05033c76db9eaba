package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDetailFirstScreenInTmux opens an Alerts endpoint alert at 80×24 in a
// real terminal: what a decision needs (technique, tactic, command line,
// file, hashes, user, host) is on the first screen without scrolling; the
// ids and times come after.
func TestDetailFirstScreenInTmux(t *testing.T) {
	bin := buildBinary(t)
	url := startFake(t, bin, "--count", "300", "--seed", "5", "--decommission-detects")
	state, cfg := t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(cfg, "falcon-triage"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg, "falcon-triage", "config.yaml"), []byte("api: alerts\nproducts: [epp]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := consoleEnv(t, url, state)
	env[len(env)-2] = "XDG_CONFIG_HOME=" + cfg
	tm := newTmux(t, 80, 24, env, bin)
	tm.waitFor("the first rows", func(sc string) bool {
		return strings.Contains(sc, "1–19 of") && strings.Contains(sc, "product:['epp']") && !strings.Contains(sc, "loading")
	})
	tm.send("Enter")
	sc := tm.waitFor("the detail", func(sc string) bool { return strings.Contains(sc, "── Alert") && strings.Contains(sc, "Assignee") })
	lines := strings.Split(sc, "\n")
	if !strings.HasPrefix(lines[2], "── Alert") {
		t.Fatalf("the detail does not open at its top:\n%s", sc)
	}
	for what, re := range map[string]string{
		"technique":    `(?m)^[ ▶]Technique +\S.*\(T\d{4}`,
		"tactic":       `(?m)^[ ▶]Tactic +\S.*\(TA\d{4}\)`,
		"command line": `(?m)^[ ▶]Command line +\S`,
		"file":         `(?m)^[ ▶]File +\S`,
		"SHA256":       `(?m)^[ ▶]SHA256 +[0-9a-f]{64}\s*$`,
		"MD5":          `(?m)^[ ▶]MD5 +[0-9a-f]{32}\s*$`,
		"user":         `(?m)^[ ▶]User +\S`,
		"host":         `(?m)^[ ▶]Hostname +\S`,
	} {
		if !regexp.MustCompile(re).MatchString(sc) {
			t.Errorf("the first screen lacks the %s:\n%s", what, sc)
		}
	}
	if strings.Contains(sc, "── Ids and times") || regexp.MustCompile(`(?m)^ Id `).MatchString(sc) {
		t.Errorf("the ids come before what the decision needs:\n%s", sc)
	}
	tm.send("q") // closes the detail
	tm.waitFor("the list", func(sc string) bool { return !strings.Contains(sc, "── Alert") })
	tm.send("q")
	tm.waitFor("the program to end", func(string) bool { return !tm.alive() })
}
