package ui

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
