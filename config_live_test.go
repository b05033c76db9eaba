package main

import (
	"strings"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/ui"
)

// The live settings: refused in the file's words with the file and the
// line, taken as written, and --no-live wins over the file.
func TestConfigLiveSettings(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"cloud: eu-1\npoll_interval: 2s\n", `line 2: poll_interval: 2s: at least 5s`},
		{"poll_interval: often\n", `line 1: poll_interval: "often" is not a duration such as 30s or 2m`},
		{"notify: {severity: 170}\n", `line 1: notify: severity 170: want 1 to 100`},
		{"notify:\n  severity: 70\n  via: pager\n", `line 3: notify: via "pager": use bell, osc9 or osc777`},
		{"live: sometimes\n", `line 1: live: "sometimes" is not true or false`},
	} {
		path := writeConfig(t, c.body)
		_, err := loadConfig(path, true)
		if err == nil || !strings.Contains(err.Error(), path+" "+c.want) {
			t.Errorf("%q: %v\nwant %q", c.body, err, c.want)
		}
	}
	c, err := loadConfig(writeConfig(t, "poll_interval: 45s\nnotify: {severity: 70, via: osc777}\n"), true)
	if err != nil {
		t.Fatal(err)
	}
	on, every, n := liveOptions(c, false)
	if !on || every != 45*time.Second || n != (ui.Notify{Severity: 70, Via: "osc777"}) {
		t.Fatalf("live %v every %v notify %+v", on, every, n)
	}
	if on, _, _ := liveOptions(c, true); on {
		t.Fatal("--no-live left live on")
	}
	off, err := loadConfig(writeConfig(t, "live: false\n"), true)
	if err != nil {
		t.Fatal(err)
	}
	if on, _, _ := liveOptions(off, false); on {
		t.Fatal("live: false left live on")
	}
}
