package ui

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/modal"
	"github.com/falcon-triage/falcon-triage/ui/screen"
	"github.com/falcon-triage/falcon-triage/ui/status"
)

// e exports the query on screen to a file, as the export command would.
// The file is written as NAME.partial (mode 0600: exports hold the
// tenant's data and attackers' strings, and a jump host has other users)
// and takes its name only once whole, so a file without .partial is never
// cut short; one stopped (esc, an error, a service giving no total) is
// kept as NAME.partial and the footer says so. A file that exists is
// overwritten only when the analyst says yes.

// exportAsk is an export as e captured it: the query on screen, in the
// backend's terms, what its rows are called, and its filter as the
// analyst sees it (for the prompt and the footer: a filter asked for and
// not landed yet is not the one exported).
type exportAsk struct {
	q      model.Query
	noun   string
	filter string
}

// exportFile is an export with its file chosen (an absolute path).
type exportFile struct {
	ask          exportAsk
	path, format string
}

// exportOverwrite tags the question whether to overwrite the file.
type exportOverwrite struct{ f exportFile }

// exportRun is the export running. Its messages carry its id: one from an
// export that has ended lands nowhere.
type exportRun struct {
	id          int
	f           exportFile
	cancel      context.CancelFunc
	stopping    bool // esc stopped it; its answer is on its way
	done, total int
	progress    chan [2]int // the latest count, written by the export
	ended       chan struct{}
	// last is the export's end, kept for a program that ended before it
	// could be told (ExportCutShort).
	last atomic.Pointer[exportDoneMsg]
}

// exportProgressMsg is a count of rows written, of how many match (-1:
// not known).
type exportProgressMsg struct{ id, done, total int }

// exportDoneMsg ends an export: n rows written, and why it stopped short
// if it did, the rows written kept in kept.
type exportDoneMsg struct {
	id, n, total, skipped int
	err                   error
	kept                  string
}

// askExport opens the file name field for the query on screen now; a
// second e while one runs says so.
func (m *Model) askExport() tea.Cmd {
	if r := m.exp; r != nil {
		m.bar.Say(fmt.Sprintf("an export is running: %s (esc stops it)", r.count()))
		return nil
	}
	if m.refuseExportWhileSwitching() {
		return nil
	}
	if m.o.Source.Export == nil {
		m.bar.Say("this console cannot write files: use falcon-triage export")
		return nil
	}
	if m.list.Context() == nil {
		m.bar.Say("nothing to export yet: the rows are still loading")
		return nil
	}
	q := m.list.Current()
	ask := exportAsk{q: model.Query{Filter: m.list.Effective(q), Q: q.Q, Sort: q.Sort}, noun: screen.RowWord(m.b.Name(), 2),
		filter: shownFilter(q.Filter, q.Q)}
	name := fmt.Sprintf("%s-%s.jsonl", ask.noun, m.o.Now().In(m.o.Location).Format("20060102-1504"))
	rows := ask.noun
	if n := m.list.Total(); n >= 0 {
		rows = screen.Commas(n) + " " + screen.RowWord(m.b.Name(), n)
	}
	return m.stack.OpenExport(name, rows, ask.filter, ask)
}

// shownFilter is the filter (and search) an export is of, in the
// analyst's words: "none" for every row.
func shownFilter(filter, search string) string {
	s := screen.Sanitize(filter)
	if s == "" {
		s = "none"
	}
	if search != "" {
		s += ", search: " + screen.Sanitize(search)
	}
	return s
}

// exportTo takes the file name typed: a file that exists is asked about
// first.
func (m *Model) exportTo(c modal.ExportTo) tea.Cmd {
	ask, ok := c.Carry.(exportAsk)
	if !ok {
		return nil
	}
	path := c.Path
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, rest)
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		m.bar.Fail(fmt.Errorf("export: %w", err))
		return nil
	}
	f := exportFile{ask: ask, path: abs, format: c.Format}
	if _, err := os.Lstat(abs); err == nil {
		m.stack.Push(&modal.Prompt{Text: abs + " exists. Overwrite it?", Answers: [][2]string{{"y", "overwrite"}, {"n", "cancel"}},
			Tag: exportOverwrite{f}})
		return nil
	}
	return m.startExport(f, false)
}

// answerOverwrite starts the export the analyst agreed to overwrite for.
func (m *Model) answerOverwrite(t exportOverwrite, key string) tea.Cmd {
	if key == "y" {
		return m.startExport(t.f, true)
	}
	m.bar.Say("nothing exported: " + t.f.path + " is as it was")
	return nil
}

func (m *Model) startExport(f exportFile, overwrite bool) tea.Cmd {
	if m.exp != nil {
		m.bar.Say(fmt.Sprintf("an export is running: %s (esc stops it)", m.exp.count()))
		return nil
	}
	if m.refuseExportWhileSwitching() {
		return nil
	}
	m.expID++
	ctx, cancel := context.WithCancel(m.ctx)
	r := &exportRun{id: m.expID, f: f, cancel: cancel, total: -1, progress: make(chan [2]int, 1), ended: make(chan struct{})}
	m.exp = r
	m.bar.Set(status.Word{Text: r.count()})
	export, b := m.o.Source.Export, m.b
	run := func() (msg tea.Msg) {
		defer close(r.ended)
		defer func() {
			if d, ok := msg.(exportDoneMsg); ok {
				r.last.Store(&d)
			}
		}()
		defer screen.Recover(&msg, func(err error) tea.Msg { return exportDoneMsg{id: r.id, err: err} })
		return writeExport(ctx, r.id, export, b, f, overwrite, r.progress)
	}
	return tea.Batch(run, r.listen(), m.bar.Spin())
}

// writeExport writes the file, from the values captured when the export
// started; it reads nothing of the console.
func writeExport(ctx context.Context, id int, export Exporter, b model.Backend, f exportFile, overwrite bool, progress chan [2]int) exportDoneMsg {
	part := f.path + ".partial"
	out, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		err = fmt.Errorf("%s is left from an export stopped earlier: move it away or choose another name", part)
	}
	if err != nil {
		return exportDoneMsg{id: id, total: -1, err: err}
	}
	msg := exportDoneMsg{id: id, total: -1}
	n, err := export(ctx, b, f.ask.q, f.format, out, func(done, total int) {
		msg.total = total
		select { // only the latest count matters
		case <-progress:
		default:
		}
		progress <- [2]int{done, total}
	}, func(string) { msg.skipped++ })
	msg.n = n
	if cerr := out.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil {
		err = publish(part, f.path, overwrite)
	}
	if err != nil {
		msg.err, msg.kept = err, part
	}
	return msg
}

// publish gives the whole file its name; without leave to overwrite, a
// file that appeared there meanwhile is kept.
func publish(part, path string, overwrite bool) error {
	if overwrite {
		return os.Rename(part, path)
	}
	if err := os.Link(part, path); err != nil {
		if _, serr := os.Lstat(path); serr == nil {
			return fmt.Errorf("%s appeared while the export ran, and was left as it is", path)
		}
		return os.Rename(part, path) // a file system without hard links
	}
	return os.Remove(part)
}

// listen waits for the export's next count, or its end.
func (r *exportRun) listen() tea.Cmd {
	id, progress, ended := r.id, r.progress, r.ended
	return func() tea.Msg {
		select {
		case p := <-progress:
			return exportProgressMsg{id: id, done: p[0], total: p[1]}
		default:
		}
		select {
		case p := <-progress:
			return exportProgressMsg{id: id, done: p[0], total: p[1]}
		case <-ended:
			return nil
		}
	}
}

// count says how far the export is, for the footer.
func (r *exportRun) count() string {
	name := filepath.Base(r.f.path)
	switch {
	case r.done == 0 && r.total < 0:
		return fmt.Sprintf("exporting %s to %s…", r.f.ask.noun, name)
	case r.total < 0:
		return fmt.Sprintf("exported %s %s to %s (no total)", screen.Commas(r.done), r.f.ask.noun, name)
	}
	return fmt.Sprintf("exported %s of %s %s to %s", screen.Commas(r.done), screen.Commas(r.total), r.f.ask.noun, name)
}

// brief is how far the export is, for the quit question: "1,000 of 1,339
// to quit2.jsonl".
func (r *exportRun) brief() string {
	name := filepath.Base(r.f.path)
	switch {
	case r.done == 0 && r.total < 0:
		return "just started, to " + name
	case r.total < 0:
		return fmt.Sprintf("%s %s so far to %s", screen.Commas(r.done), r.f.ask.noun, name)
	}
	return fmt.Sprintf("%s of %s to %s", screen.Commas(r.done), screen.Commas(r.total), name)
}

// onExport takes the running export's count or end; those of an export
// that has ended land nowhere.
func (m *Model) onExport(msg tea.Msg) tea.Cmd {
	r := m.exp
	switch msg := msg.(type) {
	case exportProgressMsg:
		if r == nil || msg.id != r.id {
			return nil
		}
		r.done, r.total = msg.done, msg.total
		if !r.stopping {
			m.bar.Set(status.Word{Text: r.count() + " (esc stops it)"})
		}
		return r.listen()
	case exportDoneMsg:
		if r == nil || msg.id != r.id || m.quitting {
			return nil // quitting, it stays for ExportCutShort
		}
		m.exp = nil
		r.cancel()
		m.endExport(r, msg)
	}
	return nil
}

// endExport says where the export went, and, cut short, why and where the
// rows written are.
func (m *Model) endExport(r *exportRun, msg exportDoneMsg) {
	noun := r.f.ask.noun
	skipped := ""
	if msg.skipped > 0 {
		skipped = fmt.Sprintf(" (%s gone before they could be read)", screen.Commas(msg.skipped))
	}
	of := ""
	if msg.total >= 0 {
		of = " of " + screen.Commas(msg.total)
	}
	switch {
	case msg.err == nil:
		m.bar.Say(fmt.Sprintf("exported %s %s (filter: %s) to %s%s", screen.Commas(msg.n), noun, footerFilter(r.f.ask.filter), r.f.path, skipped))
	case msg.kept == "":
		m.bar.Fail(fmt.Errorf("nothing exported: %s", screen.ErrMessage(msg.err)))
	case r.stopping && errors.Is(msg.err, context.Canceled):
		m.bar.Say(fmt.Sprintf("export stopped after %s%s %s: the rows written are in %s", screen.Commas(msg.n), of, noun, msg.kept))
	default:
		m.bar.Fail(fmt.Errorf("export stopped short after %s%s %s: %s; the rows written are in %s",
			screen.Commas(msg.n), of, noun, screen.ErrMessage(msg.err), msg.kept))
	}
}

// footerFilter is a filter as the footer's last word names it: cut to 40
// columns, so the path after it stays in sight.
func footerFilter(f string) string { return ansi.Truncate(f, 40, "…") }

// quitExport stops the export running as the console quits: its rows so
// far stay in its .partial file, which ExportCutShort names.
func (m *Model) quitExport() {
	if r := m.exp; r != nil {
		r.cancel()
	}
}

// ExportCutShort is, once the program has ended and Close returned, what
// the end did to an export still running: the .partial file it left and
// how many rows it holds, for the line on the restored terminal; "" when
// none was running.
func (m *Model) ExportCutShort() string {
	r := m.exp
	if r == nil {
		return ""
	}
	part := r.f.path + ".partial"
	msg := r.last.Load()
	switch {
	case msg == nil:
		// Still writing past Close's bound: the last count it gave.
		return fmt.Sprintf("the export to %s was cut short: %s holds at least %s %s", screen.Sanitize(r.f.path), screen.Sanitize(part),
			screen.Commas(r.done), r.f.ask.noun)
	case msg.err == nil:
		return "" // it finished: the file has its name
	case msg.kept == "":
		return fmt.Sprintf("the export to %s was cut short: nothing exported (%s)", screen.Sanitize(r.f.path), screen.ErrMessage(msg.err))
	}
	of := ""
	if msg.total >= 0 {
		of = " of " + screen.Commas(msg.total)
	}
	return fmt.Sprintf("the export to %s was cut short: %s holds %s%s %s", screen.Sanitize(r.f.path), screen.Sanitize(msg.kept),
		screen.Commas(msg.n), of, r.f.ask.noun)
}

// stopExport stops the export running, if one is: esc. The rows written
// stay in the .partial file its answer names.
func (m *Model) stopExport() bool {
	r := m.exp
	if r == nil || r.stopping {
		return false
	}
	r.stopping = true
	r.cancel()
	m.bar.Say("stopping the export…")
	return true
}
