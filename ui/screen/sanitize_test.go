package screen

import (
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/termsafe"
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

// FuzzSanitize: nothing that leaves the sanitiser can act on a terminal,
// and what leaves it is as wide on the terminal as the console counts it:
// per code point, as tmux and the renderer count, and per grapheme, as
// the layout does.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"", "a", "\x1b]52;c;ZWNobw==\x07", "\x1bP+q\x1b\\", "\u202e\u2066", "\xc3\x28", "\u009b",
		"STRICT-HOST\u0600\u06dd\U000110bd\U00013430", "क्क", "\u1100\u1161\u11a8", "👍\U0001f3fd\U0001f1eb\U0001f1f7", "e\u0301\u20e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		for _, r := range out {
			if !termsafe.Plain(r) {
				t.Fatalf("%U survived in %q", r, out)
			}
		}
		if w, wc := Width(out), ansi.StringWidthWc(out); w != wc {
			t.Fatalf("%+q is %d cells to the console, %d to a terminal", out, w, wc)
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
		"a\x1b]52;c;ZXZpbA==\x07b":    "a]52;c;ZXZpbA==b",
		"a\x1b[6nb":                   "a[6nb",
		"a\x1bP+q544e\x1b\\b":         "aP+q544e\\b",
		"x\u009b31my":                 "x31my",
		"in\u202evoice\u200dz\u2060":  "invoicez",
		"STRICT\u0600-HOST\U0001d173": "STRICT-HOST",
		"tag\U000E0041s\r\x08":        "tags",
	} {
		if got := GuardFrame(in); got != want {
			t.Errorf("GuardFrame(%q) = %q, want %q", in, got, want)
		}
	}
}

// A name keeps what tells rows apart: a host's first label whole, then
// whole parts of its domain (never a domain's tail); a person's account
// its head; a numbered fleet name its head and its number.
func TestTruncateName(t *testing.T) {
	for _, c := range []struct {
		s    string
		w    int
		want string
	}{
		{"WS-0042", 14, "WS-0042"},
		{"web-74.prod.corp.example", 12, "web-74.prod…"},
		{"db-07.prod.corp.example", 12, "db-07.prod…"},
		{"api-43.prod.corp.example", 12, "api-43.prod…"},
		{"bastion-74.prod.corp.example", 12, "bastion-74…"},
		{"web-54.prod.corp.example", 20, "web-54.prod.corp…"},
		{"k8s-node-84.prod.corp.example", 14, "k8s-node-84…"},
		{"@alice.martin", 11, "@alice.mar…"},
		{"@emeka.okafor", 12, "@emeka.okaf…"},
		{"alice.martin@corp.example", 12, "alice.marti…"},
		{"@alice@corp.example", 12, "@alice@corp…"},
		{"STRICT-HOST-FLEET-EU-0042", 18, "STRICT-HOST-…-0042"},
		{"STRICT-HOST-FLEET-EU-0042.corp.example", 14, "STRICT-H…-0042"},
		{"@svc-backup-prod-eu-01", 14, "@svc-backu…-01"},
		{"Farah Haddad-Okafor", 11, "Farah Hadd…"},
		{"日本語のホスト名-0042", 10, "日本…-0042"},
		{"web-54.prod", 4, "web…"},
	} {
		got := TruncateName(c.s, c.w)
		if got != c.want || Width(got) > c.w {
			t.Errorf("TruncateName(%q, %d) = %q (%d cells), want %q", c.s, c.w, got, Width(got), c.want)
		}
	}
}

// A cut name is never wider than its column, whatever it holds.
func FuzzTruncateName(f *testing.F) {
	for _, s := range []string{"web-74.prod.corp.example", "@alice.martin", "STRICT-HOST-FLEET-EU-0042", "日本語のホスト名-0042", "@", "a.b@c", "@@.", "x-1"} {
		f.Add(s, 12)
	}
	f.Fuzz(func(t *testing.T, s string, w int) {
		s, w = Sanitize(s), w%40
		got := TruncateName(s, w)
		if Width(got) > max(0, w) || !utf8.ValidString(got) {
			t.Fatalf("TruncateName(%q, %d) = %q, %d cells", s, w, got, Width(got))
		}
	})
}
