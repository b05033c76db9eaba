package localfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestOpenRefusesASymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "audit.jsonl")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	for _, flag := range []int{os.O_RDONLY, os.O_RDWR | os.O_APPEND | os.O_CREATE, os.O_WRONLY | os.O_CREATE | os.O_EXCL} {
		f, err := Open(link, flag)
		if err == nil {
			f.Close()
			t.Fatalf("flag %#x: a symbolic link was opened", flag)
		}
		if !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(err.Error(), link) {
			t.Fatalf("flag %#x: unclear error %q", flag, err)
		}
	}
	if raw, _ := os.ReadFile(target); string(raw) != "keep\n" {
		t.Fatalf("the link's target changed: %q", raw)
	}
}

func TestOpenIsPrivate(t *testing.T) {
	dir := t.TempDir()
	created := filepath.Join(dir, "new")
	wide := filepath.Join(dir, "wide")
	if err := os.WriteFile(wide, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(wide, 0o666); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{created, wide} {
		f, err := Open(p, os.O_RDWR|os.O_APPEND|os.O_CREATE)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %04o", p, fi.Mode().Perm())
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(dir, "sub"), os.O_RDONLY); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("a folder was opened as a file: %v", err)
	}
}

func TestPrivateDir(t *testing.T) {
	base := t.TempDir()
	fresh := filepath.Join(base, "a", "falcon-triage")
	wide := filepath.Join(base, "wide")
	if err := os.Mkdir(wide, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(wide, 0o777); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{fresh, wide} {
		if err := PrivateDir(d); err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Stat(d); fi.Mode().Perm() != 0o700 {
			t.Fatalf("%s: mode %04o, want 0700", d, fi.Mode().Perm())
		}
	}
	file := filepath.Join(base, "file")
	_ = os.WriteFile(file, nil, 0o600)
	if err := PrivateDir(file); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Fatalf("a file taken for a folder: %v", err)
	}
}

// TestAPipeIsRefusedWithoutWaiting puts a named pipe where each kind of
// file is read: the open must not wait for a writer (that hung the console),
// and the refusal names the file and what it is.
func TestAPipeIsRefusedWithoutWaiting(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "session.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	reads := map[string]func() error{
		"Open":      func() error { f, err := Open(fifo, os.O_RDONLY); closeIf(f); return err },
		"Open RDWR": func() error { f, err := Open(fifo, os.O_RDWR|os.O_APPEND|os.O_CREATE); closeIf(f); return err },
		"ReadFile":  func() error { _, err := ReadFile(fifo, 1<<20); return err },
		"ReadInput": func() error { _, _, err := ReadInput(fifo, 1<<20); return err },
	}
	for name, read := range reads {
		done := make(chan error, 1)
		go func() { done <- read() }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), fifo) || !strings.Contains(err.Error(), "named pipe") {
				t.Fatalf("%s: a named pipe was taken for a file: %v", name, err)
			}
		case <-time.After(10 * time.Second): // only a hang misses this
			// A writer of our own lets the stuck open go, then fail.
			if w, err := os.OpenFile(fifo, os.O_RDWR, 0); err == nil {
				defer w.Close()
			}
			t.Fatalf("%s: opening a named pipe waits for a writer", name)
		}
	}
}

// TestALinkToADeviceIsNeverRead links state and config paths to /dev/zero,
// which once grew the console to 2.5 GB in 14 s.
func TestALinkToADeviceIsNeverRead(t *testing.T) {
	link := filepath.Join(t.TempDir(), "filter-history.json")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(link, 1<<20); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("a state file read through a link: %v", err)
	}
	// A config may be a link (dotfiles), but what it leads to is checked.
	if _, _, err := ReadInput(link, 1<<20); err == nil || !strings.Contains(err.Error(), "not a regular file (a character device)") {
		t.Fatalf("a link to /dev/zero read as a config: %v", err)
	}
}

func TestAFileLargerThanItsCapIsRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, make([]byte, 64<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	if raw, err := ReadFile(path, 64<<10); err != nil || len(raw) != 64<<10 {
		t.Fatalf("a file of the cap exactly: %d bytes, %v", len(raw), err)
	}
	for _, max := range []int64{64<<10 - 1, 1 << 10} {
		if _, _, err := ReadInput(path, max); err == nil || !strings.Contains(err.Error(), "is larger than") || !strings.Contains(err.Error(), path) {
			t.Fatalf("cap %d: a larger file was read: %v", max, err)
		}
	}
	// Through a link, the file it leads to is what is measured.
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadInput(link, 1<<10); err == nil || !strings.Contains(err.Error(), "is larger than 1 KiB") {
		t.Fatalf("a large file read through a link: %v", err)
	}
}

// TestAnotherUsersFileIsRefused: whoever owns a file decides what it says
// (a config's base_url decides where the secret goes), so a file of another
// user's is refused, reached directly or through a link, and so is a state
// folder of theirs. Root's files are taken.
func TestAnotherUsersFileIsRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving a file to another user takes root (chown); run as root to cover this")
	}
	const nobody = 65534
	dir := t.TempDir()
	theirs := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(theirs, []byte("base_url: https://evil.example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(theirs, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "mine.yaml")
	if err := os.Symlink(theirs, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{theirs, link} {
		if _, _, err := ReadInput(p, 1<<20); err == nil || !strings.Contains(err.Error(), "uid 65534") || !strings.Contains(err.Error(), p) {
			t.Fatalf("%s: another user's file was read: %v", p, err)
		}
	}
	if _, err := ReadFile(theirs, 1<<20); err == nil || !strings.Contains(err.Error(), "not to you") {
		t.Fatalf("another user's state file was read: %v", err)
	}
	f, err := Open(theirs, os.O_RDWR|os.O_APPEND|os.O_CREATE)
	if err == nil {
		f.Close()
		t.Fatal("another user's file was opened to write")
	}
	if raw, _ := os.ReadFile(theirs); string(raw) != "base_url: https://evil.example\n" {
		t.Fatalf("their file changed: %q", raw)
	}
	folder := filepath.Join(dir, "state")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(folder, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	if err := PrivateDir(folder); err == nil || !strings.Contains(err.Error(), "belongs to") {
		t.Fatalf("another user's folder was taken for state: %v", err)
	}
	if err := os.Chown(theirs, 0, 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadInput(link, 1<<20); err != nil {
		t.Fatalf("root's file refused: %v", err)
	}
}

func closeIf(f *os.File) {
	if f != nil {
		f.Close()
	}
}
