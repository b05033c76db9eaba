package ui

import (
	"regexp"
	"strings"
	"testing"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/termsafe"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// FuzzRenderDetection: whatever strings a detection carries, the list and
// the detail put no control sequence of the data's on the screen: what
// escapes remain are the console's own colours.
func FuzzRenderDetection(f *testing.F) {
	f.Add("host\x1b]0;owned\x07", "cmd \x1b[2J\u202e", "evil\x00.exe", "Alice\x9b")
	f.Add("ok", strings.Repeat("A", 3000), "", "")
	f.Add("\xff\xfe", "\r\n\t", "\u2066x\u2069", "\x1bP+q\x1b\\")
	sgr := regexp.MustCompile("\x1b\\[[0-9;:]*m")
	f.Fuzz(func(t *testing.T, host, cmd, file, user string) {
		d := model.Detection{ID: "ldt:" + host, Status: model.Status(user), MaxSeverity: 70, ShowInUI: true, AssigneeName: user,
			Device: model.Device{Hostname: host, OU: []string{file}}, Tags: []string{cmd},
			Behaviors: []model.Behavior{{CmdLine: cmd, FileName: file, UserName: user, Tactic: host, Technique: cmd, ParentCmdLine: cmd + file}}}
		m := staticModel(t, memOf(d), 120, 60)
		m.o.Source.Label, m.o.Source.CID = host, user
		m.bar.Say(cmd)
		for _, detail := range []bool{false, true} {
			if detail {
				m.openDetail()
			}
			out := sgr.ReplaceAllString(m.View().Content, "")
			for _, r := range out {
				if r != '\n' && !termsafe.Plain(r) {
					t.Fatalf("%U on the screen: the sanitiser would not let it through", r)
				}
			}
		}
	})
}

// Every frame of the console passes the guard unchanged: it draws only
// SGR styling, so the guard never eats what the console meant to show.
func TestFramesPassTheGuardUnchanged(t *testing.T) {
	h := newHarness(t, 200)
	d := loaded(t, h)
	for _, keys := range [][]string{nil, {"enter"}, {"esc", "?"}, {"esc", "s"}, {"esc", "a"}, {"esc", "c"}, {"esc", "esc", "tab"}} {
		d.key(keys...)
		d.settle()
		raw := d.m.frame().Content
		if screen.GuardFrame(raw) != raw {
			t.Fatalf("after %v the guard changed the console's own frame", keys)
		}
	}
}
