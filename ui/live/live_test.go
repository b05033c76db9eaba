package live

import (
	"strings"
	"testing"
)

// A notification's text comes from the service in part: nothing in it may
// end the sequence early or start another.
func TestSequenceIsSanitised(t *testing.T) {
	hostile := "3 new\x07\x1b]52;c;ZXZpbA==\x07; rm -rf\x9c" + strings.Repeat("x", 200)
	for _, via := range []string{"osc9", "osc777"} {
		seq := Sequence(via, hostile)
		body := seq[:len(seq)-1]
		if !strings.HasSuffix(seq, "\x07") || strings.ContainsAny(body[2:], "\x07\x1b\x9c") || len(seq) > 140 {
			t.Fatalf("%s: %q", via, seq)
		}
	}
	if Sequence("bell", hostile) != "\a" || Sequence("", hostile) != "\a" {
		t.Fatal("the bell is a bell")
	}
}
