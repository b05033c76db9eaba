// Package termsafe is the one sanitiser: it decides which characters may
// reach a terminal as themselves, and escapes the others visibly, the way
// each destination allows. The console (screen, status line, menus, picker,
// frame guard), stderr, crash reports, exports, the audit log and the state
// files all ask it; none keeps a list of its own. It escapes, never drops a
// character silently (only Strip, for the clipboard, drops; the frame
// guard drops what missed it), and it must not import the console.
package termsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Active reports a character a terminal may act on, or one that reorders
// or hides text: C0 and C1 controls, DEL, every format character (category
// Cf: bidi overrides and isolates, zero-width characters, the BOM, tags,
// the Arabic and Kaithi number signs, Egyptian, shorthand and musical
// format controls) and the line and paragraph separators.
func Active(r rune) bool {
	return r < 0x20 || r == 0x7f || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// Hidden reports a character no path may carry raw: an Active one, or one
// with no glyph of its own that changes how text reads or what it is
// (fillers, variation selectors, the combining grapheme joiner). A copied
// SHA256 holding one would differ invisibly from the one shown.
func Hidden(r rune) bool {
	return Active(r) || unicode.Is(noGlyph, r)
}

// noGlyph are the characters outside Cf that draw nothing: the combining
// grapheme joiner, the Hangul fillers, the Khmer inherent vowels, the
// Mongolian free variation selectors and the variation selectors.
var noGlyph = &unicode.RangeTable{
	R16: []unicode.Range16{
		{Lo: 0x034f, Hi: 0x034f, Stride: 1},
		{Lo: 0x115f, Hi: 0x1160, Stride: 1},
		{Lo: 0x17b4, Hi: 0x17b5, Stride: 1},
		{Lo: 0x180b, Hi: 0x180d, Stride: 1},
		{Lo: 0x180f, Hi: 0x180f, Stride: 1},
		{Lo: 0x3164, Hi: 0x3164, Stride: 1},
		{Lo: 0xfe00, Hi: 0xfe0f, Stride: 1},
		{Lo: 0xffa0, Hi: 0xffa0, Stride: 1},
	},
	R32: []unicode.Range32{
		{Lo: 0xe0100, Hi: 0xe01ef, Stride: 1},
	},
}

// Plain reports whether r may reach a terminal as itself: a visible
// character, assigned (Go's Unicode tables), not private use, and one whose
// width is the same however it is counted. Terminals (tmux, xterm, the
// Bubble Tea renderer by default) count each code point by wcwidth; Lip
// Gloss, and terminals in Unicode mode 2027, count grapheme clusters. The
// two agree on every character except those that join their neighbours
// into a cluster of another width: spacing marks, prepended letters, the
// viramas that form Indic conjuncts, conjoining Hangul jamo, the halfwidth
// sound marks, regional indicators and emoji skin-tone modifiers. Those
// are escaped, as are the characters terminals themselves disagree on
// (unsettledWidth): a host name holding them would otherwise shift every
// column after it.
func Plain(r rune) bool {
	if r < 0x80 {
		return r >= 0x20 && r != 0x7f
	}
	if r < 0xa0 || Hidden(r) || unicode.In(r, unevenWidth, unicode.Mc, unsettledWidth, blank) {
		return false
	}
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S)
}

// blank are the characters that draw as empty space and pass for a plain
// space or for nothing: every space but U+0020 (no-break, en, em, thin,
// ideographic, Ogham), the braille blank, the Khitan filler and the
// musical null notehead. `dc01⠀` would read as `dc01`, and a command line
// holding a no-break space as one that runs. The screen shows them as
// escapes; the clipboard and the exports keep them (they are the value).
var blank = &unicode.RangeTable{
	R16: []unicode.Range16{
		{Lo: 0x00a0, Hi: 0x00a0, Stride: 1},
		{Lo: 0x1680, Hi: 0x1680, Stride: 1},
		{Lo: 0x2000, Hi: 0x200a, Stride: 1},
		{Lo: 0x202f, Hi: 0x202f, Stride: 1},
		{Lo: 0x205f, Hi: 0x205f, Stride: 1},
		{Lo: 0x2800, Hi: 0x2800, Stride: 1},
		{Lo: 0x3000, Hi: 0x3000, Stride: 1},
	},
	R32: []unicode.Range32{
		{Lo: 0x16fe4, Hi: 0x16fe4, Stride: 1},
		{Lo: 0x1d159, Hi: 0x1d159, Stride: 1},
	},
}

// unevenWidth are the characters whose width depends on the counter (see
// Plain), besides every spacing mark (Mc): the viramas that join Indic
// consonants into one conjunct cluster (094D … 11F42), the prepended letters
// (0D4E, 111C2 …), the spacing vowels that are letters (0E33, 0EB3), the
// conjoining jamo (1100, A960, D7B0), the halfwidth sound marks (FF9E), the
// regional indicators (1F1E6) and the skin-tone modifiers (1F3FB). The test
// walking every code point keeps this list whole.
var unevenWidth = &unicode.RangeTable{
	R16: []unicode.Range16{
		{Lo: 0x094d, Hi: 0x094d, Stride: 1},
		{Lo: 0x09cd, Hi: 0x09cd, Stride: 1},
		{Lo: 0x0acd, Hi: 0x0acd, Stride: 1},
		{Lo: 0x0b4d, Hi: 0x0b4d, Stride: 1},
		{Lo: 0x0c4d, Hi: 0x0c4d, Stride: 1},
		{Lo: 0x0d4d, Hi: 0x0d4e, Stride: 1},
		{Lo: 0x0e33, Hi: 0x0e33, Stride: 1},
		{Lo: 0x0eb3, Hi: 0x0eb3, Stride: 1},
		{Lo: 0x1039, Hi: 0x1039, Stride: 1},
		{Lo: 0x1100, Hi: 0x11ff, Stride: 1},
		{Lo: 0x17d2, Hi: 0x17d2, Stride: 1},
		{Lo: 0x1a60, Hi: 0x1a60, Stride: 1},
		{Lo: 0x1bab, Hi: 0x1bab, Stride: 1},
		{Lo: 0xa960, Hi: 0xa97f, Stride: 1},
		{Lo: 0xaaf6, Hi: 0xaaf6, Stride: 1},
		{Lo: 0xd7b0, Hi: 0xd7ff, Stride: 1},
		{Lo: 0xff9e, Hi: 0xff9f, Stride: 1},
	},
	R32: []unicode.Range32{
		{Lo: 0x10a3f, Hi: 0x10a3f, Stride: 1},
		{Lo: 0x11133, Hi: 0x11133, Stride: 1},
		{Lo: 0x111c2, Hi: 0x111c3, Stride: 1},
		{Lo: 0x1193e, Hi: 0x1193e, Stride: 1},
		{Lo: 0x1193f, Hi: 0x1193f, Stride: 1},
		{Lo: 0x11941, Hi: 0x11941, Stride: 1},
		{Lo: 0x11a47, Hi: 0x11a47, Stride: 1},
		{Lo: 0x11a84, Hi: 0x11a89, Stride: 1},
		{Lo: 0x11a99, Hi: 0x11a99, Stride: 1},
		{Lo: 0x11d46, Hi: 0x11d46, Stride: 1},
		{Lo: 0x11f02, Hi: 0x11f02, Stride: 1},
		{Lo: 0x11f42, Hi: 0x11f42, Stride: 1},
		{Lo: 0x1f1e6, Hi: 0x1f1ff, Stride: 1},
		{Lo: 0x1f3fb, Hi: 0x1f3ff, Stride: 1},
	},
}

// unsettledWidth are the characters terminals draw at another width than
// the console's tables give: those Unicode 15.0 added (tmux 3.3a on glibc
// 2.36, and terminals of that age, do not know them and guess one cell,
// where the tables say two for the CJK extension H and the new emoji, none
// for the new marks), and the symbols whose East Asian width Unicode has
// since changed (trigrams and monograms, Tai Xuan Jing, counting rods) or
// that glibc draws wide (the circled numbers on black squares, 3248).
// Measured by drawing every code point Plain passes in tmux.
var unsettledWidth = &unicode.RangeTable{
	R16: []unicode.Range16{
		{Lo: 0xcf3, Hi: 0xcf3, Stride: 1},
		{Lo: 0xece, Hi: 0xece, Stride: 1},
		{Lo: 0x2630, Hi: 0x2637, Stride: 1},
		{Lo: 0x268a, Hi: 0x268f, Stride: 1},
		{Lo: 0x3248, Hi: 0x324f, Stride: 1},
	},
	R32: []unicode.Range32{
		{Lo: 0x10efd, Hi: 0x10eff, Stride: 1},
		{Lo: 0x1123f, Hi: 0x11241, Stride: 1},
		{Lo: 0x11b00, Hi: 0x11b09, Stride: 1},
		{Lo: 0x11f00, Hi: 0x11f10, Stride: 1},
		{Lo: 0x11f12, Hi: 0x11f3a, Stride: 1},
		{Lo: 0x11f3e, Hi: 0x11f59, Stride: 1},
		{Lo: 0x1342f, Hi: 0x1342f, Stride: 1},
		{Lo: 0x13439, Hi: 0x13455, Stride: 1},
		{Lo: 0x1b132, Hi: 0x1b132, Stride: 1},
		{Lo: 0x1b155, Hi: 0x1b155, Stride: 1},
		{Lo: 0x1d2c0, Hi: 0x1d2d3, Stride: 1},
		{Lo: 0x1d300, Hi: 0x1d356, Stride: 1},
		{Lo: 0x1d360, Hi: 0x1d376, Stride: 1},
		{Lo: 0x1df25, Hi: 0x1df2a, Stride: 1},
		{Lo: 0x1e030, Hi: 0x1e06d, Stride: 1},
		{Lo: 0x1e08f, Hi: 0x1e08f, Stride: 1},
		{Lo: 0x1e4d0, Hi: 0x1e4f9, Stride: 1},
		{Lo: 0x1f6dc, Hi: 0x1f6dc, Stride: 1},
		{Lo: 0x1f774, Hi: 0x1f776, Stride: 1},
		{Lo: 0x1f77b, Hi: 0x1f77f, Stride: 1},
		{Lo: 0x1f7d9, Hi: 0x1f7d9, Stride: 1},
		{Lo: 0x1fa75, Hi: 0x1fa77, Stride: 1},
		{Lo: 0x1fa87, Hi: 0x1fa88, Stride: 1},
		{Lo: 0x1faad, Hi: 0x1faaf, Stride: 1},
		{Lo: 0x1fabb, Hi: 0x1fabd, Stride: 1},
		{Lo: 0x1fabf, Hi: 0x1fabf, Stride: 1},
		{Lo: 0x1face, Hi: 0x1facf, Stride: 1},
		{Lo: 0x1fada, Hi: 0x1fadb, Stride: 1},
		{Lo: 0x1fae8, Hi: 0x1fae8, Stride: 1},
		{Lo: 0x1faf7, Hi: 0x1faf8, Stride: 1},
		{Lo: 0x2b739, Hi: 0x2b739, Stride: 1},
		{Lo: 0x31350, Hi: 0x323af, Stride: 1},
	},
}

// Text makes a string safe to put on a terminal, on one line: every
// character that is not Plain becomes visible, harmless text. Newlines and
// tabs become ↵ and →, ESC ␛, other C0 controls their Control Pictures
// glyph, DEL ␡, a C1 control \u0080, any other character <U+202E>, and an
// invalid byte \xff. Every string from the service reaches the screen,
// stderr or a crash report through here.
func Text(s string) string {
	if plainString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, `\x%02x`, s[i])
			i++
			continue
		}
		i += size
		writeVisible(&b, r)
	}
	return b.String()
}

func writeVisible(b *strings.Builder, r rune) {
	switch {
	case Plain(r):
		b.WriteRune(r)
	case r == '\n':
		b.WriteString("↵")
	case r == '\t':
		b.WriteString("→")
	case r == 0x1b:
		b.WriteString("␛")
	case r < 0x20:
		// The Control Pictures block has a glyph for each C0 control.
		b.WriteRune(0x2400 + r)
	case r == 0x7f:
		b.WriteString("␡")
	case r >= 0x80 && r < 0xa0:
		fmt.Fprintf(b, `\u%04x`, r)
	default:
		fmt.Fprintf(b, "<U+%04X>", r)
	}
}

// plainString reports whether s needs no change: the common case, kept
// fast and allocation-free.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return false
		}
		if c >= 0x80 {
			return plainUnicode(s[i:])
		}
	}
	return true
}

func plainUnicode(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || !Plain(r) {
			return false
		}
		i += size
	}
	return true
}

// Strip drops the Hidden characters from a value headed for the
// clipboard, so a paste into a shell runs what was shown.
func Strip(s string) string {
	return strings.Map(func(r rune) rune {
		if Hidden(r) {
			return -1
		}
		return r
	}, s)
}

// JSON rewrites what encoding/json leaves raw (DEL, C1, format and other
// Hidden characters) as \u escapes, a surrogate pair beyond the BMP. It
// works on encoded JSON: outside strings everything is ASCII, so only
// string contents change, and they decode to the same text.
func JSON(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r < 0x7f || !Hidden(r) {
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

// CSV replaces the Hidden characters with visible escapes: \xNN for an
// ASCII control or an invalid byte, \uNNNN or \UNNNNNNNN otherwise.
// Newlines and tabs stay: CSV quotes them.
func CSV(s string) string {
	clean := true
	for _, r := range s {
		if (Hidden(r) && r != '\n' && r != '\t') || r == utf8.RuneError {
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
		case r == utf8.RuneError && size == 1, r < 0x80 && Hidden(r) && r != '\n' && r != '\t':
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r >= 0x80 && Hidden(r) && r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		case r >= 0x80 && Hidden(r):
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
