package localfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
