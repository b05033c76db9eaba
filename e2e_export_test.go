package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestQuitDuringAnExportAsksAndNamesThePartialFile exports at 80x24, the
// service holding its queries after the first 1,000 rows, and quits with q: the
// console asks first, y stops the export, and the restored terminal holds
// one line naming the .partial file and how many rows it holds, as many as
// it does.
func TestQuitDuringAnExportAsksAndNamesThePartialFile(t *testing.T) {
	bin := buildBinary(t)
	url := startFake(t, bin, "--count", "5000")
	env := consoleEnv(t, url, t.TempDir())
	path := filepath.Join(t.TempDir(), "quit2.jsonl")
	tm := newTmux(t, 80, 24, env, statusShell(bin, "--api", "alerts")...)
	tm.keepDeadPane()
	tm.waitFor("the first rows", func(sc string) bool { return strings.Contains(sc, " of ") && !strings.Contains(sc, "loading") })
	tm.send("e")
	tm.waitText("(filter: none) to ›")
	tm.send("C-u")
	tm.sendText(path)
	// The export's first page (1,000 alerts) goes through; its next waits.
	setFaults(t, url, `{"HoldQueries": true, "PassQueries": 1}`)
	tm.send("Enter")
	tm.waitText("exported 1,000 of ")
	tm.send("q")
	tm.waitFor("the question", func(sc string) bool {
		return strings.Contains(sc, "an export is running (1,000 of ") && strings.Contains(sc, "quit2.jsonl): quit anyway?")
	})
	tm.send("y")
	status := tm.waitDead()
	sc := tm.captureJoined()
	line := regexp.MustCompile(`falcon-triage: the export to (\S+) was cut short: (\S+) holds (1,000) of [0-9,]+ alerts`).FindStringSubmatch(sc)
	if line == nil || line[1] != path || line[2] != path+".partial" || strings.Count(sc, "was cut short") != 1 {
		t.Fatalf("no line naming %s.partial; the terminal:\n%s", path, sc)
	}
	raw, err := os.ReadFile(path + ".partial")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(raw), "\n"); thousands(n) != line[3] || n == 0 {
		t.Fatalf("the line says %s rows, the file holds %d", line[3], n)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a stopped export took the file's name: %v", err)
	}
	if status != 0 { // documented: the analyst chose to quit; the line says what is left
		t.Fatalf("exit status %d", status)
	}
}
