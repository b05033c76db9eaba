package screen

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/termsafe"
)

// Sanitize makes a string from the service safe to put on a terminal, on
// one line. It is termsafe.Text, the one sanitiser: see there for what
// passes and how the rest is shown.
//
// Every string that came from the API passes through here before rendering:
// command lines, file names and host names are written by attackers.
func Sanitize(s string) string { return termsafe.Text(s) }

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

// TruncateMiddle cuts a name to at most w cells by taking out its middle,
// so the part that tells it from its neighbours shows: hosts of one fleet
// share their head (STRICT-HOST-…) or their domain (….prod.corp.example),
// and cutting the end leaves every row alike. A name with a domain
// (web-54.prod.corp.example, alice@corp.example) keeps its first label
// whole and as much of the domain's end as fits (web-54…corp.example);
// a name whose first label does not fit keeps that label's head and tail
// (STRICT…ST-0042). Words (a name with a space) are cut at the end. A
// leading @ (an account) stays.
func TruncateMiddle(s string, w int) string {
	sw := Width(s)
	if sw <= w {
		return s
	}
	if w < 7 || strings.Contains(s, " ") {
		return Truncate(s, w)
	}
	lead := ""
	if s[0] == '@' {
		lead, s, w = "@", s[1:], w-1
	}
	label, domain := s, ""
	if i := strings.IndexByte(s, '@'); i > 0 {
		label, domain = s[:i], s[i:]
	} else if i := strings.IndexByte(s, '.'); i > 0 {
		label, domain = s[:i], s[i:]
	}
	lw := Width(label)
	switch room := w - lw - 1; {
	case domain != "" && room >= 4:
		return lead + label + "…" + strings.TrimLeft(keepEnd(domain, room), ".@")
	case lw < w:
		// The label fits, the domain hardly: the label whole, what of
		// the domain fits after it.
		return lead + Truncate(s, w)
	}
	head := (w - 1) / 2
	return lead + ansi.Cut(label, 0, head) + "…" + keepEnd(label, w-1-Width(ansi.Cut(label, 0, head)))
}

// keepEnd is the last n cells of s (fewer when a wide character straddles
// the cut).
func keepEnd(s string, n int) string {
	out := ansi.TruncateLeft(s, Width(s)-n, "")
	for Width(out) > n {
		_, size := utf8.DecodeRuneInString(out)
		out = out[size:]
	}
	return out
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
// controls. Any other escape sequence, and any character the sanitiser
// would not let through (termsafe.Plain), is dropped, so a service string that missed Sanitize
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
		return size, (r != utf8.RuneError || size > 1) && termsafe.Plain(r)
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
