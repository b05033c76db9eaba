package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/model"
)

func TestConfigWritableByOthersIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	for _, mode := range []os.FileMode{0o620, 0o602, 0o666, 0o664} {
		if err := os.WriteFile(path, []byte("base_url: https://falcon.example\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := loadConfig(path, false)
		if err == nil || !strings.Contains(err.Error(), "writable by") || !strings.Contains(err.Error(), "chmod go-w "+path) {
			t.Fatalf("mode %04o: got %v, want a refusal naming chmod go-w", mode, err)
		}
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadConfig(path, false); err != nil {
		t.Fatalf("a readable, not writable file without a secret: %v", err)
	}
}

// TestEveryRunsUnsettledBatchesAreReportedOnce has two consoles share one
// audit log: the first crashes with batches in flight, the second, the last
// run in the file, applies one and quits before sending another. The next
// start reports both runs' leftovers, and the start after reports nothing.
func TestEveryRunsUnsettledBatchesAreReportedOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	var none bytes.Buffer
	reportUnfinished(&none, path)
	if none.Len() != 0 {
		t.Fatalf("a missing log reported %q", none.String())
	}
	crashed := openLog(t, path)
	entered, hang := make(chan struct{}), make(chan struct{})
	st := model.StatusClosed
	var wg sync.WaitGroup
	for _, ids := range [][]string{make([]string, 1000), make([]string, 500), {"\x1b]0;x\x07"}} {
		wg.Go(func() {
			_, _ = (api.Audited{Backend: stuck{entered: entered, release: hang}, Log: crashed}).Update(t.Context(), model.Change{IDs: ids, Status: &st})
		})
	}
	for range 3 {
		<-entered // its "sent" record is written before it is sent
	}
	last := openLog(t, path)
	if _, err := (api.Audited{Backend: stuck{}, Log: last}).Update(t.Context(), model.Change{IDs: []string{"a"}, Status: &st}); err != nil {
		t.Fatal(err)
	}
	(api.Audited{Backend: stuck{}, Log: last}).NotSent(model.Change{IDs: make([]string, 1219), Status: &st}, "quit")
	// Both runs end, the first as a crash does: its batches never answer.
	// (A start leaves a run still going alone: TestAStartLeavesARunStillGoingAlone.)
	crashed.Close()
	last.Close()
	var out, again bytes.Buffer
	notice := reportUnfinished(&out, path)
	reportUnfinished(&again, path)
	// The console's screen covers stderr at once: it says it too.
	if !strings.Contains(notice, "1,501 rows sent by an earlier run have no recorded result: check them") ||
		!strings.Contains(notice, "1,219 rows an earlier run meant to change were never sent") {
		t.Fatalf("the console is told %q", notice)
	}
	close(hang)
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 ||
		!strings.Contains(lines[0], "3 batches, 1,501 rows, sent ") || !strings.Contains(lines[0], "have no recorded result in the audit log ("+path+")") ||
		!strings.Contains(lines[1], "1 batch, 1,219 rows, asked for ") || !strings.Contains(lines[1], "were never sent") || !strings.Contains(lines[1], path) {
		t.Fatalf("got %q", out.String())
	}
	if again.Len() != 0 {
		t.Fatalf("the next start reported again: %q", again.String())
	}
}

func openLog(t *testing.T, path string) *api.AuditLog {
	t.Helper()
	l, err := api.OpenAudit(path, api.Who{OSUser: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// stuck is a backend whose updates say they have started (entered) and
// then wait until released; with neither, they are applied at once.
type stuck struct {
	model.Backend
	entered chan<- struct{}
	release <-chan struct{}
}

func (stuck) Name() string { return "detects" }

func (stuck) Effective(c model.Change) model.Change { return c }

func (s stuck) Update(context.Context, model.Change) (model.UpdateResult, error) {
	if s.entered != nil {
		s.entered <- struct{}{}
	}
	if s.release != nil {
		<-s.release
	}
	return model.UpdateResult{}, nil
}

// TestCrashFileIsPrivateAndFollowsNoLink: a crash report is a new 0600
// file, never written through a link; links planted where the next reports
// would go (and a report of the same second) are passed over, not a reason
// to lose the report.
func TestCrashFileIsPrivateAndFollowsNoLink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	if err := os.WriteFile(target, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stamp := time.Now().UTC()
	for _, at := range []time.Time{stamp, stamp.Add(time.Second)} {
		for i := range 3 {
			link := filepath.Join(dir, fmt.Sprintf("crash-%s-%d-%d.log", at.Format("20060102T150405Z"), os.Getpid(), i))
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
		}
	}
	first, err := saveCrash(dir, "report\n")
	if err != nil {
		t.Fatal(err)
	}
	second, err := saveCrash(dir, "report\n")
	if err != nil || second == first {
		t.Fatalf("the second report: %q, %v", second, err)
	}
	if raw, _ := os.ReadFile(target); string(raw) != "keep\n" {
		t.Fatalf("the link's target changed: %q", raw)
	}
	for _, path := range []string{first, second} {
		if fi, _ := os.Lstat(path); fi == nil || fi.Mode() != 0o600 {
			t.Fatalf("crash file %s: %v", path, fi)
		}
	}
}

func TestStateFolderIsTightened(t *testing.T) {
	state := filepath.Join(t.TempDir(), "falcon-triage")
	if err := os.Mkdir(state, 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := api.OpenAudit(filepath.Join(state, "audit.jsonl"), api.Who{})
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if fi, _ := os.Stat(state); fi.Mode().Perm() != 0o700 {
		t.Fatalf("state folder mode %04o, want 0700", fi.Mode().Perm())
	}
}

func TestQuitSummarySaysWhatBecameOfThisRunsRows(t *testing.T) {
	cases := []struct {
		name  string
		tally api.Tally
		err   error
		want  string
	}{
		{"nothing sent", api.Tally{}, nil, ""},
		{"all applied", api.Tally{Applied: 2500}, nil,
			"falcon-triage: this run's changes: 2,500 rows applied, 0 refused, 0 of unknown outcome, 0 not sent; audit log /s/audit.jsonl"},
		{"the log failed", api.Tally{Applied: 1, Unknown: 1000, NotSent: 3}, errors.New("audit log: write: no space left on device \x1b[2J"),
			"falcon-triage: this run's changes: 1 row applied, 0 refused, 1,000 of unknown outcome, 3 not sent; audit log /s/audit.jsonl; it could not record everything: audit log: write: no space left on device ␛[2J"},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			if got := quitSummary(k.tally, "/s/audit.jsonl", k.err); got != k.want {
				t.Fatalf("got  %q\nwant %q", got, k.want)
			}
		})
	}
}

// TestAConfigOfAnotherUsersIsRefused: whoever writes the config decides,
// by its base_url, where the secret goes. One owned by another user is
// refused, reached directly or through a link, and a named pipe or a link
// to a device at its place is refused at once, the file named; nothing is
// sent anywhere.
func TestAConfigOfAnotherUsersIsRefused(t *testing.T) {
	var asked sync.Mutex
	got := 0
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Lock()
		got++
		asked.Unlock()
	}))
	defer evil.Close()
	dir := t.TempDir()
	env := map[string]string{"FALCON_CLIENT_ID": "id", "FALCON_CLIENT_SECRET": "CANARY-config-5ecret"}
	refused := func(path, why string) {
		t.Helper()
		code, _, stderr := runCLI(t, env, "export", "--config", path)
		if code != 1 || !strings.Contains(stderr, path) || !strings.Contains(stderr, why) || strings.Count(stderr, "\n") != 1 {
			t.Fatalf("%s: exit %d, stderr %q; want one line naming the file and %q", path, code, stderr, why)
		}
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	refused(fifo, "not a regular file (a named pipe)")
	zero := filepath.Join(dir, "zero.yaml")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	refused(zero, "not a regular file (a character device)")
	if os.Geteuid() != 0 {
		t.Skip("giving the config to another user takes root (chown); run as root to cover it")
	}
	theirs := filepath.Join(dir, "theirs.yaml")
	if err := os.WriteFile(theirs, []byte("base_url: "+evil.URL+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(theirs, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config.yaml")
	if err := os.Symlink(theirs, link); err != nil {
		t.Fatal(err)
	}
	refused(theirs, "not to you")
	refused(link, "uid 65534")
	asked.Lock()
	defer asked.Unlock()
	if got != 0 {
		t.Fatalf("%d requests reached the base_url of another user's config", got)
	}
}
