package ui

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/falcon-triage/falcon-triage/model"
)

func TestSanitize(t *testing.T) {
	cases := map[string]string{
		"plain host-01":         "plain host-01",
		"evil\x1b]0;title\x07x": "evil␛]0;title␇x",
		"\x1b[2J\x1b[H":         "␛[2J␛[H",
		"invoice\u202Efdp.exe":  "invoice<U+202E>fdp.exe",
		"a\nb\tc\r":             "a↵b→c␍",
		"\u009b31m":             `\u009b31m`,
		"bad\xffutf8":           `bad\xffutf8`,
		"\x00\x7f":              "␀␡",
		"日本語 ok":                "日本語 ok",
	}
	for in, want := range cases {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSanitize: nothing that leaves the sanitiser can act on a terminal.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"", "a", "\x1b]52;c;ZWNobw==\x07", "\x1bP+q\x1b\\", "\u202e\u2066", "\xc3\x28", "\u009b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidiControl(r) {
				t.Fatalf("control %U survived in %q", r, out)
			}
		}
		if Sanitize(out) != out {
			t.Fatalf("not idempotent on %q", s)
		}
		if s != "" && out == "" {
			t.Fatalf("%q vanished", s)
		}
	})
}

func BenchmarkSanitizeClean(b *testing.B) {
	s := "WS-0042.corp.example powershell.exe -NoP -W Hidden"
	b.ReportAllocs()
	for b.Loop() {
		_ = Sanitize(s)
	}
}

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
		m := New(Options{Source: Source{Backend: newMemBackend(0), Label: host, CID: user}, Location: time.UTC})
		m.width, m.height = 120, 60
		m.list.cur.ids = []string{d.ID}
		m.rows.cache.Put(d)
		m.msg.text = cmd
		for _, detail := range []bool{false, true} {
			if detail {
				m.openDetail()
			}
			out := sgr.ReplaceAllString(m.View().Content, "")
			for _, r := range out {
				if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidiControl(r) {
					t.Fatalf("control %U on the screen", r)
				}
			}
		}
	})
}

func TestTruncateAndWidth(t *testing.T) {
	for _, c := range []struct {
		s    string
		w    int
		want string
	}{
		{"WS-0042", 10, "WS-0042"},
		{"WS-0042.corp.example", 8, "WS-0042…"},
		{"日本語のホスト", 6, "日本…"},
		{"", 3, ""},
	} {
		if got := Truncate(c.s, c.w); got != c.want || cellWidth(got) > c.w {
			t.Errorf("Truncate(%q, %d) = %q (%d cells), want %q", c.s, c.w, got, cellWidth(got), c.want)
		}
	}
	if cellWidth("日本") != 4 || cellWidth("\x1b[1mab\x1b[0m") != 2 || cellWidth("abc") != 3 {
		t.Fatal("cellWidth")
	}
}

// The last step of every frame lets through only the console's own styling:
// a service string that missed Sanitize still reaches the terminal harmless.
func TestGuardFrame(t *testing.T) {
	styled := "\x1b[1;38;2;147;197;253mfalcon-triage\x1b[m │ ok\nline two ✓ é 漢"
	if got := guardFrame(styled); got != styled {
		t.Fatalf("the console's own frame was changed: %q", got)
	}
	for in, want := range map[string]string{
		"a\x1b]52;c;ZXZpbA==\x07b":   "a]52;c;ZXZpbA==b",
		"a\x1b[6nb":                  "a[6nb",
		"a\x1bP+q544e\x1b\\b":        "aP+q544e\\b",
		"x\u009b31my":                "x31my",
		"in\u202evoice\u200dz\u2060": "invoicez",
		"tag\U000E0041s\r\x08":       "tags",
	} {
		if got := guardFrame(in); got != want {
			t.Errorf("guardFrame(%q) = %q, want %q", in, got, want)
		}
	}
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
		if guardFrame(raw) != raw {
			t.Fatalf("after %v the guard changed the console's own frame", keys)
		}
	}
}
