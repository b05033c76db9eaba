package ui

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
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

// sameRows reports an export of the query on screen: total rows, the
// first of them the rows the list has loaded (its first page is short: the
// rest load as the analyst pages on), in order.
func sameRows(got, loaded []string, total int) bool {
	return len(got) == total && len(loaded) > 0 && len(loaded) <= len(got) &&
		strings.Join(got[:len(loaded)], ",") == strings.Join(loaded, ",")
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
		if !sameRows(got, d.m.list.IDs(), d.m.list.Total()) {
			t.Fatalf("read-only %v: %d rows exported, the list holds %d", readOnly, len(got), d.m.list.Total())
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v, %v", fi.Mode(), err)
		}
		if _, err := os.Stat(path + ".partial"); !os.IsNotExist(err) {
			t.Fatalf("the partial file is left: %v", err)
		}
		if w := d.m.bar.Word().Text; w != "exported "+screen.Commas(len(got))+" alerts (filter: none) to "+path {
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
		before, total := d.m.list.IDs(), d.m.list.Total()
		d.key(".") // show hidden rows: a query asked for, its answer held
		d.run()
		d.key("e")
		d.settle() // the rows with the hidden ones land
		if d.m.list.Total() <= total {
			t.Fatalf("no hidden rows to test with: %d, %d", d.m.list.Total(), total)
		}
		path := filepath.Join(t.TempDir(), "x.jsonl")
		d.field().SetValue(path)
		d.key("enter")
		d.settle()
		if got := exportedIDs(t, path); !sameRows(got, before, total) {
			t.Fatalf("%d rows exported, %d matched the query on screen at e", len(got), total)
		}
	})
	t.Run("a filter changed while it runs", func(t *testing.T) {
		d := exportDriver(t, 80, false)
		before, total := d.m.list.IDs(), d.m.list.Total()
		path := filepath.Join(t.TempDir(), "x.jsonl")
		d.exportAs(path)
		held := d.cmds // the export, not started yet
		d.cmds = nil
		d.key("/")
		d.typeText("severity:>=70")
		d.key("enter")
		d.settle()
		if d.m.list.Total() >= total || d.m.list.Current().Filter != "severity:>=70" {
			t.Fatalf("the filter did not land: %d rows", d.m.list.Total())
		}
		d.cmds = held
		d.settle()
		if got := exportedIDs(t, path); !sameRows(got, before, total) {
			t.Fatalf("%d rows exported, %d matched the query on screen at e", len(got), total)
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
	if w := d.m.bar.Word().Text; w != "exported "+n+" alerts (filter: none) to "+first {
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
	if w := d.m.bar.Word().Text; w != "exported "+n+" alerts (filter: none) to "+second {
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

// stalledExport is a console on an Alerts tenant of more than 1,000 rows
// whose export writes its first 1,000 rows and then waits until it is
// stopped; it returns the screen, with the export at 1,000 of the total,
// the file and the total.
func stalledExport(t *testing.T) (*term, string, string) {
	dir := t.TempDir()
	t.Chdir(dir) // the default name is in the current directory
	h := newBackendHarness(t, "alerts", 2500)
	o := h.options(t)
	var pages atomic.Int32
	o.Source.Export = exportWith(func(b model.Backend) model.Backend { return stallAfterFirstPage{b, &pages} })
	s := startScreen(t, New(o), 200, 30)
	s.waitFor("first rows", settled)
	s.key("e", "enter")
	sc := s.waitText(" alerts to alerts-20261120-1200.jsonl (esc stops it)")
	total := regexp.MustCompile(`exported 1,000 of ([0-9,]+) alerts`).FindStringSubmatch(sc)
	if total == nil {
		t.Fatalf("no count:\n%s", sc)
	}
	return s, filepath.Join(dir, "alerts-20261120-1200.jsonl"), total[1]
}

// TestQuitWhileAnExportRunsAsksAndNamesThePartialFile: q while an export
// runs asks first (n stays, the export running on); y, ctrl+c and a
// shutdown (SIGTERM, SIGHUP) stop it, and the console names the .partial
// file and its rows for the line main leaves on the restored terminal. The
// footer's busy word says the export, not "loading", while only it runs.
func TestQuitWhileAnExportRunsAsksAndNamesThePartialFile(t *testing.T) {
	for _, how := range []string{"q y", "ctrl+c", "shutdown"} {
		t.Run(how, func(t *testing.T) {
			s, path, total := stalledExport(t)
			sc := s.waitText("exported 1,000 of " + total)
			if foot := screenLines(sc)[len(screenLines(sc))-2]; !strings.Contains(foot, " exporting · exported 1,000") || strings.Contains(foot, "loading") {
				t.Fatalf("the footer while only the export runs: %q", foot)
			}
			switch how {
			case "q y":
				s.key("q")
				s.waitText("an export is running (1,000 of " + total + " to alerts-20261120-1200.jsonl): quit anyway? The rows so far stay in alerts-20261120-1200.jsonl.partial")
				s.key("n")
				s.waitFor("the question gone, the export running on", func(sc string) bool {
					return !strings.Contains(sc, "quit anyway?") && strings.Contains(sc, " exporting")
				})
				s.key("q")
				s.waitText("quit anyway?")
				s.key("y")
			case "ctrl+c":
				s.key("ctrl+c")
			case "shutdown":
				s.tm.Send(ShutdownMsg{})
			}
			m := s.final()
			want := "the export to " + path + " was cut short: " + path + ".partial holds 1,000 of " + total + " alerts"
			if got := m.ExportCutShort(); got != want {
				t.Fatalf("the console says %q, want %q", got, want)
			}
			if got := exportedIDs(t, path+".partial"); len(got) != 1000 {
				t.Fatalf("%d rows kept", len(got))
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Fatalf("a stopped export took the file's name: %v", err)
			}
		})
	}
	// The export's end landing after the quit, before the program ends,
	// is still said on exit.
	d := exportDriver(t, 20, false)
	path := filepath.Join(t.TempDir(), "x.jsonl")
	d.exportAs(path)
	held := d.cmds // the export, not started yet
	d.cmds = nil
	d.key("q")
	if !strings.Contains(d.screen(), "an export is running (just started, to x.jsonl): quit anyway? The rows so far stay in x.jsonl.partial") {
		t.Fatalf("no question:\n%s", d.screen())
	}
	d.key("y")
	d.cmds = append(held, d.cmds...)
	d.run()
	deliver[exportDoneMsg](d)
	if want := "the export to " + path + " was cut short: " + path + ".partial holds 0 alerts"; !d.quit || d.m.ExportCutShort() != want {
		t.Fatalf("quit %v; the console says %q, want %q", d.quit, d.m.ExportCutShort(), want)
	}
	// No export running: q quits at once, and there is nothing to say.
	d = exportDriver(t, 20, false)
	d.key("q")
	d.run()
	if !d.quit || d.m.ExportCutShort() != "" {
		t.Fatalf("q with no export: quit %v, %q", d.quit, d.m.ExportCutShort())
	}
	// An export that finished leaves nothing to say either.
	d = exportDriver(t, 20, false)
	d.exportAs(filepath.Join(t.TempDir(), "x.jsonl"))
	d.settle()
	d.key("q")
	d.run()
	if !d.quit || d.m.ExportCutShort() != "" {
		t.Fatalf("q after an export: quit %v, %q", d.quit, d.m.ExportCutShort())
	}
}

// TestTheExportFieldNamesTheFilterItExports: e while a new filter loads
// exports the filter on screen at e, and the field's prompt says which
// (and how many rows, when known), as does the footer's last word; at 80
// columns a long filter is cut so that the file's name stays in sight.
func TestTheExportFieldNamesTheFilterItExports(t *testing.T) {
	d := exportDriver(t, 60, false)
	all := d.m.list.Total()
	d.key("f", "s", "n") // status:'new', its answer held
	d.run()
	if d.m.list.Latest().Filter == "" || d.m.list.Current().Filter != "" {
		t.Fatalf("the filter is not pending: %+v", d.m.list.Latest())
	}
	d.key("e")
	want := "export " + screen.Commas(all) + " alerts (filter: none) to › "
	if line := ansi.Strip(d.field().Line()); !strings.HasPrefix(line, want) {
		t.Fatalf("the field says %q, want %q", line, want)
	}
	path := filepath.Join(t.TempDir(), "race.csv")
	d.field().SetValue(path)
	d.key("enter")
	d.settle() // the filter lands, the export ends
	if d.m.list.Current().Filter != "status:'new'" {
		t.Fatalf("the filter did not land: %q", d.m.list.Current().Filter)
	}
	if w := d.m.bar.Word().Text; w != "exported "+screen.Commas(all)+" alerts (filter: none) to "+path {
		t.Fatalf("the footer says %q", w)
	}
	d.key("e")
	want = "export " + screen.Commas(d.m.list.Total()) + " alerts (filter: status:'new') to › "
	if line := ansi.Strip(d.field().Line()); !strings.HasPrefix(line, want) {
		t.Fatalf("the field says %q, want %q", line, want)
	}
	d.key("esc")
	// 80 columns, a long filter: cut, the name whole, the line in 80.
	d.send(teaSize(80, 24))
	d.key("/")
	d.typeText("status:'new'+severity:>=10+tactic:!'Exfiltration'")
	d.key("enter")
	d.settle()
	d.key("e")
	sc := ansi.Strip(d.screen())
	lines := screenLines(sc)
	bottom := lines[len(lines)-1]
	if !strings.HasPrefix(bottom, "export "+screen.Commas(d.m.list.Total())+" alerts (filter: status:'new'+") || !strings.Contains(bottom, "…) to › alerts-20261120-1200.jsonl") ||
		ansi.StringWidth(bottom) > 80 {
		t.Fatalf("at 80 columns the field is %q", bottom)
	}
}

// A file that appears at the export's name while the export runs (another
// export, the analyst's own copy) is left as it is: the export stays in its
// .partial file and the answer says so, unless overwriting was agreed.
func TestAFileAppearingWhileTheExportRunsIsKept(t *testing.T) {
	for _, overwrite := range []bool{false, true} {
		dir := t.TempDir()
		path := filepath.Join(dir, "out.jsonl")
		appear := func(ctx context.Context, b model.Backend, q model.Query, format string, w io.Writer, progress func(int, int), warn func(string)) (int, error) {
			if _, err := io.WriteString(w, "{\"row\":1}\n"); err != nil {
				return 0, err
			}
			return 1, os.WriteFile(path, []byte("the analyst's own\n"), 0o600)
		}
		msg := writeExport(context.Background(), 1, appear, nil, exportFile{path: path, format: "jsonl"}, overwrite, make(chan [2]int, 1))
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !overwrite {
			if string(got) != "the analyst's own\n" {
				t.Fatalf("the file that appeared was replaced by the export: %q", got)
			}
			if msg.err == nil || !strings.Contains(msg.err.Error(), "appeared while the export ran") || msg.kept != path+".partial" {
				t.Fatalf("answer = %v, kept %q; want it to say the file appeared and keep the .partial", msg.err, msg.kept)
			}
			if part, err := os.ReadFile(path + ".partial"); err != nil || string(part) != "{\"row\":1}\n" {
				t.Fatalf(".partial = %q, %v; want the export's row", part, err)
			}
			continue
		}
		if msg.err != nil || string(got) != "{\"row\":1}\n" {
			t.Fatalf("overwrite agreed: file = %q, err %v; want the export", got, msg.err)
		}
		if _, err := os.Lstat(path + ".partial"); err == nil {
			t.Fatal("the .partial file stayed after the export took its name")
		}
	}
}
