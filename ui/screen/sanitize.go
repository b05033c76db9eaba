package screen

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Sanitize makes a string from the service safe to put on a terminal: every
// C0 and C1 control character (ESC included, so no escape sequence survives),
// DEL, the bidirectional overrides and isolates, and invalid UTF-8 become
// visible, harmless text. Newlines and tabs become ↵ and → so that a field
// stays on its line.
//
// Every string that came from the API passes through here before rendering:
// command lines, file names and host names are written by attackers.
func Sanitize(s string) string {
	if clean(s) {
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
		writeRune(&b, r)
	}
	return b.String()
}

func writeRune(b *strings.Builder, r rune) {
	switch {
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
	case Invisible(r):
		fmt.Fprintf(b, "<U+%04X>", r)
	default:
		b.WriteRune(r)
	}
}

func IsBidiControl(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// Invisible are the format characters that change how text reads or what
// it is without a glyph of their own: bidi controls, zero-width spaces and
// (non-)joiners, the word joiner and other Invisible operators, the BOM, the
// line and paragraph separators, and the tag characters. A copied SHA256
// holding one would differ invisibly from the one shown.
func Invisible(r rune) bool {
	switch {
	case IsBidiControl(r), r >= 0x200b && r <= 0x200d, r >= 0x2060 && r <= 0x206f, r == 0xfeff,
		r == 0x2028, r == 0x2029, r == 0x00ad, r >= 0xe0000 && r <= 0xe007f:
		return true
	case r == 0x034f, r == 0x180e, r >= 0x180b && r <= 0x180d, r == 0x115f, r == 0x1160, r == 0x3164, r == 0xffa0,
		r >= 0xfe00 && r <= 0xfe0f, r >= 0xe0100 && r <= 0xe01ef, r >= 0xfff9 && r <= 0xfffb, r == 0x17b4, r == 0x17b5:
		// Combining grapheme joiner, Mongolian separators and selectors,
		// Hangul fillers, variation selectors, interlinear annotation,
		// Khmer inherent vowels: no glyph of their own either.
		return true
	}
	return false
}

// clean reports whether s needs no change: the common case, kept fast and
// allocation-free.
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return false
		}
		if c >= 0x80 {
			return cleanUnicode(s[i:])
		}
	}
	return true
}

func cleanUnicode(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return false
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || Invisible(r) {
			return false
		}
		i += size
	}
	return true
}

// Truncate cuts s to at most w cells, ending with … when cut.
func Truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if len(s) <= w {
		return s // no UTF-8 string is wider in cells than in bytes
	}
	return ansi.Truncate(s, w, "…")
}

// Width is the width of s in terminal cells, with a fast path for plain
// ASCII, which most of a row is.
func Width(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c == 0x1b {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// GuardFrame is the last step of every frame: whatever reached it, only the
// console's own styling (SGR: ESC [ … m) and newlines go to the terminal as
// controls. Any other escape sequence, control character or Invisible
// format character is dropped, so a service string that missed Sanitize
// still cannot move the cursor, set the clipboard or the title, or query
// the terminal. It costs one pass over the frame (some 12 µs at 200×60), and
// no allocation when the frame is clean.
func GuardFrame(s string) string {
	bad := -1
	for i := 0; i < len(s); {
		n, ok := frameUnit(s[i:])
		if !ok {
			bad = i
			break
		}
		i += n
	}
	if bad < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:bad])
	for i := bad; i < len(s); {
		n, ok := frameUnit(s[i:])
		switch {
		case ok:
			b.WriteString(s[i : i+n])
		case s[i] == 0x1b:
			n = 1 // the ESC goes; what followed it is left as plain text
		}
		i += n
	}
	return b.String()
}

// frameUnit is the length of what s starts with (an SGR sequence, a
// character) and whether a frame may carry it to the terminal: the
// console's own styling, newlines and visible characters only.
func frameUnit(s string) (int, bool) {
	c := s[0]
	switch {
	case c == 0x1b:
		if n := sgrLen(s); n > 0 {
			return n, true
		}
		return 1, false
	case c < 0x20 && c != '\n', c == 0x7f:
		return 1, false
	case c >= 0x80:
		r, size := utf8.DecodeRuneInString(s)
		bad := r == utf8.RuneError && size == 1 || r >= 0x80 && r < 0xa0 || Invisible(r)
		return size, !bad
	}
	return 1, true
}

// sgrLen is the length of the SGR sequence s starts with (ESC [ params m),
// or 0.
func sgrLen(s string) int {
	if len(s) < 3 || s[1] != '[' {
		return 0
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c == ';', c == ':':
		case c == 'm':
			return i + 1
		default:
			return 0
		}
	}
	return 0
}
