// Package termsafe escapes the characters a terminal acts on (controls,
// C1, bidi and zero-width characters) in text written to files and streams a
// person may later cat: exports and the audit log. It escapes the way each
// format allows and never drops a character; it must not import the console.
package termsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Active reports a character a terminal may act on, or one that
// reorders or hides text: C0 and C1 controls, DEL, the format characters
// (bidi overrides and isolates, zero-width characters, the BOM, tags) and the
// line and paragraph separators. Exports carry them escaped, never raw.
func Active(r rune) bool {
	return r < 0x20 || r == 0x7f || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// JSON rewrites what encoding/json leaves raw (DEL, C1, bidi and other
// format characters) as \u escapes, a surrogate pair beyond the BMP. It
// works on encoded JSON: outside strings everything is ASCII, so only
// string contents change, and they decode to the same text.
func JSON(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r < 0x7f || !Active(r) {
			if out != nil {
				out = append(out, b[i:i+size]...)
			}
			i += size
			continue
		}
		if out == nil {
			out = append(make([]byte, 0, len(b)+16), b[:i]...)
		}
		if r > 0xffff {
			hi, lo := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += size
	}
	if out == nil {
		return b
	}
	return out
}

// CSV replaces what a terminal may act on with visible escapes: \xNN
// for an ASCII control or an invalid byte, \uNNNN or \UNNNNNNNN otherwise.
// Newlines and tabs stay: CSV quotes them.
func CSV(s string) string {
	clean := true
	for _, r := range s {
		if (Active(r) && r != '\n' && r != '\t') || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1, r < 0x80 && Active(r) && r != '\n' && r != '\t':
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r >= 0x80 && Active(r) && r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		case r >= 0x80 && Active(r):
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
