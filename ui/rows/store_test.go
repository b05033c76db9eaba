package rows

import (
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/model"
)

func row(id string, s model.Status) model.Detection { return model.Detection{ID: id, Status: s} }

// A read asked before a write never puts its old values over the write,
// whether it lands while the write is in flight or after it ended.
func TestAReadOlderThanAWriteIsNotStored(t *testing.T) {
	r := New(1<<20, time.Now)
	old := r.Stamp()
	r.BeginWrite([]string{"a"})
	r.Put(row("a", model.StatusClosed))
	if got := r.Store(old, []model.Detection{row("a", model.StatusNew), row("b", model.StatusNew)}); len(got) != 1 || got[0].ID != "b" {
		t.Fatalf("a read asked before the write stored %v", got)
	}
	r.EndWrite([]string{"a"})
	if got := r.Store(old, []model.Detection{row("a", model.StatusNew)}); len(got) != 0 {
		t.Fatal("a read asked before the write stored its row once the write ended")
	}
	if d, _ := r.Peek("a"); d.Status != model.StatusClosed {
		t.Fatalf("the row shows %s, the write was closed", d.Status)
	}
	if got := r.Store(r.Stamp(), []model.Detection{row("a", model.StatusNew)}); len(got) != 1 || r.Unread("a") {
		t.Fatal("a read asked after the write was not stored, or the row is still unread")
	}
}

// A read asked while a write is in flight may have been answered before
// the service applied it: landing after the write ended, it is not stored.
func TestAReadAskedDuringAWriteIsNotStoredAfterIt(t *testing.T) {
	r := New(1<<20, time.Now)
	r.BeginWrite([]string{"a"})
	r.Put(row("a", model.StatusClosed))
	during := r.Stamp()
	r.EndWrite([]string{"a"})
	if got := r.Store(during, []model.Detection{row("a", model.StatusNew)}); len(got) != 0 {
		t.Fatal("a read asked during the write put its values over the write")
	}
}

// The journal lists every start and end of a write after a clock, and
// forgets what every reader has read.
func TestTheJournalListsWritesSinceAClock(t *testing.T) {
	r := New(1<<20, time.Now)
	r.BeginWrite([]string{"a", "b"})
	at := r.Clock()
	r.EndWrite([]string{"a", "b"})
	r.BeginWrite([]string{"c"})
	if got := r.Since(at); len(got) != 3 || got[0].ID != "a" || got[2].ID != "c" {
		t.Fatalf("since %d: %v", at, got)
	}
	r.Trim(at)
	if got := r.Since(0); len(got) != 3 {
		t.Fatalf("after trimming to %d the journal holds %v", at, got)
	}
	if v := r.Version("a"); v != 0 {
		t.Fatalf("a row never stored has version %d", v)
	}
	r.Put(row("a", model.StatusNew))
	r.Put(row("a", model.StatusClosed))
	if v := r.Version("a"); v != 2 {
		t.Fatalf("a row stored twice has version %d", v)
	}
}

// A row read a moment ago is young, unless the console wrote it since.
func TestYoungRows(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := New(1<<20, func() time.Time { return now })
	r.Store(r.Stamp(), []model.Detection{row("a", model.StatusNew)})
	if _, ok := r.Young("a", 5*time.Second); !ok {
		t.Fatal("a row just read is not young")
	}
	now = now.Add(6 * time.Second)
	if _, ok := r.Young("a", 5*time.Second); ok {
		t.Fatal("a row read 6 s ago is young for 5 s")
	}
	r.Store(r.Stamp(), []model.Detection{row("a", model.StatusNew)})
	r.BeginWrite([]string{"a"})
	if _, ok := r.Young("a", 5*time.Second); ok {
		t.Fatal("a row being written is young")
	}
}
