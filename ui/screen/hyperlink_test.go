package screen

import (
	"strings"
	"testing"
)

// The console's own hyperlink passes the frame guard byte for byte: one
// OSC 8 open, the text, one close.
func TestTheGuardLetsTheConsolesOwnLinkThrough(t *testing.T) {
	frame := "a " + Hyperlink("https://falcon.eu-1.crowdstrike.com/unified-detections/cid:ind:1", "open in Falcon") + " b"
	if got := GuardFrame(frame); got != frame {
		t.Fatalf("the console's own link was changed:\n%q\n%q", frame, got)
	}
	if n := strings.Count(frame, "\x1b]8;"); n != 2 {
		t.Fatalf("%d OSC 8 sequences, want one open and one close", n)
	}
	if !strings.Contains(frame, ";https://falcon.eu-1.crowdstrike.com/unified-detections/cid:ind:1\x1b\\open in Falcon\x1b]8;;\x1b\\") {
		t.Fatalf("not one well-formed open/close pair: %q", frame)
	}
}

// A service string's OSC 8 (no id, a guessed id, a close with no link
// open, a link inside the console's own) never reaches the terminal.
func TestTheGuardStripsAnyOtherOSC8(t *testing.T) {
	own := Hyperlink("https://falcon.crowdstrike.com/x", "ok")
	for _, s := range []string{
		"\x1b]8;;https://evil.test\x1b\\click\x1b]8;;\x1b\\",
		"\x1b]8;;https://evil.test\x07click\x1b]8;;\x07",
		"\x1b]8;id=ft000000000000000000000000;https://evil.test\x1b\\click",
		"text\x1b]8;;\x1b\\",
		strings.Replace(own, "ok", "\x1b]8;;https://evil.test\x1b\\", 1),
	} {
		got := GuardFrame(s)
		if strings.Contains(got, "evil.test\x1b") || strings.Count(got, "\x1b]8;") > strings.Count(own, "\x1b]8;") ||
			strings.Contains(got, "\x07") {
			t.Errorf("a service OSC 8 got through: %q → %q", s, got)
		}
		if strings.Contains(s, "evil") && strings.Contains(got, "\x1b]8;;https://evil") {
			t.Errorf("a service link got through: %q", got)
		}
	}
	// A link the frame leaves open is closed at its end.
	open := LinkOpen("https://falcon.crowdstrike.com/x") + "text"
	if got := GuardFrame(open); !strings.HasSuffix(got, LinkClose) {
		t.Fatalf("an open link was left open: %q", got)
	}
}

// The URL inside a link carries no ESC, BEL, C1, space or semicolon: each
// is percent-encoded; what is no http(s) URL is no link.
func TestLinkURLsAreMadeSafe(t *testing.T) {
	got := LinkURL("https://falcon.crowdstrike.com/a b\x1b\\\x07\u009b;x")
	if want := "https://falcon.crowdstrike.com/a%20b%1B\\%07%C2%9B%3Bx"; got != want {
		t.Fatalf("LinkURL = %q, want %q", got, want)
	}
	for _, u := range []string{"javascript:alert(1)", "file:///etc/passwd", ""} {
		if LinkURL(u) != "" || Hyperlink(u, "t") != "t" {
			t.Errorf("%q made a link", u)
		}
	}
}
