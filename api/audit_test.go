package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/model"
)

// applying is a backend whose updates the service applies.
type applying struct {
	model.Backend
	calls int
}

func (a *applying) Name() string { return "detects" }

func (a *applying) Effective(c model.Change) model.Change { return c }

func (a *applying) Update(_ context.Context, c model.Change) (model.UpdateResult, error) {
	a.calls++
	return model.UpdateResult{Affected: len(c.IDs), Refused: map[string]string{}, TraceID: "tr-1"}, nil
}

// fullDisk counts the writes to the log and, from write number failFrom
// on, writes half the record and fails as a full disk does.
type fullDisk struct {
	auditFile
	writes   int
	failFrom int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	d.writes++
	if d.failFrom > 0 && d.writes >= d.failFrom {
		n, _ := d.auditFile.Write(p[:len(p)/2])
		return n, &os.PathError{Op: "write", Path: "audit.jsonl", Err: syscall.ENOSPC}
	}
	return d.auditFile.Write(p)
}

func openTestAudit(t *testing.T, path string) *AuditLog {
	t.Helper()
	l, err := OpenAudit(path, Who{ClientID: "id", OSUser: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func change(ids ...string) model.Change {
	st := model.StatusClosed
	return model.Change{IDs: ids, Status: &st}
}

// logLines returns the log's lines; the torn ones (not JSON) come back in
// torn.
func logLines(t *testing.T, path string) (recs []AuditRecord, torn []string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) > 0 && raw[len(raw)-1] != '\n' {
		t.Fatalf("the log does not end in a newline: %q", raw)
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		var r AuditRecord
		if json.Unmarshal([]byte(line), &r) != nil {
			torn = append(torn, line)
			continue
		}
		recs = append(recs, r)
	}
	return recs, torn
}

func TestAuditRefusesASymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	_ = os.WriteFile(target, []byte("x\n"), 0o644)
	path := filepath.Join(dir, "audit.jsonl")
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenAudit(path, Who{}); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("got %v, want a refused symbolic link", err)
	}
	if _, err := ReadUnreported(path); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("ReadUnreported read through a link: %v", err)
	}
}

func TestAuditMendsATornLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	if err := os.WriteFile(path, []byte(`{"event":"sent","batch":"ab`), 0o600); err != nil {
		t.Fatal(err)
	}
	l := openTestAudit(t, path)
	if _, err := (Audited{Backend: &applying{}, Log: l}).Update(context.Background(), change("a")); err != nil {
		t.Fatal(err)
	}
	recs, torn := logLines(t, path)
	if len(recs) != 2 || len(torn) != 1 || torn[0] != `{"event":"sent","batch":"ab` {
		t.Fatalf("records %d, torn %q", len(recs), torn)
	}
}

func TestAuditFailureAfterAWriteSaysApplied(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := openTestAudit(t, path)
	disk := &fullDisk{auditFile: l.f, failFrom: 2} // the "sent" record lands, the "result" does not
	l.f = disk
	b := &applying{}
	a := Audited{Backend: b, Log: l}
	res, err := a.Update(context.Background(), change("a", "b"))
	if b.calls != 1 || res.Affected != 2 {
		t.Fatalf("calls %d, result %+v", b.calls, res)
	}
	var af interface{ AuditFailed() bool }
	if !errors.Is(err, ErrAuditFailed) || !errors.As(err, &af) || !af.AuditFailed() {
		t.Fatalf("got %v, want ErrAuditFailed", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "applied") || !strings.Contains(msg, "audit log") || strings.Contains(msg, "refused") {
		t.Fatalf("the error does not say the change was applied and the log failed: %q", msg)
	}
	if errors.As(err, new(*Error)) {
		t.Fatal("an audit failure reads as an API error")
	}
	// The disk frees up: the result that failed goes first, and it starts
	// on a line of its own.
	disk.failFrom = 0
	if _, err := a.Update(context.Background(), change("c")); err != nil {
		t.Fatal(err)
	}
	if disk.writes != 5 {
		t.Fatalf("%d writes for 4 records and one failed, want one write per record", disk.writes)
	}
	recs, torn := logLines(t, path)
	if len(recs) != 4 || len(torn) != 1 || recs[1].Event != "result" || recs[3].Event != "result" || recs[3].IDs[0] != "c" {
		t.Fatalf("records %+v, torn %q", recs, torn)
	}
}

func TestAuditSentRecordFailureIsNotSent(t *testing.T) {
	l := openTestAudit(t, filepath.Join(t.TempDir(), "audit.jsonl"))
	l.f = &fullDisk{auditFile: l.f, failFrom: 1}
	b := &applying{}
	_, err := (Audited{Backend: b, Log: l}).Update(context.Background(), change("a"))
	if b.calls != 0 || err == nil || errors.Is(err, ErrAuditFailed) || !strings.Contains(err.Error(), "not sent") {
		t.Fatalf("calls %d, err %v", b.calls, err)
	}
}

func TestAuditStoresNoRawControls(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := openTestAudit(t, path)
	c := change("ldt:\x1b]0;owned\x07:1")
	c.Comment = "see \x1b]52;c;cHduZWQ=\x07 \u009b2J \u202eexe.txt \u200b\x7f"
	c.AssigneeUID = "eve\u202e@corp"
	if _, err := (Audited{Backend: &applying{}, Log: l}).Update(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if i := bytes.IndexAny(raw, "\x1b\x07\x7f\u009b\u202e\u200b"); i >= 0 {
		t.Fatalf("raw control in the log near %q", raw[max(0, i-20):i])
	}
	recs, _ := logLines(t, path)
	if len(recs) != 2 || recs[0].Change.Comment != c.Comment || recs[0].IDs[0] != c.IDs[0] || recs[0].Change.AssigneeUID != c.AssigneeUID {
		t.Fatalf("the log does not decode to what was sent: %+v", recs)
	}
}

func TestEveryRunsUnsettledBatchesAreReadUntilReported(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	if u, err := ReadUnreported(path); u.Any() || err != nil {
		t.Fatalf("no log: %+v %v", u, err)
	}
	// Two consoles share the log, their records interleaved: the first
	// crashes with a batch in flight, the second finishes one, leaves two
	// without a result and quits before sending a third.
	first := time.Date(2026, 11, 27, 14, 2, 0, 0, time.UTC)
	crashed, last := openTestAudit(t, path), openTestAudit(t, path)
	records := []struct {
		log *AuditLog
		rec AuditRecord
	}{
		{crashed, AuditRecord{Event: "sent", Batch: "c1", IDs: []string{"x"}, Time: first}},
		{last, AuditRecord{Event: "sent", Batch: "done", IDs: []string{"y"}, Time: first}},
		{last, AuditRecord{Event: "result", Batch: "done", IDs: []string{"y"}, Outcome: "applied", Time: first}},
		{last, AuditRecord{Event: "sent", Batch: "p", IDs: []string{"a", "b"}, Time: first.Add(time.Minute)}},
		{last, AuditRecord{Event: "sent", Batch: "q", IDs: []string{"c", "d", "e"}, Time: first.Add(2 * time.Minute)}},
		{last, AuditRecord{Event: "not_sent", Batch: "n", IDs: []string{"f", "g"}, Time: first.Add(3 * time.Minute)}},
	}
	for _, r := range records {
		if err := r.log.write(r.rec); err != nil {
			t.Fatal(err)
		}
	}
	// A start reports only runs that ended (a crash ends one too).
	crashed.Close()
	last.Close()
	// The crash tore the last line.
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	_, _ = f.WriteString(`{"event":"result","batch":"p"`)
	f.Close()
	u, err := ReadUnreported(path)
	want := Batches{Batches: 3, Rows: 6, Runs: 2, First: first, Last: first.Add(2 * time.Minute)}
	if err != nil || !sameBatches(u.Unfinished, want) {
		t.Fatalf("unfinished %+v (%v), want %+v", u.Unfinished, err, want)
	}
	if want := (Batches{Batches: 1, Rows: 2, Runs: 1, First: first.Add(3 * time.Minute), Last: first.Add(3 * time.Minute)}); !sameBatches(u.NotSent, want) {
		t.Fatalf("not sent %+v, want %+v", u.NotSent, want)
	}
	// Once reported, no start reports them again; a batch sent since is
	// news.
	if err := MarkReported(path, Who{OSUser: "tester"}, u); err != nil {
		t.Fatal(err)
	}
	next := openTestAudit(t, path)
	if err := next.write(AuditRecord{Event: "sent", Batch: "r", IDs: []string{"h"}, Time: first.Add(4 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	next.Close()
	u, err = ReadUnreported(path)
	if err != nil || u.Unfinished.Batches != 1 || u.Unfinished.Rows != 1 || u.NotSent.Batches != 0 {
		t.Fatalf("after the report: %+v (%v), want the one batch sent since", u, err)
	}
}

func sameBatches(a, b Batches) bool {
	return a.Batches == b.Batches && a.Rows == b.Rows && a.Runs == b.Runs && a.First.Equal(b.First) && a.Last.Equal(b.Last)
}

func TestUnreportedReadsLongLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := openTestAudit(t, path)
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = "ldt:" + strings.Repeat("f", 32) + ":" + strings.Repeat("9", 20)
	}
	if err := l.write(AuditRecord{Event: "sent", Batch: "big", IDs: ids, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if u, err := ReadUnreported(path); err != nil || u.Unfinished.Batches != 1 || u.Unfinished.Rows != 1000 {
		t.Fatalf("got %+v (%v)", u.Unfinished, err)
	}
}

func TestAResultLostToAFullDiskIsWrittenOnceTheLogResumes(t *testing.T) {
	cases := []struct {
		name   string
		resume func(t *testing.T, a Audited)
	}{
		{"the console checks the log", func(t *testing.T, a Audited) {
			if err := a.CheckLog(); err != nil {
				t.Fatal(err)
			}
		}},
		{"the next change", func(t *testing.T, a Audited) {
			if _, err := a.Update(context.Background(), change("c")); err != nil {
				t.Fatal(err)
			}
		}},
		{"the log is closed", func(t *testing.T, a Audited) {
			if err := a.Log.Close(); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			l := openTestAudit(t, path)
			disk := &fullDisk{auditFile: l.f, failFrom: 2} // the "sent" record lands, the "result" does not
			l.f = disk
			a := Audited{Backend: &applying{}, Log: l}
			if _, err := a.Update(context.Background(), change("a", "b")); !errors.Is(err, ErrAuditFailed) {
				t.Fatalf("got %v, want ErrAuditFailed", err)
			}
			// Still full: the check fails and the result waits.
			if err := a.CheckLog(); err == nil {
				t.Fatal("the log was checked good on a full disk")
			}
			disk.failFrom = 0
			k.resume(t, a)
			recs, _ := logLines(t, path)
			var results []AuditRecord
			for _, r := range recs {
				if r.Event == "result" {
					results = append(results, r)
				}
			}
			if recs[1].Event != "result" || len(results) == 0 || !slices.Equal(results[0].IDs, []string{"a", "b"}) || results[0].Outcome != "applied" {
				var events []string
				for _, r := range recs {
					events = append(events, fmt.Sprint(r.Event, r.IDs))
				}
				t.Fatalf("the result is not the record after its batch: %v", events)
			}
			if len(results) > 1 && slices.Equal(results[1].IDs, []string{"a", "b"}) {
				t.Fatal("the result was written twice")
			}
			if u, err := ReadUnreported(path); u.Unfinished.Batches != 0 || err != nil {
				t.Fatalf("%d batches unfinished (%v)", u.Unfinished.Batches, err)
			}
		})
	}
}

// answering is a backend answering every update with res and err.
type answering struct {
	model.Backend
	res model.UpdateResult
	err error
}

func (answering) Name() string { return "detects" }

func (answering) Effective(c model.Change) model.Change { return c }

func (a answering) Update(context.Context, model.Change) (model.UpdateResult, error) {
	return a.res, a.err
}

func TestTheAuditLogTalliesThisRunsRowsByOutcome(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	earlier := openTestAudit(t, path)
	if _, err := (Audited{Backend: &applying{}, Log: earlier}).Update(context.Background(), change("old")); err != nil {
		t.Fatal(err)
	}
	l := openTestAudit(t, path)
	if l.Tally().Any() {
		t.Fatalf("a run that sent nothing tallies %+v", l.Tally())
	}
	send := func(b model.Backend, ids ...string) {
		t.Helper()
		_, _ = (Audited{Backend: b, Log: l}).Update(context.Background(), change(ids...))
	}
	send(&applying{}, "a", "b")
	send(answering{res: model.UpdateResult{Refused: map[string]string{"c": "locked"}}}, "c", "d", "e")
	send(answering{err: &Error{Op: "update", Unknown: true}}, "f", "g")
	(Audited{Backend: &applying{}, Log: l}).NotSent(change("h", "i", "j", "k"), "quit")
	// A batch in flight at exit is unknown; one whose "sent" record
	// failed never left.
	entered, release := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		send(held{entered: entered, release: release}, "l")
	}()
	<-entered
	disk := &fullDisk{auditFile: l.f, failFrom: 1}
	l.mu.Lock()
	l.f = disk
	l.mu.Unlock()
	send(&applying{}, "m", "n")
	want := Tally{Applied: 4, Refused: 1, Unknown: 3, NotSent: 6}
	if got := l.Tally(); got != want || !got.Unsettled() {
		t.Fatalf("tally %+v, want %+v", got, want)
	}
	close(release)
	<-done
}

// held is a backend whose update says it has started, then waits to be
// released.
type held struct {
	model.Backend
	entered chan<- struct{}
	release <-chan struct{}
}

func (held) Name() string { return "detects" }

func (held) Effective(c model.Change) model.Change { return c }

func (h held) Update(context.Context, model.Change) (model.UpdateResult, error) {
	h.entered <- struct{}{}
	<-h.release
	return model.UpdateResult{}, nil
}

// Rows a stop kept from being sent and that R sent later are not counted
// as not sent, in this run's tally nor at the next start; rows refused and
// then applied are not counted refused.
func TestRowsNotSentThenRetriedAreNotReportedNotSent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := openTestAudit(t, path)
	a := Audited{Backend: &applying{}, Log: l}
	a.NotSent(change("a", "b"), "stopped with esc")
	a.NotSent(change("c"), "stopped with esc")
	if _, err := a.Update(context.Background(), change("a", "b")); err != nil {
		t.Fatal(err)
	}
	if got := l.Tally(); got.NotSent != 1 || got.Applied != 2 {
		t.Fatalf("tally %+v, want 2 applied and 1 not sent", got)
	}
	// A row refused, then applied by R, is not counted refused.
	_, _ = (Audited{Backend: answering{res: model.UpdateResult{Refused: map[string]string{"d": "locked"}}}, Log: l}).Update(context.Background(), change("d"))
	if got := l.Tally(); got.Refused != 1 {
		t.Fatalf("tally %+v, want 1 refused", got)
	}
	if _, err := a.Update(context.Background(), change("d")); err != nil {
		t.Fatal(err)
	}
	if got := l.Tally(); got.Refused != 0 || got.Applied != 3 {
		t.Fatalf("tally %+v, want 3 applied and none refused", got)
	}
	l.Close()
	u, err := ReadUnreported(path)
	if err != nil {
		t.Fatal(err)
	}
	if u.NotSent.Batches != 1 || u.NotSent.Rows != 1 {
		t.Fatalf("the next start would report %+v not sent, want the one batch of c", u.NotSent)
	}
}

// Two consoles share a state folder: a start reports and marks nothing of
// a run still going (its batch in flight is its own), and reports it once
// that run has ended without a result.
func TestAStartLeavesARunStillGoingAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	live := openTestAudit(t, path)
	if err := live.write(AuditRecord{Event: "sent", Batch: "flying", IDs: []string{"a"}, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if u, err := ReadUnreported(path); err != nil || u.Any() {
		t.Fatalf("a run still going is reported: %+v (%v)", u, err)
	}
	live.Close() // it ends (or crashes) with the batch unanswered
	if u, err := ReadUnreported(path); err != nil || u.Unfinished.Batches != 1 {
		t.Fatalf("the run that ended is not reported: %+v (%v)", u.Unfinished, err)
	}
}

// A not_sent record a full disk refused is kept and written once the log
// takes writes again: rows meant to be changed are never lost from the log.
func TestANotSentRecordLostToAFullDiskIsWrittenLater(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := openTestAudit(t, path)
	disk := &fullDisk{auditFile: l.f, failFrom: 1}
	l.f = disk
	a := Audited{Backend: &applying{}, Log: l}
	a.NotSent(change("a", "b"), "the analyst stopped the change (esc)")
	disk.failFrom = 0
	if err := a.CheckLog(); err != nil {
		t.Fatal(err)
	}
	recs, _ := logLines(t, path)
	found := false
	for _, r := range recs {
		found = found || r.Event == "not_sent" && slices.Equal(r.IDs, []string{"a", "b"})
	}
	if !found {
		t.Fatalf("the not_sent record was lost: %+v", recs)
	}
}

// Each record names the analyst the config names beside the OS user, and
// an undo's or a redo's batches say so, with the action they walk; a
// batch a quit kept from leaving says it too.
func TestAuditRecordsNameTheAnalystAndTheUndoOrRedo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := OpenAudit(path, Who{ClientID: "id", OSUser: "ops", AnalystLogin: "alice@corp.example", AnalystName: "Alice Martin"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	a := Audited{Backend: &applying{}, Log: l}
	c := change("ldt:1")
	c.Action = 1
	if _, err := a.Update(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	u := change("ldt:1")
	u.Action, u.Walk, u.Walks = 2, "undo", 1
	if _, err := a.Update(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	r := change("ldt:1")
	r.Action, r.Walk, r.Walks = 3, "redo", 1
	a.NotSent(r, "quit now")
	recs, _ := logLines(t, path)
	if len(recs) != 5 {
		t.Fatalf("%d records, want 5", len(recs))
	}
	for _, rec := range recs {
		if rec.Who.AnalystLogin != "alice@corp.example" || rec.Who.AnalystName != "Alice Martin" || rec.Who.OSUser != "ops" {
			t.Fatalf("who: %+v", rec.Who)
		}
	}
	for i, want := range []struct {
		event, kind   string
		action, walks int
	}{{"sent", "", 1, 0}, {"result", "", 1, 0}, {"sent", "undo", 2, 1}, {"result", "undo", 2, 1}, {"not_sent", "redo", 3, 1}} {
		if g := recs[i]; g.Event != want.event || g.Kind != want.kind || g.Action != want.action || g.Walks != want.walks {
			t.Errorf("record %d: %s kind %q action %d walks %d; want %+v", i, g.Event, g.Kind, g.Action, g.Walks, want)
		}
	}
	raw, _ := os.ReadFile(path)
	if !bytes.Contains(raw, []byte(`"kind":"undo","walks":1`)) || !bytes.Contains(raw, []byte(`"analyst_login":"alice@corp.example"`)) {
		t.Fatalf("the log's words:\n%s", raw)
	}
}

// TestAnAuditLineTooLongIsReadPast: a line of 64 MiB without a newline (a
// planted or broken file) is read past, never held whole, and the records
// after it still count; a run id that is no id of ours names no lock file.
func TestAnAuditLineTooLongIsReadPast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := openTestAudit(t, path)
	l.Close()
	if err := os.Truncate(path, 64<<20); err != nil { // zeros, no newline
		t.Fatal(err)
	}
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	_, _ = f.WriteString("\n")
	f.Close()
	next := openTestAudit(t, path)
	if err := next.write(AuditRecord{Event: "sent", Batch: "after", IDs: []string{"a", "b"}, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	next.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	u, err := ReadUnreported(path)
	runtime.ReadMemStats(&after)
	if err != nil || u.Unfinished.Batches != 1 || u.Unfinished.Rows != 2 {
		t.Fatalf("got %+v (%v)", u.Unfinished, err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 48<<20 {
		t.Fatalf("reading the log allocated %d MiB: the long line was held whole", grew>>20)
	}
	if isRunID("../../../dev/zero") || !isRunID(batchID()) {
		t.Fatal("a run id read from the log may name a path")
	}
}
