package ui

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/model"
)

// memBackend serves n synthetic detections from memory, for benchmarks of
// the console alone.
type memBackend struct {
	ids  []string
	dets map[string]model.Detection
}

func newMemBackend(n int) *memBackend {
	b := &memBackend{dets: map[string]model.Detection{}}
	for i := range n {
		id := fmt.Sprintf("ldt:%032x:%d", i, i)
		b.ids = append(b.ids, id)
		b.dets[id] = model.Detection{ID: id, Status: model.StatusNew, MaxSeverity: 10 + i%90, ShowInUI: true,
			LastBehavior: testBase.Add(-time.Duration(i) * time.Minute),
			Device:       model.Device{Hostname: fmt.Sprintf("WS-%05d", i%5000)}, AssigneeName: "Alice Martin",
			Behaviors: []model.Behavior{{Tactic: "Execution", Technique: "PowerShell", TechniqueID: "T1059.001", Severity: 10 + i%90}}}
	}
	return b
}

func (b *memBackend) Name() string                          { return "detects" }
func (b *memBackend) Effective(c model.Change) model.Change { return c }
func (b *memBackend) Why() string                           { return "test" }
func (b *memBackend) Fields() model.Fields                  { return api.DetectsFields }
func (b *memBackend) Statuses() []model.Status              { return model.Statuses }
func (b *memBackend) Window() int                           { return 1 << 30 }
func (b *memBackend) CursorPaging() bool                    { return false }
func (b *memBackend) MaxIDs() int                           { return 1000 }
func (b *memBackend) Query(_ context.Context, q model.Query) (model.Page, error) {
	end := min(len(b.ids), q.Offset+q.Limit)
	return model.Page{IDs: b.ids[min(q.Offset, end):end], Total: len(b.ids)}, nil
}
func (b *memBackend) Details(_ context.Context, ids []string) ([]model.Detection, map[string]string, error) {
	out := make([]model.Detection, 0, len(ids))
	for _, id := range ids {
		out = append(out, b.dets[id])
	}
	return out, nil, nil
}
func (b *memBackend) Update(context.Context, model.Change) (model.UpdateResult, error) {
	return model.UpdateResult{}, nil
}
func (b *memBackend) Aggregate(context.Context, []model.AggregateRequest) ([]model.Aggregation, error) {
	return nil, nil
}
func (b *memBackend) SortValue(*model.Detection, string) (string, bool) { return "", false }

// memOf serves these detections.
func memOf(dets ...model.Detection) *memBackend {
	b := &memBackend{dets: map[string]model.Detection{}}
	for _, d := range dets {
		b.ids = append(b.ids, d.ID)
		b.dets[d.ID] = d
	}
	return b
}

// staticModel is a console on b at w×h with every id of b loaded (one
// query) and the rows on screen read.
func staticModel(tb testing.TB, b *memBackend, w, h int) *Model {
	tb.Helper()
	d := newDriver(tb, Options{Source: Source{Backend: b, Label: "DEMO"}, Location: time.UTC, IDChunk: len(b.ids) + 1})
	d.send(teaSize(w, h))
	d.settle()
	return d.m
}

// loadedModel is a console with n rows in its id index and the visible
// ones' details cached, at w×h.
func loadedModel(tb testing.TB, n, w, h int) *Model { return staticModel(tb, newMemBackend(n), w, h) }

func BenchmarkView100kRows200x60(b *testing.B) {
	m := loadedModel(b, 100_000, 200, 60)
	m.Update(keyPress("ctrl+d")) // the cursor half a screen down
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// countingWriter counts what the program writes to the terminal and says
// when a write arrives.
type countingWriter struct {
	mu    sync.Mutex
	n     int
	wrote chan struct{}
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.n += len(p)
	w.mu.Unlock()
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (w *countingWriter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// quiet waits until the program has written nothing for a while.
func (w *countingWriter) quiet() {
	for {
		select {
		case <-w.wrote:
		case <-time.After(60 * time.Millisecond):
			return
		}
	}
}

// benchKeyBytes reports the bytes written to a 200×60 terminal of 256
// colours for one key.
func benchKeyBytes(b *testing.B, key tea.KeyPressMsg, back tea.KeyPressMsg) {
	benchKeyBytesOn(b, 200, 60, colorprofile.ANSI256, key, back)
}

// benchKeyBytesOn reports the bytes written to a w×h terminal of the colour
// profile for one key.
func benchKeyBytesOn(b *testing.B, w, h int, profile colorprofile.Profile, key tea.KeyPressMsg, back tea.KeyPressMsg) {
	m := loadedModel(b, 100_000, w, h)
	out := &countingWriter{wrote: make(chan struct{}, 1)}
	p := tea.NewProgram(m, tea.WithInput(&bytes.Buffer{}), tea.WithOutput(out), tea.WithWindowSize(w, h),
		tea.WithoutSignals(), tea.WithColorProfile(profile))
	done := make(chan struct{})
	go func() { _, _ = p.Run(); close(done) }()
	out.quiet()
	total := 0
	for i := 0; i < b.N; i++ {
		before := out.count()
		p.Send(key)
		out.quiet()
		total += out.count() - before
		p.Send(back)
		out.quiet()
	}
	b.ReportMetric(float64(total)/float64(b.N), "bytes/key")
	p.Quit()
	<-done
}

func BenchmarkBytesCursorMove200x60(b *testing.B) {
	benchKeyBytes(b, keyPress("j"), keyPress("k"))
}

// The analyst over SSH: 80×24, and 16 colours or none, where the cursor's
// bar is reverse video.
func BenchmarkBytesCursorMove80x24(b *testing.B) {
	for _, c := range []struct {
		name    string
		profile colorprofile.Profile
	}{{"256", colorprofile.ANSI256}, {"16", colorprofile.ANSI}, {"none", colorprofile.Ascii}} {
		b.Run(c.name, func(b *testing.B) { benchKeyBytesOn(b, 80, 24, c.profile, keyPress("j"), keyPress("k")) })
	}
}

func BenchmarkBytesPageDown200x60(b *testing.B) {
	benchKeyBytes(b, keyPress("pgdown"), keyPress("pgup"))
}

// BenchmarkFirstScreen counts the requests and terminal bytes from start to
// the first screen of rows against the fake over HTTP (token cold).
func BenchmarkFirstScreen(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		h := newHarness(b, 5000)
		out := &countingWriter{wrote: make(chan struct{}, 1)}
		b.StartTimer()
		m := New(Options{Source: h.src, Location: time.UTC})
		p := tea.NewProgram(m, tea.WithInput(&bytes.Buffer{}), tea.WithOutput(out), tea.WithWindowSize(80, 24),
			tea.WithoutSignals(), tea.WithColorProfile(colorprofile.ANSI256))
		done := make(chan struct{})
		go func() { _, _ = p.Run(); close(done) }()
		out.quiet()
		b.StopTimer()
		reqs := h.fake.Count("token") + h.fake.Count("query") + h.fake.Count("summaries")
		b.ReportMetric(float64(reqs), "requests")
		b.ReportMetric(float64(out.count()), "term-bytes")
		p.Quit()
		<-done
		b.StartTimer()
	}
}

// BenchmarkConsoleMemory100k reports the heap the console holds with
// 100,000 ids indexed and the detail cache at its bound.
func BenchmarkConsoleMemory100k(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		bk := newMemBackend(100_000)
		m := staticModel(b, bk, 200, 60)
		for _, id := range bk.ids {
			m.rows.Put(bk.dets[id])
		}
		b.StopTimer()
		bk.dets = nil // the backend's own copy is not the console's
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
		b.ReportMetric(float64(m.rows.Len()), "cached")
		runtime.KeepAlive(m)
		b.StartTimer()
	}
}

// BenchmarkFirstFrame measures the time from starting the program to its
// first bytes on the terminal while the connection is still pending: what an
// analyst waits before the console shows.
func BenchmarkFirstFrame(b *testing.B) {
	for b.Loop() {
		block := make(chan struct{})
		m := New(Options{Source: Source{Label: "DEMO"}, Location: time.UTC,
			Connect: func(ctx context.Context, _ func(model.Backend) model.Query) (model.Backend, error) {
				<-block
				return nil, context.Canceled
			}})
		out := &countingWriter{wrote: make(chan struct{}, 1)}
		p := tea.NewProgram(m, tea.WithInput(&bytes.Buffer{}), tea.WithOutput(out), tea.WithWindowSize(80, 24),
			tea.WithoutSignals(), tea.WithColorProfile(colorprofile.ANSI256))
		done := make(chan struct{})
		go func() { _, _ = p.Run(); close(done) }()
		<-out.wrote
		b.StopTimer()
		close(block)
		p.Quit()
		<-done
		b.StartTimer()
	}
}

// BenchmarkKeyToScreen measures the time from a key reaching the program to
// the first bytes of the frame that shows it (a cursor move at 200×60), at
// the console's frame rate and at Bubble Tea's default of 60.
func BenchmarkKeyToScreen(b *testing.B) {
	for _, fps := range []int{60, 120} {
		b.Run(fmt.Sprintf("fps=%d", fps), func(b *testing.B) {
			m := loadedModel(b, 100_000, 200, 60)
			out := &countingWriter{wrote: make(chan struct{}, 1)}
			opts := append([]tea.ProgramOption{tea.WithInput(&bytes.Buffer{}), tea.WithOutput(out), tea.WithWindowSize(200, 60),
				tea.WithoutSignals(), tea.WithColorProfile(colorprofile.ANSI256)}, ProgramOptions()...)
			opts = append(opts, tea.WithFPS(fps))
			p := tea.NewProgram(m, opts...)
			done := make(chan struct{})
			go func() { _, _ = p.Run(); close(done) }()
			out.quiet()
			var total, worst time.Duration
			keys := []tea.KeyPressMsg{keyPress("j"), keyPress("k")}
			for i := 0; i < b.N; i++ {
				// A key comes at any point of the frame clock.
				b.StopTimer()
				time.Sleep(time.Duration(rand.Int64N(int64(20 * time.Millisecond))))
				b.StartTimer()
				start := time.Now()
				p.Send(keys[i%2])
				<-out.wrote
				d := time.Since(start)
				total += d
				worst = max(worst, d)
				out.quiet()
			}
			b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms/key")
			b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
			p.Quit()
			<-done
		})
	}
}
