package api

import (
	"strings"
	"testing"
)

// A page whose strings carry escapes (hostile command lines) is read
// string by string: a credential spelled with escapes anywhere in it, after
// escaped quotes and backslashes, in a key or a value, is still redacted;
// a page without one is left as sent.
func TestACredentialSpelledWithEscapesIsFoundInAPage(t *testing.T) {
	const secret = "SEKRET123"
	page := `{"resources":[{"cmdline":"a \"quoted\" \\ \u001b[31m red","path":"C:\\Windows\\"},{"x":"\/"}]`
	for _, tc := range []struct {
		name, raw string
		want      bool
	}{
		{"none", page + `}`, false},
		{"in a value", page + `,"m":"SEKRE\u0054123"}`, true},
		{"in a key", page + `,"SEKRET\u00312\u0033":1}`, true},
		{"after an escaped quote", `{"a":"\"SEKRE\u0054123\""}`, true},
		{"cut short", `{"a":"\u0041`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := escapedSecret([]byte(tc.raw), []string{secret}); got != tc.want {
				t.Errorf("escapedSecret = %v, want %v", got, tc.want)
			}
			out := string(redactJSON([]byte(tc.raw), []string{secret}))
			if strings.Contains(out, `SEKRE\u0054123`) || strings.Contains(out, `SEKRET\u00312\u0033`) {
				t.Errorf("a credential got through: %s", out)
			}
			if !tc.want && out != tc.raw {
				t.Errorf("a page without a credential changed: %s", out)
			}
		})
	}
}

// BenchmarkRedactAPageWithEscapes is a first page of 100 alerts, 3 KB
// each, one with a hostile command line written with escapes.
func BenchmarkRedactAPageWithEscapes(b *testing.B) {
	item := `{"composite_id":"x:ind:1","cmdline":"` + strings.Repeat("powershell.exe -NoP -W Hidden ", 100) + `","device":{"hostname":"WS-1"}}`
	raw := []byte(`{"meta":{},"resources":[` + strings.Repeat(item+",", 99) + `{"cmdline":"\u001b]0;owned\u0007 \/"}]}`)
	secrets := []string{"SEKRET123", "TOK-0123456789"}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		redactJSON(raw, secrets)
	}
}
