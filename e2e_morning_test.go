package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/falcon-triage/falcon-triage/export"
)

// TestMorningInTmux walks an analyst's morning through the built binary in a
// real terminal: the last 24 hours at high severity and above, one
// detection opened, its second behaviour's SHA256 copied (the OSC 52 payload
// checked in tmux's buffer), the rows of one host marked, set in progress,
// assigned to me, commented, two closed as false positive, then quit and
// restart to find the filter still relative.
func TestMorningInTmux(t *testing.T) {
	bin := buildBinary(t)
	url := startFake(t, bin, "--count", "1500", "--seed", "9")
	state, cfg := t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(cfg, "falcon-triage"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := "api: detects\nme:\n  login: chen.wei@corp.example\n  name: Chen Wei\n"
	if err := os.WriteFile(filepath.Join(cfg, "falcon-triage", "config.yaml"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"FALCON_BASE_URL=" + url, "FALCON_CLIENT_ID=demo-client-id", "FALCON_CLIENT_SECRET=demo-client-secret",
		"XDG_STATE_HOME=" + state, "XDG_CONFIG_HOME=" + cfg, "TERM=xterm-256color", "TZ=UTC",
	}
	tm := newTmux(t, 110, 50, env, bin)
	// tmux keeps what an application copies with OSC 52 in a buffer.
	if out, err := exec.Command("tmux", "-L", tm.socket, "set", "-g", "set-clipboard", "on").CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	tm.waitFor("the first rows", func(sc string) bool { return strings.Contains(sc, " of ") && !strings.Contains(sc, "loading") })

	// The last 24 hours, high and critical.
	tm.send("f", "2")
	tm.waitText("last_behavior:>='now-24h'")
	tm.send("f", "v", "h")
	sc := tm.waitFor("the filter", func(sc string) bool {
		return strings.Contains(sc, "max_severity:>=60") && !strings.Contains(sc, "loading")
	})

	// Open a detection with several behaviours and walk to the second
	// behaviour's SHA256.
	opened := false
	for range 40 {
		tm.send("Enter")
		sc = tm.waitText("── Detection")
		if strings.Contains(sc, "Behaviour 1 of 1") || !strings.Contains(sc, "Behaviour 1 of") {
			tm.send("Escape", "j")
			continue
		}
		opened = true
		break
	}
	if !opened {
		t.Fatal("no detection with two behaviours in the first rows")
	}
	host := regexp.MustCompile(`Hostname\s+(\S+)`).FindStringSubmatch(sc)
	// The ids come after what the decision needs: at the detail's end.
	tm.send("G")
	sc = tm.waitText("── Ids and times")
	id := regexp.MustCompile(`Id\s+(ldt:\S+)`).FindStringSubmatch(sc)
	if id == nil || host == nil {
		t.Fatalf("no id or host in the detail:\n%s", sc)
	}
	tm.send("g")
	tm.waitFor("the detail's top", func(sc string) bool {
		return strings.Contains(sc, "── Detection") && !strings.Contains(sc, "── Ids and times")
	})
	// Behaviour 2's SHA256: in its own section, or in the first one when
	// it is the worst; the copy menu's title says whose it copies.
	onSecondSHA := func(sc string) bool {
		if !strings.Contains(sc, "\n▶SHA256") {
			return false
		}
		tm.send("y")
		sc = tm.waitText("Copy (behaviour")
		if strings.Contains(sc, "Copy (behaviour 2 of") {
			return true
		}
		tm.send("Escape")
		tm.waitFor("the copy menu closed", func(sc string) bool { return !strings.Contains(sc, "Copy (behaviour") })
		return false
	}
	cursorAt := func(sc string) string {
		for i, l := range strings.Split(sc, "\n") {
			if strings.HasPrefix(l, "▶") {
				return fmt.Sprint(i, l)
			}
		}
		return ""
	}
	for i := 0; !onSecondSHA(tm.capture()); i++ {
		if i == 150 {
			t.Fatalf("never reached behaviour 2's SHA256:\n%s", tm.capture())
		}
		before := cursorAt(tm.capture())
		tm.send("j")
		tm.waitFor("the cursor to move", func(sc string) bool { return cursorAt(sc) != before })
	}
	tm.send("s")
	tm.waitText("copied the SHA256")
	buf, err := exec.Command("tmux", "-L", tm.socket, "show-buffer").Output()
	if err != nil {
		t.Fatalf("nothing in tmux's buffer: %v", err)
	}
	exp := exec.Command(bin, "export", "--base-url", url, "--api", "detects", "--format", "jsonl", "--include-hidden",
		"--filter", "detection_id:'"+id[1]+"'")
	exp.Env = append(os.Environ(), "FALCON_CLIENT_ID=demo-client-id", "FALCON_CLIENT_SECRET=demo-client-secret", "XDG_CONFIG_HOME="+t.TempDir())
	out, err := exp.Output()
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	var rec export.Detection
	if err := json.Unmarshal(out, &rec); err != nil || len(rec.Behaviors) < 2 {
		t.Fatalf("export of %s: %v %s", id[1], err, out)
	}
	if got := strings.TrimSpace(string(buf)); got != rec.Behaviors[1].SHA256 {
		t.Fatalf("the clipboard holds %q, behaviour 2's SHA256 is %q", got, rec.Behaviors[1].SHA256)
	}

	// The rows of that host: marked, in progress, mine, commented.
	tm.send("q") // q closes the detail first
	tm.waitFor("the list", func(sc string) bool { return !strings.Contains(sc, "── Detection") })
	tm.send("f", "h")
	tm.sendText(host[1])
	tm.send("Enter")
	tm.waitFor("the host's rows", func(sc string) bool {
		return strings.Contains(sc, "device.hostname:'"+host[1]+"'") && !strings.Contains(sc, "loading")
	})
	tm.send("C-a")
	sc = tm.waitText(" marked")
	n := regexp.MustCompile(`(\d+) marked`).FindStringSubmatch(sc)[1]
	tm.send("s", "i")
	tm.waitText("Status → In progress: " + n + " of " + n + " applied")
	tm.send("a", "m", "Enter") // m is typed; "Me" is first, enter takes it
	tm.waitText("Assign → Chen Wei: " + n + " of " + n + " applied")
	tm.send("c")
	tm.sendText("morning triage: looked at the host")
	tm.send("C-s")
	tm.waitText("Comment added to " + n + " of " + n)

	// Back to the morning's list; two closed as false positive.
	tm.send("Escape")
	tm.waitText("marks cleared")
	tm.send("f", "x")
	tm.waitText("filter: (none)")
	tm.send("f", "2")
	tm.waitText("last_behavior:>='now-24h'")
	tm.send("f", "v", "h")
	tm.waitFor("the filter", func(sc string) bool {
		return strings.Contains(sc, "max_severity:>=60") && !strings.Contains(sc, "loading")
	})
	tm.send("g", "Space", "Space", "s", "f")
	tm.waitText("Status → False positive: 2 of 2 applied")

	tm.send("q")
	tm.waitFor("the program to end", func(string) bool { return !tm.alive() })
	raw, err := os.ReadFile(filepath.Join(state, "falcon-triage", "session.json"))
	if err != nil || !strings.Contains(string(raw), "now-24h") {
		t.Fatalf("the session lost the relative filter: %v %s", err, raw)
	}
	// The audit log names the analyst the config names, on every record.
	raw, err = os.ReadFile(filepath.Join(state, "falcon-triage", "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var rec struct {
			Who struct {
				Login string `json:"analyst_login"`
				Name  string `json:"analyst_name"`
			} `json:"who"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Who.Login != "chen.wei@corp.example" || rec.Who.Name != "Chen Wei" {
			t.Fatalf("an audit record does not name the analyst: %v %s", err, line)
		}
	}
	tm = newTmux(t, 110, 50, env, bin)
	tm.waitFor("the restored filter", func(sc string) bool {
		return strings.Contains(sc, "last_behavior:>='now-24h'") && strings.Contains(sc, " of ") && !strings.Contains(sc, "loading")
	})
	tm.send("q")
	tm.waitFor("the program to end", func(string) bool { return !tm.alive() })
}
