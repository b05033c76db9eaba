package live

import (
	"strings"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/model"
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

// An alert of exactly the notify severity is announced, once.
func TestNotifyAtTheThreshold(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	l := New(Deps{Now: func() time.Time { return t0 }, Notify: Notify{Severity: 70, Via: "osc9"}})
	sc := Screen{Done: true, Holds: func(string) bool { return false }}
	l.takeNew([]model.LiveEvent{{Kind: model.LiveNew, ID: "a", Severity: 69}}, nil, sc)
	if l.Notification(false) != nil {
		t.Fatal("an alert under the threshold notified")
	}
	l.takeNew([]model.LiveEvent{{Kind: model.LiveNew, ID: "b", Severity: 70}}, nil, sc)
	if l.Notification(false) == nil {
		t.Fatal("an alert at the threshold did not notify")
	}
	if l.Notification(false) != nil {
		t.Fatal("notified twice")
	}
}

// Who changed a row comes from the service: the words shown are
// sanitised, in the footer and the detail alike.
func TestWordsAreSanitised(t *testing.T) {
	l := New(Deps{Location: time.UTC, Names: func(string) (string, bool) { return "", false }})
	w := l.Words(Note{What: "closed", By: "eve\x1b]52;c;ZXZpbA==\x07\x9b2J", At: time.Date(2026, 1, 2, 12, 3, 0, 0, time.UTC)})
	if strings.ContainsAny(w, "\x1b\x07\x9b") || !strings.Contains(w, "closed by eve") {
		t.Fatalf("%q", w)
	}
}

// The polling interval is never under MinEvery, whoever makes live.
func TestNewClampsTheInterval(t *testing.T) {
	if l := New(Deps{Every: time.Second}); l.Every != MinEvery {
		t.Fatalf("every %v", l.Every)
	}
}
