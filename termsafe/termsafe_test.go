package termsafe

import (
	"encoding/json"
	"testing"
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
