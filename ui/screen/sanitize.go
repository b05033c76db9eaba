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

// TruncateName cuts a host or account name to at most w cells, keeping
// what tells rows apart. One rule: a name's first label (a host's name up
// to its first dot, an account's up to its @) is what differs between
// rows, so it is kept whole, followed by as many whole parts of the rest
// (.prod, .corp, @corp) as fit, then …: web-74.prod…, bastion-74…, never
// a domain's tail such as …ample. A first label that does not fit keeps
// its head (@alice.mar…), unless it ends in a number, as the hosts and
// service accounts of one fleet do: those share their head, so the middle
// goes and the number stays (STRICT-HOST-…-0042). Words (a name with a
// space) keep their head. A leading @ (an account) stays; inside an
// account a dot is part of the name, not a domain's.
func TruncateName(s string, w int) string {
	if Width(s) <= w {
		return s
	}
	if w < 4 || strings.Contains(s, " ") {
		return Truncate(s, w)
	}
	lead := ""
	if s[0] == '@' {
		lead, s, w = "@", s[1:], w-1
	}
	account := lead != "" || strings.Contains(s, "@")
	end := strings.IndexByte(s, '@')
	if !account {
		end = strings.IndexByte(s, '.')
	}
	label := s
	if end > 0 {
		label = s[:end]
	}
	if Width(label) < w {
		// The label fits, with room for …: as many whole parts of the
		// rest as fit after it.
		keep := label
		for i := len(label) + 1; i <= len(s); i++ {
			if i == len(s) || s[i] == '.' || s[i] == '@' {
				if Width(s[:i]) > w-1 {
					break
				}
				keep = s[:i]
			}
		}
		return lead + keep + "…"
	}
	digits := len(label)
	for digits > 0 && label[digits-1] >= '0' && label[digits-1] <= '9' {
		digits--
	}
	if digits == len(label) || w < 8 {
		return lead + Truncate(s, w)
	}
	tail := label[digits:]
	if i := digits - 1; i > 0 && strings.IndexByte("-_.", label[i]) >= 0 {
		tail = label[i:]
	}
	room := w - 1 - Width(tail)
	if room < 3 {
		return lead + Truncate(s, w)
	}
	return lead + ansi.Truncate(label, room, "") + "…" + tail
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
// console's own styling (SGR: ESC [ … m), its own hyperlinks (Hyperlink:
// OSC 8 marked with an id no service string can know) and newlines go to
// the terminal as controls. Any other escape sequence, and any character the sanitiser
// would not let through (termsafe.Plain), is dropped, so a service string that missed Sanitize
// still cannot move the cursor, set the clipboard or the title, or query
// the terminal. It costs one pass over the frame (some 12 µs at 200×60), and
// no allocation when the frame is clean.
func GuardFrame(s string) string {
	bad, open := -1, false
	for i := 0; i < len(s); {
		n, ok := frameUnit(s[i:], &open)
		if !ok {
			bad = i
			break
		}
		i += n
	}
	if bad < 0 && !open {
		return s
	}
	if bad < 0 {
		return s + linkClose // a link the frame left open ends with it
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:bad])
	for i := bad; i < len(s); {
		n, ok := frameUnit(s[i:], &open)
		switch {
		case ok:
			b.WriteString(s[i : i+n])
		case s[i] == 0x1b:
			n = 1 // the ESC goes; what followed it is left as plain text
		}
		i += n
	}
	if open {
		b.WriteString(linkClose)
	}
	return b.String()
}

// frameUnit is the length of what s starts with (an SGR sequence, a
// character) and whether a frame may carry it to the terminal: the
// console's own styling, newlines and visible characters only.
func frameUnit(s string, link *bool) (int, bool) {
	c := s[0]
	switch {
	case c == 0x1b:
		if n := sgrLen(s); n > 0 {
			return n, true
		}
		if n, open := linkLen(s, *link); n > 0 {
			// The console's own hyperlink (Hyperlink), opened and then
			// closed: no other OSC 8, nor a close with none open.
			*link = open
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
