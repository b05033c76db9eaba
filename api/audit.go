package api

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/falcon-triage/falcon-triage/localfile"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/termsafe"
)

// Who says who sent a change: the API client's id (never its secret), the
// OS user and the SSH connection, since API clients are shared on jump hosts.
type Who struct {
	ClientID      string `json:"client_id"`
	OSUser        string `json:"os_user"`
	SSHConnection string `json:"ssh_connection,omitempty"`
	// AnalystLogin and AnalystName are the analyst the config names (me):
	// on a shared jump host the OS user does not say who triaged.
	AnalystLogin string `json:"analyst_login,omitempty"`
	AnalystName  string `json:"analyst_name,omitempty"`
}

// AuditLog is the local JSONL trail of every change sent: a "sent" record
// written (and fsync'd) before the request leaves, a "result" record after
// the answer. A run cut off mid-batch leaves "sent" records without their
// "result": exactly what may or may not have been applied (see ReadUnreported).
//
// Each record is one write, so records never interleave, and one line:
// when the file may end in a torn line (a crash, a full disk) the next
// record starts with a newline. Strings are stored with every control,
// bidi and zero-width character escaped, so reading the log in a terminal
// is safe.
type AuditLog struct {
	mu  sync.Mutex
	f   auditFile
	who Who
	run string
	// mend is set while the file may not end in a newline: the next write
	// checks its last byte first.
	mend bool
	// pending are records of what already happened (a result, a batch not
	// sent) that could not be written, a full disk say: each later write,
	// CheckLog and Close write them first, in order, so they are late but
	// never lost while the process lives.
	pending [][]byte
	// tally counts this run's rows as their records are written (or kept
	// to be), and inFlight the rows of batches sent and not yet answered.
	tally    Tally
	inFlight map[string]int
	// dir is the log's folder, path the log; release ends the run's lock
	// (lockRun).
	dir     string
	path    string
	release func()
	// notSent are this run's rows meant to be sent that never left, until
	// a later batch (R) sends them; refused, those the service refused
	// until a later batch applies them.
	notSent, refused map[string]bool
}

// Tally counts a run's rows by what became of its changes.
type Tally struct {
	Applied, Refused, Unknown int
	// NotSent are rows a change was meant for that never left: a quit
	// came first, or the audit log could not record them before.
	NotSent int
}

// Any reports whether the run sent, or meant to send, anything.
func (t Tally) Any() bool { return t.Applied+t.Refused+t.Unknown+t.NotSent > 0 }

// Unsettled reports rows that were not sent or whose outcome is unknown.
func (t Tally) Unsettled() bool { return t.Unknown+t.NotSent > 0 }

// auditFile is what the log needs of its file: tests stand a full disk in.
type auditFile interface {
	io.Writer
	io.ReaderAt
	Sync() error
	Close() error
	Stat() (os.FileInfo, error)
}

// AuditRecord is one line of the audit log.
type AuditRecord struct {
	Time  time.Time `json:"time"`
	Event string    `json:"event"` // sent, result, not_sent, read_back, resumed, reported, containment_sent, containment_result
	// Run tells one run of the console from the next.
	Run   string `json:"run,omitempty"`
	Batch string `json:"batch"`
	// Action is the console's number for the action a batch belongs to
	// (one run's); Kind is "undo" or "redo" for an action that walks the
	// history, and Walks the action whose change it takes back or applies
	// again.
	Action  int                    `json:"action,omitempty"`
	Kind    string                 `json:"kind,omitempty"`
	Walks   int                    `json:"walks,omitempty"`
	Who     Who                    `json:"who"`
	Backend string                 `json:"backend"`
	IDs     []string               `json:"ids"`
	Change  auditChange            `json:"change"`
	Before  map[string]auditValues `json:"before,omitempty"`
	Outcome string                 `json:"outcome,omitempty"` // applied, partial, refused, unknown
	// Refused and Unknown name the ids so; the others were applied.
	Refused map[string]string `json:"refused,omitempty"`
	Unknown []string          `json:"unknown,omitempty"`
	TraceID string            `json:"trace_id,omitempty"`
	Error   string            `json:"error,omitempty"`
	// Reported are the batches a start reported as unsettled (see
	// ReadUnreported).
	Reported []string `json:"reported,omitempty"`
	// Earlier: a read back of rows an earlier run left of unknown outcome.
	Earlier bool `json:"earlier,omitempty"`
	// Containment is the action of a containment record (contain or
	// lift_containment), whose IDs are hosts (AIDs); HostsBefore and
	// HostsAfter their statuses before and after, NotSentIDs those never
	// sent.
	Containment string            `json:"containment,omitempty"`
	HostsBefore map[string]string `json:"hosts_before,omitempty"`
	HostsAfter  map[string]string `json:"hosts_after,omitempty"`
	NotSentIDs  []string          `json:"not_sent,omitempty"`
}

type auditChange struct {
	Status       string   `json:"status,omitempty"`
	AssigneeUUID *string  `json:"assigned_to_uuid,omitempty"`
	AssigneeUID  string   `json:"assigned_to_uid,omitempty"`
	ShowInUI     *bool    `json:"show_in_ui,omitempty"`
	Comment      string   `json:"comment,omitempty"`
	AddTags      []string `json:"add_tags,omitempty"`
	RemoveTags   []string `json:"remove_tags,omitempty"`
}

type auditValues struct {
	Status      string `json:"status"`
	AssigneeUID string `json:"assigned_to_uid,omitempty"`
	ShowInUI    bool   `json:"show_in_ui"`
}

// OpenAudit opens (or creates) the log at path, 0600 in a 0700 folder. A
// symbolic link at path is refused.
func OpenAudit(path string, who Who) (*AuditLog, error) {
	if err := localfile.PrivateDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	f, err := localfile.Open(path, os.O_RDWR|os.O_APPEND|os.O_CREATE)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	l := &AuditLog{f: f, who: who, run: batchID(), mend: true, inFlight: map[string]int{}, notSent: map[string]bool{}, refused: map[string]bool{},
		dir: filepath.Dir(path), path: path}
	// Best effort: without the lock another console's start may report
	// this run's batches in flight as unfinished, as before.
	l.release, _ = lockRun(l.dir, l.run)
	return l, nil
}

// Close writes what is pending, if it can, and closes the log.
func (l *AuditLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.flush()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	if l.release != nil {
		l.release()
		l.release = nil
	}
	return err
}

func (l *AuditLog) write(r AuditRecord) error {
	r.Who, r.Run = l.who, l.run
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	raw = termsafe.JSON(raw)
	l.mu.Lock()
	defer l.mu.Unlock()
	err = l.flush()
	if err == nil {
		err = l.append(raw)
	}
	// A "sent" record that fails keeps its batch from leaving; a record
	// of what happened is kept for later.
	if err != nil && (r.Event == "result" || r.Event == "not_sent" || r.Event == EventContainResult) {
		l.pending = append(l.pending, raw)
	}
	l.count(r, err == nil)
	return err
}

// count adds a record's rows to the run's tally.
func (l *AuditLog) count(r AuditRecord, written bool) {
	switch {
	case r.Event == "sent" && written:
		l.inFlight[r.Batch] = len(r.IDs)
	case r.Event == "sent", r.Event == "not_sent":
		for _, id := range r.IDs {
			l.notSent[id] = true
		}
	case r.Event == "read_back" && r.Earlier:
	case r.Event == "read_back":
		// Rows of unknown outcome read again: now they are known.
		l.tally.Unknown -= len(r.IDs)
		l.tally.Applied += len(r.IDs) - len(r.Refused)
		for id := range r.Refused {
			l.refused[id] = true
		}
	case r.Event == "result":
		delete(l.inFlight, r.Batch)
		for _, id := range r.IDs {
			delete(l.notSent, id) // sent after all
			if _, ok := r.Refused[id]; ok {
				l.refused[id] = true
			} else if !slices.Contains(r.Unknown, id) {
				delete(l.refused, id) // a retry applied it
			}
		}
		l.tally.Applied += len(r.IDs) - len(r.Refused) - len(r.Unknown)
		l.tally.Unknown += len(r.Unknown)
	}
}

// Tally is what this run's changes came to, from its records: the rows of
// a batch sent and not answered count as unknown.
func (l *AuditLog) Tally() Tally {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.tally
	t.NotSent, t.Refused = len(l.notSent), len(l.refused)
	for _, n := range l.inFlight {
		t.Unknown += n
	}
	return t
}

// flush writes the pending records, in order, up to the first that fails.
func (l *AuditLog) flush() error {
	for len(l.pending) > 0 {
		if err := l.append(l.pending[0]); err != nil {
			return err
		}
		l.pending = l.pending[1:]
	}
	return nil
}

// append writes one record as one line and syncs it. A record whose sync
// failed is kept pending too and may so be written twice: readers take a
// batch's result by its batch id.
func (l *AuditLog) append(raw []byte) error {
	line := make([]byte, 0, len(raw)+2)
	if l.mend && l.torn() {
		line = append(line, '\n')
	}
	line = append(append(line, raw...), '\n')
	if _, err := l.f.Write(line); err != nil {
		l.mend = true
		return fmt.Errorf("audit log: %w", err)
	}
	l.mend = false
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

// torn reports whether the file ends in a torn line. When that cannot be
// told it says so: an empty line costs less than two records on one line.
func (l *AuditLog) torn() bool {
	fi, err := l.f.Stat()
	if err != nil {
		return true
	}
	if fi.Size() == 0 {
		return false
	}
	var last [1]byte
	if _, err := l.f.ReadAt(last[:], fi.Size()-1); err != nil {
		return true
	}
	return last[0] != '\n'
}

// ErrAuditFailed is matched (errors.Is) by the error of an update the
// service answered but whose result the audit log could not record.
var ErrAuditFailed = errors.New("the audit log failed")

// AuditError is an update's error when the service answered (applied, or
// applied in part) but its "result" record could not be written: the change
// is in effect and must not be shown as refused or rolled back.
type AuditError struct {
	// Outcome is what the service said: applied or partial.
	Outcome string
	Err     error
}

func (e *AuditError) Error() string {
	return e.Outcome + "; the audit log failed: " + e.Err.Error()
}

func (e *AuditError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrAuditFailed) true.
func (e *AuditError) Is(target error) bool { return target == ErrAuditFailed }

// AuditFailed reports an applied change whose audit record failed. The
// console tests errors through this method, since it must not import this
// package.
func (e *AuditError) AuditFailed() bool { return true }

// Audited wraps a backend so every Update is logged before it is sent and
// after it is answered. A change that cannot be logged is not sent.
type Audited struct {
	model.Backend
	Log *AuditLog
}

func batchID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// isRunID reports an id batchID could have made: a run read from the log
// names a lock file only if it is one (a log line is not trusted to name a
// path, such as ../../dev/zero).
func isRunID(s string) bool {
	if len(s) != 16 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// maxAuditLine caps one record read back from the audit log: a batch of
// 1,000 rows with their values before and after is well under 1 MiB. A
// longer line (a torn or planted file, one without newlines) is skipped
// as it is read, never held whole.
const maxAuditLine = 8 << 20

// readRecord reads the audit log's next line, at most maxAuditLine bytes;
// a longer one is read past and returned empty (no record).
func readRecord(r *bufio.Reader) ([]byte, error) {
	var line []byte
	over := false
	for {
		chunk, err := r.ReadSlice('\n')
		if !over {
			switch need := len(line) + len(chunk); {
			case need > maxAuditLine:
				over, line = true, nil
			case need > cap(line):
				// Doubling: a long line costs twice its length, not
				// append's slower growth many times over.
				grown := make([]byte, len(line), max(2*cap(line), need))
				copy(grown, line)
				line = append(grown, chunk...)
			default:
				line = append(line, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return line, err
	}
}

// Update implements model.Backend.
func (a Audited) Update(ctx context.Context, c model.Change) (model.UpdateResult, error) {
	// The log says what was sent: on Alerts a verdict is the close and the
	// tag changes, not the console's shorthand.
	c = a.Backend.Effective(c)
	rec := AuditRecord{Time: time.Now().UTC(), Event: "sent", Batch: batchID(), Backend: a.Name(), IDs: c.IDs,
		Change: changeRecord(c), Action: c.Action, Kind: c.Walk, Walks: c.Walks}
	if len(c.Before) > 0 {
		rec.Before = make(map[string]auditValues, len(c.IDs))
		for _, id := range c.IDs {
			if v, ok := c.Before[id]; ok {
				rec.Before[id] = auditValues{Status: string(v.Status), AssigneeUID: v.AssigneeUID, ShowInUI: v.ShowInUI}
			}
		}
	}
	if err := a.Log.write(rec); err != nil {
		return model.UpdateResult{}, fmt.Errorf("not sent: %w", err)
	}
	res, err := a.Backend.Update(ctx, c)
	// Settled as the console settles it: the log names, per id, what the
	// screen shows.
	res = model.Settle(c.IDs, res, err)
	out := AuditRecord{Time: time.Now().UTC(), Event: "result", Batch: rec.Batch, Backend: rec.Backend, IDs: c.IDs,
		Change: rec.Change, Action: rec.Action, Kind: rec.Kind, Walks: rec.Walks, TraceID: res.TraceID, Refused: res.Refused, Unknown: res.Unknown, Outcome: outcome(c.IDs, res)}
	if err != nil {
		out.Error = err.Error()
	}
	if lerr := a.Log.write(out); lerr != nil && err == nil {
		if out.Outcome == "refused" {
			err = lerr
		} else {
			err = &AuditError{Outcome: out.Outcome, Err: lerr}
		}
	}
	return res, err
}

// outcome names a settled batch's outcome in one word, for the log.
func outcome(sent []string, res model.UpdateResult) string {
	switch {
	case len(res.Unknown) > 0:
		return "unknown"
	case len(res.Refused) == len(sent):
		return "refused"
	case len(res.Refused) > 0:
		return "partial"
	}
	return "applied"
}

// ReadBack records what the rows of a batch of unknown outcome held when
// the console read them again: applied, those holding what the batch sent;
// not, the others (recorded as refused: the service did not apply them).
func (a Audited) ReadBack(c model.Change, applied, not []string) {
	a.writeReadBack(a.Backend.Effective(c), applied, not, nil, false)
}

// writeReadBack records a read back; gone rows no longer exist; earlier:
// of rows an earlier run left unknown, which this run's tally does not
// count.
func (a Audited) writeReadBack(c model.Change, applied, not, gone []string, earlier bool) {
	rec := AuditRecord{Time: time.Now().UTC(), Event: "read_back", Batch: batchID(), Backend: a.Name(),
		IDs: slices.Concat(applied, not, gone), Change: changeRecord(c), Outcome: "applied", Earlier: earlier}
	if len(not)+len(gone) > 0 {
		rec.Refused = make(map[string]string, len(not)+len(gone))
		for _, id := range not {
			rec.Refused[id] = "read again: the row does not hold what was sent"
		}
		for _, id := range gone {
			rec.Refused[id] = "read again: the row no longer exists"
		}
		rec.Outcome = "partial"
		if len(applied) == 0 {
			rec.Outcome = "refused"
		}
	}
	_ = a.Log.write(rec)
}

func changeRecord(c model.Change) auditChange {
	ch := auditChange{AssigneeUUID: c.AssigneeUUID, AssigneeUID: c.AssigneeUID, ShowInUI: c.ShowInUI,
		Comment: c.Comment, AddTags: c.AddTags, RemoveTags: c.RemoveTags}
	if c.Status != nil {
		ch.Status = string(*c.Status)
	}
	return ch
}

// NotSent records a batch that a quit kept from being sent: the change was
// asked for, and nothing of it left.
func (a Audited) NotSent(c model.Change, why string) {
	c = a.Backend.Effective(c)
	_ = a.Log.write(AuditRecord{Time: time.Now().UTC(), Event: "not_sent", Batch: batchID(), Backend: a.Name(), IDs: c.IDs,
		Change: changeRecord(c), Action: c.Action, Kind: c.Walk, Walks: c.Walks, Error: why})
}

// Unreported is what the runs in an audit log left unsettled that no start
// has reported yet, whichever console wrote them (consoles may share one
// state folder): batches sent with no result, which may or may not have
// been applied, and batches a quit kept from being sent.
type Unreported struct {
	Unfinished, NotSent Batches
	batches             []string
}

// Batches counts batches, their rows, the runs they come from, and when
// the first and the last of them were recorded.
type Batches struct {
	Batches, Rows, Runs int
	First, Last         time.Time
	runs                map[string]bool
}

func (b *Batches) add(run string, rows int, at time.Time) {
	if b.runs == nil {
		b.runs = map[string]bool{}
	}
	if !b.runs[run] {
		b.runs[run] = true
		b.Runs++
	}
	b.Batches++
	b.Rows += rows
	if b.First.IsZero() || at.Before(b.First) {
		b.First = at
	}
	if at.After(b.Last) {
		b.Last = at
	}
}

// Any reports whether there is anything to report.
func (u Unreported) Any() bool { return len(u.batches) > 0 }

// ReadUnreported reads the log at path for what every run left unsettled
// and no "reported" record acknowledges. A missing log has nothing; torn
// lines are skipped (a torn result leaves its batch unfinished, as it
// should). A run still alive in another console may finish a batch
// reported here later: that is its right.
func ReadUnreported(path string) (Unreported, error) {
	f, err := localfile.Open(path, os.O_RDONLY)
	if errors.Is(err, fs.ErrNotExist) {
		return Unreported{}, nil
	}
	if err != nil {
		return Unreported{}, fmt.Errorf("audit log: %w", err)
	}
	defer f.Close()
	type batch struct {
		run     string
		rows    int
		at      time.Time
		notSent bool
	}
	var order []string
	batches := map[string]batch{}
	settled := map[string]bool{}
	// A batch not sent is settled once a later batch (R) sent every row.
	left := map[string]int{}           // not_sent batch: its rows not sent since
	notSentIn := map[string][]string{} // row: the not_sent batches holding it
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		line, rerr := readRecord(r)
		var rec struct {
			Time     time.Time `json:"time"`
			Event    string    `json:"event"`
			Run      string    `json:"run"`
			Batch    string    `json:"batch"`
			IDs      []string  `json:"ids"`
			Reported []string  `json:"reported"`
		}
		if len(line) > 0 && json.Unmarshal(line, &rec) == nil {
			switch rec.Event {
			case "sent", "not_sent":
				if _, seen := batches[rec.Batch]; !seen {
					order = append(order, rec.Batch)
				}
				batches[rec.Batch] = batch{run: rec.Run, rows: len(rec.IDs), at: rec.Time, notSent: rec.Event == "not_sent"}
				if rec.Event == "not_sent" {
					left[rec.Batch] = len(rec.IDs)
					for _, id := range rec.IDs {
						notSentIn[id] = append(notSentIn[id], rec.Batch)
					}
				}
			case "result":
				settled[rec.Batch] = true
				for _, id := range rec.IDs {
					for _, b := range notSentIn[id] {
						if left[b]--; left[b] == 0 {
							settled[b] = true
						}
					}
					delete(notSentIn, id)
				}
			case "reported":
				for _, b := range rec.Reported {
					settled[b] = true
				}
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return Unreported{}, fmt.Errorf("audit log: %w", rerr)
		}
	}
	var u Unreported
	alive := map[string]bool{}
	for _, id := range order {
		b := batches[id]
		if settled[id] {
			continue
		}
		if _, seen := alive[b.run]; !seen {
			alive[b.run] = runAlive(filepath.Dir(path), b.run)
		}
		if alive[b.run] {
			continue // another console still running: its batches are its own
		}
		if b.notSent {
			u.NotSent.add(b.run, b.rows, b.at)
		} else {
			u.Unfinished.add(b.run, b.rows, b.at)
		}
		u.batches = append(u.batches, id)
	}
	return u, nil
}

// MarkReported records in the log at path that u was reported to who, so
// no later start reports it again.
func MarkReported(path string, who Who, u Unreported) error {
	if !u.Any() {
		return nil
	}
	l, err := OpenAudit(path, who)
	if err != nil {
		return err
	}
	err = l.write(AuditRecord{Time: time.Now().UTC(), Event: "reported", Reported: u.batches})
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	return err
}

// CheckLog writes the records that could not be written, then one saying
// writes resume: it succeeds only once the log can be written again (after
// a full disk was freed, say). The console stops sending changes while the
// log fails and calls this before it sends again.
func (a Audited) CheckLog() error {
	return a.Log.write(AuditRecord{Time: time.Now().UTC(), Event: "resumed", Backend: a.Name()})
}
