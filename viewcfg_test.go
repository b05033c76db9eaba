package main

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/falcon-triage/falcon-triage/ui"
)

var updateGolden = flag.Bool("update-views-golden", false, "rewrite testdata/views/*.saved.yaml (review the diff)")

// The config file's views are checked as the rest of it: the file, the
// line and the view named.
func TestConfigRefusesBadViews(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"views:\n  - {name: A, filtr: x}\n", `line 2: views: unknown key "filtr" (known: name, filter, sort)`},
		{"views:\n  - {filter: \"status:'new'\"}\n", `line 2: views: a view without a name`},
		{"views:\n  - {name: A}\n  - {name: B}\n  - {name: A}\n", `line 4: views: "A" is given twice (first on line 2)`},
		{"views:\n  - {name: A, filter: \"hots:'x'\"}\n", `line 2: views: "A": filter: no field hots here`},
		{"views:\n  - {name: A, filter: \"status:'new\"}\n", `line 2: views: "A": filter:`},
		{"views:\n  - {name: A, sort: \"severity|down\"}\n", `line 2: views: "A": sort: "severity|down": write field|asc or field|desc`},
		{"views:\n  - {name: A, sort: colour}\n", `line 2: views: "A": sort: "colour": no sort on colour`},
		{"views: {name: A}\n", `line 1: views: want a list`},
	} {
		_, err := loadConfig(writeConfig(t, c.body), true)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "config.yaml line ") {
			t.Errorf("%q: %v\nwant %q", c.body, err, c.want)
		}
	}
	// Either API's fields are taken at load: which one the tenant has is
	// known once connected.
	c, err := loadConfig(writeConfig(t, "views:\n  - {name: D, filter: \"max_severity:>=70\", sort: last_behavior|desc}\n  - {name: A, filter: \"severity:>=70\"}\n"), true)
	if err != nil || len(c.Views) != 2 || uiViews(c.Views)[0] != (ui.View{Name: "D", Filter: "max_severity:>=70", Sort: "last_behavior|desc"}) {
		t.Fatalf("%v %v", c.Views, err)
	}
}

// S writes a view into the config file as an edit of its text: every
// comment, blank line, quoting and order stays; a new view goes after the
// last, a replaced one in its place, and views: is added when absent. The
// golden files are the files after the save, reviewed.
func TestSaveViewKeepsTheFileAsItWas(t *testing.T) {
	for _, c := range []struct {
		src, golden string
		v           ui.View
		replace     bool
	}{
		{"commented.yaml", "commented.saved.yaml", ui.View{Name: "Hosts", Filter: "device.hostname:'web-*'", Sort: "device.hostname|asc"}, false},
		{"commented.yaml", "commented.replaced.yaml", ui.View{Name: "Mine", Filter: "assigned_to_uid:'alice@corp.example'+status:'in_progress'"}, true},
		{"noviews.yaml", "noviews.saved.yaml", ui.View{Name: "New", Filter: "status:'new'"}, false},
	} {
		src, err := os.ReadFile(filepath.Join("testdata", "views", c.src))
		if err != nil {
			t.Fatal(err)
		}
		path := writeConfig(t, string(src))
		if err := saveView(path, c.v, c.replace); err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "views", c.golden)
		if *updateGolden {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s after saving %q:\n%s\nwant:\n%s", c.src, c.v.Name, got, want)
		}
		// Every line of the file but the view's own is kept, in order.
		var kept []string
		for _, l := range strings.Split(string(src), "\n") {
			if !c.replace || !strings.Contains(l, "alice@corp.example'") && !strings.Contains(l, "name: Mine") && !strings.Contains(l, "sort: severity|desc") {
				kept = append(kept, l)
			}
		}
		rest := string(got)
		for _, l := range kept {
			i := strings.Index(rest, l)
			if i < 0 {
				t.Fatalf("%s: the line %q is lost or out of order:\n%s", c.src, l, got)
			}
			rest = rest[i+len(l):]
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("the file's mode is %v (%v), want 0600", fi.Mode(), err)
		}
		cfg, err := loadConfig(path, true)
		if err != nil || cfg.Views[len(cfg.Views)-1].Name == "" {
			t.Fatalf("the saved file does not load: %v", err)
		}
	}
}

// A view of the same name is replaced only when asked; a file the console
// would refuse, and a file others may write, are left as they are; a
// missing file is created 0600.
func TestSaveViewRefusals(t *testing.T) {
	path := writeConfig(t, "views:\n  - {name: A, filter: \"status:'new'\"}\n")
	if err := saveView(path, ui.View{Name: "A", Filter: "status:'closed'"}, false); !errors.Is(err, ui.ErrViewExists) {
		t.Fatalf("saving over A without asking: %v", err)
	}
	open := writeConfig(t, "cloud: eu-1\n")
	if err := os.Chmod(open, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := saveView(open, ui.View{Name: "A"}, false); err == nil || !strings.Contains(err.Error(), "writable by group or others") {
		t.Fatalf("a file others may write: %v", err)
	}
	flow := writeConfig(t, "views: [{name: A}]\n")
	if err := saveView(flow, ui.View{Name: "B"}, false); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("a flow list of views: %v", err)
	}
	fresh := filepath.Join(t.TempDir(), "sub", "config.yaml")
	if err := saveView(fresh, ui.View{Name: "New", Filter: "status:'new'", Sort: "severity|desc"}, false); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(fresh)
	fi, _ := os.Stat(fresh)
	if string(got) != "views:\n  - {name: New, filter: \"status:'new'\", sort: severity|desc}\n" || fi.Mode().Perm() != 0o600 {
		t.Fatalf("a new file: %q, mode %v", got, fi.Mode())
	}
	// Through a link the file it leads to is written; the link stays.
	link := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.Symlink(fresh, link); err != nil {
		t.Fatal(err)
	}
	if err := saveView(link, ui.View{Name: "Two"}, false); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the link was replaced by a file")
	}
	if got, _ := os.ReadFile(fresh); !strings.Contains(string(got), "name: Two") {
		t.Fatalf("the linked file: %q", got)
	}
}
