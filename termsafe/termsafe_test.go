package termsafe

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

func TestJSONAndCSV(t *testing.T) {
	cases := []struct{ in, json, csv string }{
		{"plain", `"plain"`, "plain"},
		{"a\u202eb", `"a\u202eb"`, `a\u202eb`},
		{"\u009b2J", `"\u009b2J"`, `\u009b2J`},
		{"x\x7fy", `"x\u007fy"`, `x\x7fy`},
		{"\x1b]0;t\x07", `"\u001b]0;t\u0007"`, `\x1b]0;t\x07`},
		{"tag\U000e0041", `"tag\udb40\udc41"`, `tag\U000e0041`},
		{"two\nlines\ttab", `"two\nlines\ttab"`, "two\nlines\ttab"},
		{"cr\r", `"cr\r"`, `cr\x0d`},
		{"bad\xffutf8", `"bad\ufffdutf8"`, `bad\xffutf8`},
		{"zw\u200bj\u200dbom\ufeff", `"zw\u200bj\u200dbom\ufeff"`, `zw\u200bj\u200dbom\ufeff`},
		{"ok é 日本", `"ok é 日本"`, "ok é 日本"},
		{"sign\u0600\U000110bd", `"sign\u0600\ud804\udcbd"`, `sign\u0600\U000110bd`},
		{"filler\u3164vs\ufe0f", `"filler\u3164vs\ufe0f"`, `filler\u3164vs\ufe0f`},
		{"नमस्ते ok", `"नमस्ते ok"`, "नमस्ते ok"},
	}
	for _, c := range cases {
		raw, _ := json.Marshal(c.in)
		if got := string(JSON(raw)); got != c.json {
			t.Errorf("JSON(%q) = %s, want %s", c.in, got, c.json)
		}
		if got := CSV(c.in); got != c.csv {
			t.Errorf("CSV(%q) = %q, want %q", c.in, got, c.csv)
		}
	}
}

// The 41 format characters that passed the console's old hand-made list
// (and shifted every column in tmux) are escaped on every path, as is the
// rest of the category.
func TestEveryFormatCharacterIsEscaped(t *testing.T) {
	seen := []rune{0x0600, 0x0605, 0x06dd, 0x070f, 0x0890, 0x0891, 0x08e2, 0x110bd, 0x110cd,
		0x13430, 0x1343f, 0x1bca0, 0x1bca3, 0x1d173, 0x1d17a}
	n := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !unicode.Is(unicode.Cf, r) {
			continue
		}
		n++
		s := "h" + string(r) + "st"
		want := fmt.Sprintf("h<U+%04X>st", r)
		if got := Text(s); got != want {
			t.Errorf("Text(%+q) = %q, want %q", s, got, want)
		}
		if Plain(r) || !Hidden(r) || CSV(s) == s || strings.ContainsRune(Strip(s), r) {
			t.Errorf("%U passes a path raw", r)
		}
		raw, _ := json.Marshal(s)
		if strings.ContainsRune(string(JSON(raw)), r) {
			t.Errorf("%U stays raw in JSON", r)
		}
	}
	for _, r := range seen {
		if !unicode.Is(unicode.Cf, r) || Plain(r) {
			t.Errorf("%U: the issue's characters are format characters, escaped", r)
		}
	}
	if n < 160 {
		t.Fatalf("only %d format characters in the tables", n)
	}
}

// Every character Text lets through has one width, however it is counted:
// per code point (wcwidth: tmux, xterm, the Bubble Tea renderer) and per
// grapheme cluster (Lip Gloss, the console's layout, terminals in mode
// 2027), alone and next to its neighbours. Everything it escapes comes out
// as characters that pass.
func TestWhatPassesHasOneWidth(t *testing.T) {
	if testing.Short() || raceDetector {
		t.Skip("walks every code point: .ci/run runs it without -race")
	}
	neighbours := []string{"क", "a", "あ", "e\u0301", "😀", "가", "\u20e3"}
	passed := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue // a surrogate: no UTF-8 string holds one
		}
		s := string(r)
		if !Plain(r) {
			if out := Text(s); out == s || !plainString(out) || Text(out) != out {
				t.Fatalf("%U: Text gives %q, not a visible escape made of plain characters", r, out)
			}
			continue
		}
		passed++
		if Text(s) != s {
			t.Fatalf("%U is plain but changed", r)
		}
		for _, n := range neighbours {
			for _, x := range []string{s, n + s, s + n, s + s, n + s + n, n + s + s + n} {
				if g, w := ansi.StringWidth(x), ansi.StringWidthWc(x); g != w {
					t.Fatalf("%U: %+q is %d cells per grapheme, %d per code point", r, x, g, w)
				}
			}
		}
	}
	t.Logf("%d code points pass as themselves", passed)
}

// The escapes the console has always shown stay as they were.
func TestTextEscapesVisibly(t *testing.T) {
	for in, want := range map[string]string{
		"plain host-01":                  "plain host-01",
		"evil\x1b]0;title\x07x":          "evil␛]0;title␇x",
		"invoice\u202efdp.exe":           "invoice<U+202E>fdp.exe",
		"a\nb\tc\r":                      "a↵b→c␍",
		"\u009b31m":                      `\u009b31m`,
		"bad\xffutf8":                    `bad\xffutf8`,
		"\x00\x7f":                       "␀␡",
		"日本語 é ok":                       "日本語 é ok",
		"filler\u3164":                   "filler<U+3164>",
		"thumb👍\U0001f3fd":               "thumb👍<U+1F3FD>",
		"flag\U0001f1eb\U0001f1f7":       "flag<U+1F1EB><U+1F1F7>",
		"नमस्ते":                         "नमस<U+094D>ते",
		"\u0939\u093f\u0902\u0926\u0940": "\u0939<U+093F>\u0902\u0926<U+0940>",
		"\U000f0000 private":             "<U+F0000> private",
		"\U0010fffe unassigned":          "<U+10FFFE> unassigned",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%+q) = %+q, want %+q", in, got, want)
		}
	}
}

// TestBlanksAreShownAsEscapes: a character drawn as empty space passes for
// a plain space or for nothing (`dc01⠀` reads as `dc01`): on screen it is
// an escape, every space of category Zs but U+0020 among them.
func TestBlanksAreShownAsEscapes(t *testing.T) {
	for _, r := range []rune{0xa0, 0x1680, 0x2002, 0x200a, 0x202f, 0x205f, 0x2800, 0x3000, 0x16fe4, 0x1d159} {
		if Plain(r) || !strings.Contains(Text("dc01"+string(r)), "<U+") {
			t.Errorf("%U passes as %q", r, Text("dc01"+string(r)))
		}
	}
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if unicode.Is(unicode.Zs, r) && Plain(r) {
			t.Errorf("the space %U passes as itself", r)
		}
	}
	if Text("a b") != "a b" {
		t.Error("a plain space is escaped")
	}
}
