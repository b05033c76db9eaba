package screen

import (
	"testing"
	"unicode/utf8"
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
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || IsBidiControl(r) {
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
		if got := Truncate(c.s, c.w); got != c.want || Width(got) > c.w {
			t.Errorf("Truncate(%q, %d) = %q (%d cells), want %q", c.s, c.w, got, Width(got), c.want)
		}
	}
	if Width("日本") != 4 || Width("\x1b[1mab\x1b[0m") != 2 || Width("abc") != 3 {
		t.Fatal("Width")
	}
}

// The last step of every frame lets through only the console's own styling:
// a service string that missed Sanitize still reaches the terminal harmless.
func TestGuardFrame(t *testing.T) {
	styled := "\x1b[1;38;2;147;197;253mfalcon-triage\x1b[m │ ok\nline two ✓ é 漢"
	if got := GuardFrame(styled); got != styled {
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
		if got := GuardFrame(in); got != want {
			t.Errorf("GuardFrame(%q) = %q, want %q", in, got, want)
		}
	}
}
