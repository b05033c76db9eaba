package screen

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// linkID marks the console's own OSC 8 hyperlinks: made at start, never
// shown, so no service string can carry it. GuardFrame lets through an
// OSC 8 that opens with it (and its close) and no other.
var linkID = func() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return "ft" + hex.EncodeToString(b)
}()

const (
	oscLinkPrefix = "\x1b]8;"
	stringEnd     = "\x1b\\" // ST
	linkClose     = oscLinkPrefix + ";" + stringEnd
)

// LinkURL is u made safe to carry in an OSC 8 hyperlink: printable ASCII
// only, every other byte (a space, a control, ESC, BEL, a C1 or any
// non-ASCII byte) percent-encoded; "" when it is no http(s) URL.
func LinkURL(u string) string {
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c > 0x20 && c < 0x7f && c != ';' {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%")
		b.WriteString(strings.ToUpper(hex.EncodeToString([]byte{c})))
	}
	return b.String()
}

// Hyperlink is text (already sanitised) as the console's own OSC 8
// hyperlink to u; plain text when u is no http(s) URL.
func Hyperlink(u, text string) string {
	open := LinkOpen(u)
	if open == "" {
		return text
	}
	return open + text + LinkClose
}

// LinkOpen opens the console's own OSC 8 hyperlink to u (LinkClose ends
// it); "" when u is no http(s) URL.
func LinkOpen(u string) string {
	u = LinkURL(u)
	if u == "" {
		return ""
	}
	return oscLinkPrefix + "id=" + linkID + ";" + u + stringEnd
}

// LinkClose ends a hyperlink LinkOpen opened.
const LinkClose = linkClose

// linkLen is the length of the console's own OSC 8 open or close that s
// starts with, or 0; open reports which, closing whether a link is open
// (a close with none open is no console's).
func linkLen(s string, opened bool) (n int, open bool) {
	if !strings.HasPrefix(s, oscLinkPrefix) {
		return 0, false
	}
	if opened {
		if strings.HasPrefix(s, linkClose) {
			return len(linkClose), false
		}
		return 0, false
	}
	head := oscLinkPrefix + "id=" + linkID + ";"
	if !strings.HasPrefix(s, head) {
		return 0, false
	}
	for i := len(head); i < len(s); i++ {
		c := s[i]
		if c == 0x1b {
			if strings.HasPrefix(s[i:], stringEnd) && i > len(head) {
				return i + len(stringEnd), true
			}
			return 0, false
		}
		if c <= 0x20 || c >= 0x7f || c == ';' {
			return 0, false
		}
	}
	return 0, false
}
