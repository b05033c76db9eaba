package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

func TestUnfinishedBatchesAreReported(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	var none bytes.Buffer
	reportUnfinished(&none, path)
	if none.Len() != 0 {
		t.Fatalf("a missing log reported %q", none.String())
	}
	l, err := api.OpenAudit(path, api.Who{})
	if err != nil {
		t.Fatal(err)
	}
	hang := make(chan struct{})
	st := model.StatusClosed
	var wg sync.WaitGroup
	for _, ids := range [][]string{make([]string, 1500), make([]string, 1219), {"\x1b]0;x\x07"}} {
		wg.Go(func() {
			_, _ = (api.Audited{Backend: stuck{release: hang}, Log: l}).Update(t.Context(), model.Change{IDs: ids, Status: &st})
		})
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if b, _, _, _ := api.Unfinished(path); b == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	var out bytes.Buffer
	reportUnfinished(&out, path)
	close(hang)
	wg.Wait()
	l.Close()
	msg := out.String()
	if !strings.Contains(msg, "3 batches, 2,720 rows, from ") || !strings.Contains(msg, "have no recorded result") || strings.Count(msg, "\n") != 1 {
		t.Fatalf("got %q", msg)
	}
}

// stuck is a backend whose updates never come back until released.
type stuck struct {
	model.Backend
	release chan struct{}
}

func (stuck) Name() string { return "detects" }

func (stuck) Effective(c model.Change) model.Change { return c }

func (s stuck) Update(context.Context, model.Change) (model.UpdateResult, error) {
	<-s.release
	return model.UpdateResult{}, nil
}

func TestCrashFileIsPrivateAndFollowsNoLink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	if err := os.WriteFile(target, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "crash-1.log")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := saveCrash(link, "report\n"); err == nil {
		t.Fatal("the crash report went through a symbolic link")
	}
	if raw, _ := os.ReadFile(target); string(raw) != "keep\n" {
		t.Fatalf("the link's target changed: %q", raw)
	}
	path := filepath.Join(dir, "crash-2.log")
	if err := saveCrash(path, "report\n"); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(path); fi.Mode() != 0o600 {
		t.Fatalf("crash file mode %v", fi.Mode())
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
