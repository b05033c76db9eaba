package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLiveRowsInTmux: the built binary against `falcon-triage fake`,
// polling every 5 s (the config's poll_interval); alerts arrive three times
// while the cursor is on row 5: it never moves, the rows on screen stay,
// the header counts them within two intervals, and g brings them in.
func TestLiveRowsInTmux(t *testing.T) {
	bin := buildBinary(t)
	url := startFake(t, bin, "--count", "400", "--seed", "3", "--decommission-detects")
	env := append(consoleEnv(t, url, t.TempDir()), "TZ=UTC")
	cfgHome := t.TempDir()
	for i, e := range env {
		if strings.HasPrefix(e, "XDG_CONFIG_HOME=") {
			env[i] = "XDG_CONFIG_HOME=" + cfgHome
		}
	}
	if err := os.MkdirAll(filepath.Join(cfgHome, "falcon-triage"), 0o700); err != nil {
		t.Fatal(err)
	}
	const every = 5 * time.Second
	if err := os.WriteFile(filepath.Join(cfgHome, "falcon-triage", "config.yaml"), []byte("poll_interval: 5s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tm := newTmux(t, 100, 30, env, bin)
	idle := func(sc string) bool { return strings.Contains(sc, " of ") && !strings.Contains(sc, "loading") }
	tm.waitFor("the first rows", idle)
	for range 4 {
		before := cursorRow(t, tm.capture())
		tm.send("j")
		tm.waitFor("the cursor to move", func(sc string) bool { return cursorRow(t, sc) != before })
	}
	held := tm.capture()
	if cursorLineNo(held) != 3+4 {
		t.Fatalf("the cursor is not on row 5:\n%s", held)
	}
	rows := func(sc string) string { return strings.Join(strings.Split(sc, "\n")[3:27], "\n") }
	total := func(sc string) int {
		m := regexp.MustCompile(`of ([0-9,]+)`).FindStringSubmatch(sc)
		if m == nil {
			t.Fatalf("no total on screen:\n%s", sc)
		}
		n, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
		return n
	}
	newCount := func(sc string) int {
		m := regexp.MustCompile(`▲ ([0-9,]+) new`).FindStringSubmatch(sc)
		if m == nil {
			return 0
		}
		n, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
		return n
	}
	totalBefore := total(held)
	seen := 0
	for range 3 {
		resp, err := http.Post(url+"/_fake/incidents", "application/json", strings.NewReader(`{"count": 2}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		posted := time.Now()
		sc := tm.waitFor("more new alerts counted", func(sc string) bool { return newCount(sc) > seen })
		if took := time.Since(posted); took > 2*every+10*time.Second {
			t.Errorf("new alerts counted after %v, polling every %v", took, every)
		}
		seen = newCount(sc)
		if cursorLineNo(sc) != cursorLineNo(held) || cursorRow(t, sc) != cursorRow(t, held) || rows(sc) != rows(held) {
			t.Fatalf("the rows on screen moved as alerts arrived:\n%s\n---\n%s", held, sc)
		}
	}
	tm.send("g")
	sc := tm.waitFor("the new rows in", func(sc string) bool { return newCount(sc) == 0 && idle(sc) && total(sc) != totalBefore })
	if total(sc) != totalBefore+seen {
		t.Fatalf("after g, %d rows; before %d, and %d new announced:\n%s", total(sc), totalBefore, seen, sc)
	}
	tm.send("q")
	tm.waitFor("the program to end", func(string) bool { return !tm.alive() })
}

// cursorLineNo is the screen line (from 0) of the cursor, -1 for none.
func cursorLineNo(sc string) int {
	for i, l := range strings.Split(sc, "\n") {
		if strings.Contains(l, "▶") {
			return i
		}
	}
	return -1
}
