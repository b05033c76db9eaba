package ui

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/export"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// exportWith is what main hands the console: the export package's
// writer, on the backend wrap makes of the console's (nil: as it is).
func exportWith(wrap func(model.Backend) model.Backend) Exporter {
	return func(ctx context.Context, b model.Backend, q model.Query, format string, w io.Writer, progress func(int, int), warn func(string)) (int, error) {
		if wrap != nil {
			b = wrap(b)
		}
		return export.Write(ctx, b, export.Options{Query: q, Format: format, Progress: progress, Warn: warn}, w)
	}
}

// exportedIDs reads the composite ids of a JSONL export.
func exportedIDs(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var r export.Alert
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%v: %.100s", err, line)
		}
		ids = append(ids, r.CompositeID)
	}
	return ids
}

// exportDriver is a driver on an Alerts tenant of n rows that can export.
func exportDriver(t *testing.T, n int, readOnly bool) *driver {
	t.Helper()
	h := newBackendHarness(t, "alerts", n)
	o := h.options(t)
	o.Source.Export, o.ReadOnly = exportWith(nil), readOnly
	d := newDriver(t, o)
	t.Cleanup(func() { d.m.Close(hangBound) })
	d.settle()
	// Every row of the query loaded (the first page is list.OpeningRows),
	// so the list's ids are the query's, as an export writes them.
	d.key("G")
	d.settle()
	d.key("g")
	d.settle()
	return d
}

// exportAs presses e and enter on path: the file name field is where the
// analyst types it.
func (d *driver) exportAs(path string) {
	d.t.Helper()
	d.key("e")
	d.field().SetValue(path)
	d.key("enter")
}

// TestEExportsTheRowsOnScreen: e offers a file named after the rows and the
// time, writes every row of the query on screen (read-only too: an export
// is a read), 0600, and the footer says where it went.
func TestEExportsTheRowsOnScreen(t *testing.T) {
	for _, readOnly := range []bool{false, true} {
		d := exportDriver(t, 60, readOnly)
		d.key("e")
		if d.field().Kind() == 0 || d.field().Value() != "alerts-20261120-1200.jsonl" {
			t.Fatalf("the field offers %q", d.field().Value())
		}
		d.key("esc")
		path := filepath.Join(t.TempDir(), "mine.jsonl")
		d.exportAs(path)
		d.settle()
		got := exportedIDs(t, path)
		if len(got) != d.m.list.Total() || strings.Join(got, ",") != strings.Join(d.m.list.IDs(), ",") {
			t.Fatalf("read-only %v: %d rows exported, the list holds %d", readOnly, len(got), d.m.list.Total())
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v, %v", fi.Mode(), err)
		}
		if _, err := os.Stat(path + ".partial"); !os.IsNotExist(err) {
			t.Fatalf("the partial file is left: %v", err)
		}
		if w := d.m.bar.Word().Text; w != "exported "+screen.Commas(len(got))+" alerts to "+path {
			t.Fatalf("the footer says %q", w)
		}
	}
	// The footer offers it where there is room, the help screen always.
	d := exportDriver(t, 10, false)
	if !strings.Contains(ansi.Strip(d.screen()), "e export  ? help") {
		t.Fatalf("the footer at 120 columns has no e:\n%s", d.screen())
	}
	d.key("?")
	if !strings.Contains(ansi.Strip(d.screen()), "e          export to a file") {
		t.Fatalf("the help screen has no e:\n%s", d.screen())
	}
	d.key("esc")
	// In a text field e is a letter.
	d.key("/", "e")
	if d.field().Kind() != 0 || d.field().Value() != "e" {
		t.Fatalf("e in the filter line: %q", d.field().Value())
	}
}

// TestEExportsTheQueryOnScreenWhenPressed: a filter asked for before e and
// landing after it, or changed while the export runs, does not change what
// is exported: the query on screen when e was pressed.
func TestEExportsTheQueryOnScreenWhenPressed(t *testing.T) {
	t.Run("a query landing after e", func(t *testing.T) {
		d := exportDriver(t, 80, false)
		before := d.m.list.IDs()
		d.key(".") // show hidden rows: a query asked for, its answer held
		d.run()
		d.key("e")
		d.settle() // the rows with the hidden ones land
		if d.m.list.Total() <= len(before) {
			t.Fatalf("no hidden rows to test with: %d, %d", d.m.list.Total(), len(before))
		}
		path := filepath.Join(t.TempDir(), "x.jsonl")
		d.field().SetValue(path)
		d.key("enter")
		d.settle()
		if got := exportedIDs(t, path); strings.Join(got, ",") != strings.Join(before, ",") {
			t.Fatalf("%d rows exported, %d were on screen at e", len(got), len(before))
		}
	})
	t.Run("a filter changed while it runs", func(t *testing.T) {
		d := exportDriver(t, 80, false)
		before := d.m.list.IDs()
		path := filepath.Join(t.TempDir(), "x.jsonl")
		d.exportAs(path)
		held := d.cmds // the export, not started yet
		d.cmds = nil
		d.key("/")
		d.typeText("severity:>=70")
		d.key("enter")
		d.settle()
		if d.m.list.Total() >= len(before) || d.m.list.Current().Filter != "severity:>=70" {
			t.Fatalf("the filter did not land: %d rows", d.m.list.Total())
		}
		d.cmds = held
		d.settle()
		if got := exportedIDs(t, path); strings.Join(got, ",") != strings.Join(before, ",") {
			t.Fatalf("%d rows exported, %d were on screen at e", len(got), len(before))
		}
	})
}

// TestEAsksBeforeOverwriting: a file that exists is overwritten only on y.
func TestEAsksBeforeOverwriting(t *testing.T) {
	d := exportDriver(t, 20, false)
	path := filepath.Join(t.TempDir(), "x.csv")
	if err := os.WriteFile(path, []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d.exportAs(path)
	if !strings.Contains(d.screen(), "exists. Overwrite it?") {
		t.Fatalf("no question:\n%s", d.screen())
	}
	d.key("n")
	d.settle()
	if raw, _ := os.ReadFile(path); string(raw) != "keep me\n" || !strings.Contains(d.m.bar.Word().Text, "as it was") {
		t.Fatalf("after n: %q, footer %q", raw, d.m.bar.Word().Text)
	}
	d.exportAs(path)
	d.key("y")
	d.settle()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) != d.m.list.Total()+1 || rows[0][0] != "composite_id" {
		t.Fatalf("after y: %d rows, %v", len(rows), err)
	}
	// A name whose ending is no format is refused in the field.
	d.exportAs(filepath.Join(t.TempDir(), "x.txt"))
	if !strings.Contains(d.field().Err(), ".jsonl, .json or .csv") {
		t.Fatalf("a .txt export: %q", d.field().Err())
	}
}

// TestALateExportCountLandsNowhere: the export's messages carry its id; a
// count from an export that has ended does not land on the next one.
func TestALateExportCountLandsNowhere(t *testing.T) {
	d := exportDriver(t, 30, false)
	first := filepath.Join(t.TempDir(), "x.jsonl")
	d.exportAs(first)
	d.run() // the export ends; its last count and its end are held
	late := takeLast[exportProgressMsg](d)
	deliver[exportDoneMsg](d)
	n := screen.Commas(d.m.list.Total())
	if w := d.m.bar.Word().Text; w != "exported "+n+" alerts to "+first {
		t.Fatalf("the footer says %q", w)
	}
	second := filepath.Join(t.TempDir(), "y.jsonl")
	d.exportAs(second)
	d.send(late)
	if w := d.m.bar.Word().Text; w != "exporting alerts to y.jsonl…" {
		t.Fatalf("the first export's count landed on the second: %q", w)
	}
	d.run()
	deliver[exportProgressMsg](d)
	if w := d.m.bar.Word().Text; w != "exported "+n+" of "+n+" alerts to y.jsonl (esc stops it)" {
		t.Fatalf("the footer says %q", w)
	}
	deliver[exportDoneMsg](d)
	d.settle()
	if w := d.m.bar.Word().Text; w != "exported "+n+" alerts to "+second {
		t.Fatalf("the footer says %q", w)
	}
}

// stallAfterFirstPage answers its first page of ids and then waits until
// the export is stopped.
type stallAfterFirstPage struct {
	model.Backend
	pages *atomic.Int32
}

func (b stallAfterFirstPage) Query(ctx context.Context, q model.Query) (model.Page, error) {
	if b.pages.Add(1) > 1 {
		<-ctx.Done()
		return model.Page{}, ctx.Err()
	}
	return b.Backend.Query(ctx, q)
}

// TestEscStopsAnExport: esc stops the export running; the rows written are
// kept as NAME.partial, and no file takes the name; a second e while it
// runs says so.
func TestEscStopsAnExport(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // the default name is in the current directory
	h := newBackendHarness(t, "alerts", 2500)
	o := h.options(t)
	var pages atomic.Int32
	o.Source.Export = exportWith(func(b model.Backend) model.Backend { return stallAfterFirstPage{b, &pages} })
	s := startScreen(t, New(o), 200, 30)
	s.waitFor("first rows", settled)
	s.key("e")
	s.waitText("alerts-20261120-1200.jsonl")
	s.key("enter")
	s.waitText("exported 1,000 of ")
	s.key("e")
	s.waitText("an export is running: exported 1,000 of ")
	s.key("esc")
	s.waitText("export stopped after 1,000 of ")
	s.quit()
	name := filepath.Join(dir, "alerts-20261120-1200.jsonl")
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Fatalf("a stopped export took the file's name: %v", err)
	}
	if got := exportedIDs(t, name+".partial"); len(got) != 1000 {
		t.Fatalf("%d rows kept", len(got))
	}
}
