// Package live keeps the console current: it opens the event stream where
// the API client may, else polls the filters on screen once an interval,
// and tells the console what it learned — rows new to the list (counted,
// never inserted: the cursor and the rows on screen stay), rows another
// analyst changed (read again, and marked with who and when), how current
// the rows are, and the notifications due. It owns no row and no cursor:
// the console gives it what the list shows (Screen) with each answer, and
// the rows it reads go to the shared row store under the write clock, so a
// row being written is never overwritten. It imports no other part.
package live

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/rows"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// The polling interval's bounds.
const (
	DefaultEvery = 30 * time.Second
	MinEvery     = 5 * time.Second
)

// OwnWindow is how long after a write of its own the console takes an
// event about that row, whose values are those it wrote, for its own echo.
const OwnWindow = 5 * time.Minute

// NotifyGap is the least time between two notifications.
const NotifyGap = time.Minute

// Notify is when and how new alerts are announced: Severity 0 is never.
type Notify struct {
	Severity int
	// Via is bell (the default), osc9 or osc777.
	Via string
}

// Deps are what live needs of the console.
type Deps struct {
	Rows *rows.Store
	// Ctx is the console's root context: every read and the stream end
	// with it.
	Ctx context.Context
	// Streamer opens the event stream (nil: poll).
	Streamer model.Streamer
	// Every is the polling interval.
	Every time.Duration
	// Wait returns once d has passed (true) or ctx ended (false): the
	// tests' ticker.
	Wait     func(ctx context.Context, d time.Duration) bool
	Now      func() time.Time
	Location *time.Location
	Notify   Notify
	// Names names a login as the directory knows it.
	Names func(login string) (string, bool)
}

// Screen is what the list shows as a live answer lands, as the console
// gives it: nothing here is read from another goroutine.
type Screen struct {
	// Filter is the list's filter as sent ("": no list yet, nothing to
	// poll).
	Filter string
	// Extra are the other filters the console shows (the views'), polled
	// in the same request.
	Extra []string
	// Holds reports an id among the list's rows.
	Holds func(id string) bool
	// Done: every row of the list is loaded; else Last is the last loaded
	// row (nil: not read), and Sort the list's order.
	Done bool
	Last *model.Detection
	Sort model.Sort
	// Shown are the ids on screen.
	Shown []string
	// Gen is the generation of the list's query on screen, Asked when it
	// was asked: an answer asked for another generation counts nothing,
	// and a row that came to be after Asked is one its answer could not
	// hold.
	Gen   int
	Asked time.Time
}

// Note is what another analyst did to a row, as far as known.
type Note struct {
	What string // "closed", "reassigned to bob@corp.example", "status in progress", "updated"
	By   string
	At   time.Time
}

// Live is the console's live source and what it learned.
type Live struct {
	Deps
	b      model.Backend
	gen    int    // the tick chain; an older one stops
	source string // "stream", "poll", or "" until chosen
	why    string // why polling (the stream refused or gone)
	stream model.Stream
	box    *streamBox
	since  time.Time
	// current is when the rows were last current; zero until the first
	// answer.
	current time.Time
	note    string // what the source says of itself ("" all well)
	paused  bool
	polling bool
	// fresh are the ids new to the list, in the order they came.
	fresh []string
	isNew map[string]bool
	notes map[string]Note
	// asked are the new ids a match was sent for (answered or not): not
	// asked again; matching says one is in flight, waiting the events
	// that came meanwhile, sent in one match when it lands.
	asked    map[string]bool
	matching bool
	waiting  []model.LiveEvent
	// brought are the rows g brought in, marked until the next query.
	brought map[string]bool
	// prev are the ids the last poll found without their rows (Detects):
	// found again by the look-back, they are no news.
	prev map[string]bool
	// samples pair the write clock with the time, to know which of the
	// console's writes are recent.
	samples []sample
	// owed counts the new alerts a notification is owed for, top the
	// worst of them; last is when the last one went.
	owed, top int
	last      time.Time
}

type sample struct {
	clock uint64
	at    time.Time
}

// streamBox holds the stream opened, for Close: an open that answers as
// the console ends is closed all the same.
type streamBox struct {
	mu     sync.Mutex
	s      model.Stream
	closed bool
}

func (b *streamBox) put(s model.Stream) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.s = s
	return true
}

func (b *streamBox) close() {
	b.mu.Lock()
	s := b.s
	b.s, b.closed = nil, true
	b.mu.Unlock()
	if s != nil {
		_ = s.Close()
	}
}

// New makes the live source, not started.
func New(d Deps) *Live {
	if d.Every <= 0 {
		d.Every = DefaultEvery
	}
	d.Every = max(d.Every, MinEvery)
	if d.Wait == nil {
		d.Wait = func(ctx context.Context, d time.Duration) bool {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return true
			case <-ctx.Done():
				return false
			}
		}
	}
	return &Live{Deps: d, box: &streamBox{}, isNew: map[string]bool{}, notes: map[string]Note{}, prev: map[string]bool{}, asked: map[string]bool{}}
}

// Msg is an answer live asked for: the console routes it back.
type Msg interface{ liveMsg() }

type tickMsg struct{ gen int }

type openedMsg struct {
	s   model.Stream
	err error
}

type batchMsg struct {
	gen    int
	batch  model.LiveBatch
	closed bool
}

type pollMsg struct {
	gen      int
	listGen  int // the list's generation it was asked for
	stamp    uint64
	listOnly bool
	answer   model.PollAnswer
	err      error
}

type matchMsg struct {
	stamp   uint64
	ids     []string
	listGen int // the list's generation it was asked for
	events  []model.LiveEvent
	answer  model.PollAnswer
	err     error
}

type readMsg struct {
	stamp uint64
	ids   []string
	by    map[string]model.LiveEvent
	found []model.Detection
	err   error
}

func (tickMsg) liveMsg()   {}
func (openedMsg) liveMsg() {}
func (batchMsg) liveMsg()  {}
func (pollMsg) liveMsg()   {}
func (matchMsg) liveMsg()  {}
func (readMsg) liveMsg()   {}

// Out is what an answer tells the console.
type Out struct {
	// Landed: a batch with news landed (the views' counts are worth
	// reading again); an answer that found nothing new is not one.
	Landed bool
	// Say is a word for the footer (the source chosen and why).
	Say string
}

// Start opens the stream, or starts polling, on b.
func (l *Live) Start(b model.Backend) tea.Cmd {
	l.b = b
	l.since = l.Now()
	l.sample()
	if l.Streamer == nil || b.Name() != "alerts" {
		// The stream names alerts by their composite ids, which a Detects
		// list does not hold: Detects polls.
		l.source = "poll"
		return l.tick()
	}
	streamer, ctx, box := l.Streamer, l.Ctx, l.box
	return func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return openedMsg{err: err} })
		s, err := streamer.OpenStream(ctx)
		if err == nil && s != nil && !box.put(s) {
			_ = s.Close() // the console ended meanwhile
			return nil
		}
		return openedMsg{s: s, err: err}
	}
}

// Close ends the stream, if one is open, and waits for it to be gone.
func (l *Live) Close() { l.box.close() }

// tick waits an interval, then asks for a poll.
func (l *Live) tick() tea.Cmd {
	l.gen++
	gen, ctx, wait, every := l.gen, l.Ctx, l.Wait, l.Every
	return func() tea.Msg {
		if !wait(ctx, every) {
			return nil
		}
		return tickMsg{gen}
	}
}

// next reads the stream's next batch.
func (l *Live) next() tea.Cmd {
	ch, ctx, gen := l.stream.Events(), l.Ctx, l.gen
	return func() tea.Msg {
		select {
		case b, ok := <-ch:
			return batchMsg{gen: gen, batch: b, closed: !ok}
		case <-ctx.Done():
			return nil
		}
	}
}

// Update takes live's answers; sc is what the list shows now.
func (l *Live) Update(msg Msg, sc Screen) (Out, tea.Cmd) {
	switch msg := msg.(type) {
	case openedMsg:
		return l.opened(msg)
	case tickMsg:
		if msg.gen != l.gen || l.source != "poll" {
			return Out{}, nil
		}
		return Out{}, l.poll(sc)
	case pollMsg:
		if msg.gen != l.gen {
			return Out{}, nil
		}
		l.polling = false
		return l.polled(msg, sc)
	case batchMsg:
		return l.onBatch(msg, sc)
	case matchMsg:
		l.matching = false
		next := l.askWaiting(sc.Filter, sc.Gen)
		if msg.err != nil {
			// Asked again if they come again.
			for _, id := range msg.ids {
				delete(l.asked, id)
			}
			if !errors.Is(msg.err, context.Canceled) {
				l.note = screen.ErrMessage(msg.err)
			}
			return Out{}, next
		}
		if msg.listGen == sc.Gen {
			// Asked for another list (the filter changed meanwhile, or a
			// query landed): its rows are stored, nothing counted.
			l.takeNew(msg.events, msg.answer.Found, sc)
		}
		l.Rows.Store(msg.stamp, msg.answer.Found)
		return Out{Landed: true}, next
	case readMsg:
		l.Rows.Done(msg.ids, nil, msg.err)
		if msg.err != nil {
			if !errors.Is(msg.err, context.Canceled) {
				l.note = screen.ErrMessage(msg.err)
			}
			return Out{}, nil
		}
		l.changed(msg.stamp, msg.found, msg.by)
		return Out{Landed: true}, nil
	}
	return Out{}, nil
}

func (l *Live) opened(msg openedMsg) (Out, tea.Cmd) {
	if msg.err == nil && msg.s != nil {
		l.stream, l.source, l.why = msg.s, "stream", ""
		return Out{}, l.next()
	}
	why := "no event stream"
	if msg.err != nil {
		why = screen.ErrMessage(msg.err)
	}
	return l.fallBack(why)
}

// fallBack polls instead of the stream, saying why.
func (l *Live) fallBack(why string) (Out, tea.Cmd) {
	l.stream, l.source, l.why = nil, "poll", why
	return Out{Say: l.Short()}, l.tick()
}

// poll asks for what changed under the filters on screen since the last
// answer; paused, or with no list yet, it waits another interval.
func (l *Live) poll(sc Screen) tea.Cmd {
	if l.paused || sc.Filter == "" || l.polling {
		return l.tick()
	}
	filter, listOnly := sc.Filter, len(sc.Extra) == 0
	if !listOnly {
		filter = model.Or(append([]string{sc.Filter}, sc.Extra...)...)
	}
	l.polling = true
	l.sample()
	b, ctx, since, now, stamp, gen, listGen := l.b, l.Ctx, l.since, l.Now(), l.Rows.Stamp(), l.gen, sc.Gen
	return func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return pollMsg{gen: gen, listGen: listGen, err: err} })
		a, err := model.Poll(ctx, b, filter, since, now)
		return pollMsg{gen: gen, listGen: listGen, stamp: stamp, listOnly: listOnly, answer: a, err: err}
	}
}

func (l *Live) polled(msg pollMsg, sc Screen) (Out, tea.Cmd) {
	next := l.tick()
	if msg.err != nil {
		if errors.Is(msg.err, context.Canceled) {
			return Out{}, nil
		}
		l.note = screen.ErrMessage(msg.err) + " (live tries again)"
		return Out{}, next
	}
	l.note = ""
	if msg.answer.More {
		l.note = fmt.Sprintf("more than %d rows changed in one interval: r reads them all", model.PollLimit)
	}
	l.current, l.since = msg.answer.Current, msg.answer.Current
	if msg.listGen != sc.Gen {
		// Asked for another list: its rows are stored, nothing counted
		// (the list on screen was asked after this poll).
		l.Rows.Store(msg.stamp, msg.answer.Found)
		return Out{}, next
	}
	events := model.Classify(msg.answer, sc.Holds, l.Rows.Peek)
	cmd := l.take(events, msg.answer.Found, msg.stamp, msg.listOnly, sc)
	return Out{Landed: len(events) > 0}, tea.Batch(next, cmd)
}

// onBatch takes a batch of the stream.
func (l *Live) onBatch(msg batchMsg, sc Screen) (Out, tea.Cmd) {
	if l.stream == nil || msg.gen != l.gen {
		return Out{}, nil
	}
	if msg.closed {
		return l.fallBack("the event stream ended")
	}
	b := msg.batch
	if errors.Is(b.Err, model.ErrNoStream) {
		// The stream's last batch: it gave up (failed too often, taken
		// by another console); polling says why.
		l.note = ""
		return l.fallBack(screen.ErrMessage(b.Err))
	}
	l.note = b.Note
	if b.Err != nil {
		l.note = strings.TrimPrefix(strings.TrimSpace(l.note+" "+screen.ErrMessage(b.Err)), " ")
	}
	if !b.Current.IsZero() {
		l.current = b.Current
	}
	l.sample()
	var events []model.LiveEvent
	for _, e := range b.Events {
		if e.Kind == model.LiveNew && sc.Holds(e.ID) {
			continue // the list has it already
		}
		events = append(events, e)
	}
	cmd := l.take(events, nil, l.Rows.Stamp(), false, sc)
	return Out{Landed: len(b.Events) > 0}, tea.Batch(l.next(), cmd)
}

// take handles events: rows the answer carries are stored (changed ones
// compared first), new ids counted (or matched against the list's filter
// first, when the answer was for other filters too), changed rows on
// screen or held read again when the answer did not carry them.
func (l *Live) take(events []model.LiveEvent, found []model.Detection, stamp uint64, listOnly bool, sc Screen) tea.Cmd {
	rowOf := make(map[string]*model.Detection, len(found))
	for i := range found {
		rowOf[found[i].ID] = &found[i]
	}
	var newEvents, reread []model.LiveEvent
	var changedRows []model.Detection
	by := map[string]model.LiveEvent{}
	prev := l.prev
	l.prev = map[string]bool{}
	shown := make(map[string]bool, len(sc.Shown))
	for _, id := range sc.Shown {
		shown[id] = true
	}
	for _, e := range events {
		switch {
		case e.Kind == model.LiveNew:
			newEvents = append(newEvents, e)
		case rowOf[e.ID] != nil:
			changedRows = append(changedRows, *rowOf[e.ID])
			by[e.ID] = e
		default:
			l.prev[e.ID] = true
			_, cached := l.Rows.Peek(e.ID)
			// Polled again by the look-back, an id without its row is no
			// news; a stream's event always is.
			if (shown[e.ID] || cached) && (!prev[e.ID] || l.source == "stream") && !l.Rows.Pending(e.ID) {
				reread = append(reread, e)
			}
		}
	}
	l.changed(stamp, changedRows, by)
	var cmds []tea.Cmd
	if listOnly {
		l.takeNew(newEvents, found, sc)
		l.Rows.Store(stamp, newRows(newEvents, rowOf))
	} else {
		for _, e := range newEvents {
			if !l.isNew[e.ID] && !l.asked[e.ID] {
				l.asked[e.ID] = true
				l.waiting = append(l.waiting, e)
			}
		}
		if !l.matching {
			cmds = append(cmds, l.askWaiting(sc.Filter, sc.Gen))
		}
	}
	if len(reread) > 0 {
		cmds = append(cmds, l.read(reread))
	}
	return tea.Batch(cmds...)
}

func newRows(events []model.LiveEvent, rowOf map[string]*model.Detection) []model.Detection {
	var out []model.Detection
	for _, e := range events {
		if d := rowOf[e.ID]; d != nil {
			out = append(out, *d)
		}
	}
	return out
}

// takeNew counts the new ids the list does not hold that its answer could
// not have held (see fresh), and owes a notification for those severe
// enough.
func (l *Live) takeNew(events []model.LiveEvent, found []model.Detection, sc Screen) {
	rowOf := make(map[string]*model.Detection, len(found))
	for i := range found {
		rowOf[found[i].ID] = &found[i]
	}
	for _, e := range events {
		if l.isNew[e.ID] || sc.Holds(e.ID) {
			continue
		}
		d := rowOf[e.ID]
		if !l.fresh1(e, d, sc) {
			continue
		}
		l.isNew[e.ID] = true
		l.fresh = append(l.fresh, e.ID)
		sev := e.Severity
		if d != nil {
			sev = d.MaxSeverity
		}
		if l.Notify.Severity > 0 && sev >= l.Notify.Severity {
			l.owed++
			l.top = max(l.top, sev)
		}
	}
}

// askWaiting sends one match for the new ids waiting, if any, for the
// list's generation listGen.
func (l *Live) askWaiting(filter string, listGen int) tea.Cmd {
	if len(l.waiting) == 0 || filter == "" {
		// None while the list's query is asked for: an empty filter
		// would match every product's alert. They wait for the next.
		return nil
	}
	events := l.waiting
	if n := min(l.b.MaxIDs(), model.PollLimit); n > 0 && len(events) > n {
		events = events[:n]
	}
	l.waiting = l.waiting[len(events):]
	l.matching = true
	return l.match(events, filter, listGen)
}

// fresh1 reports a row the list does not hold as new to it: every row
// loaded (none held is one not listed); else one sorting among the rows
// loaded (one beyond them is paged to as usual, as is every row the list
// counted in its total but has not loaded, such as the stream's replay of
// the minutes before it opened); where the row or the last loaded one is
// not known, one that happened after the list's query was asked. A poll's
// id without its row (Detects) is counted, as polled rows are recent.
func (l *Live) fresh1(e model.LiveEvent, d *model.Detection, sc Screen) bool {
	switch {
	case sc.Done:
		return true
	case d != nil && sc.Last != nil:
		return model.SortsWithin(l.b.Fields(), sc.Sort, d, sc.Last)
	case !e.At.IsZero() && !sc.Asked.IsZero():
		return e.At.After(sc.Asked)
	}
	return d == nil && l.source == "poll"
}

// match asks which new ids match the list's filter, for the list's
// generation listGen.
func (l *Live) match(events []model.LiveEvent, filter string, listGen int) tea.Cmd {
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	b, ctx, now, stamp := l.b, l.Ctx, l.Now(), l.Rows.Stamp()
	return func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return matchMsg{ids: ids, listGen: listGen, err: err} })
		a, err := model.Match(ctx, b, filter, ids, now)
		var matched []model.LiveEvent
		for _, e := range events {
			if slices.Contains(a.IDs, e.ID) {
				matched = append(matched, e)
			}
		}
		return matchMsg{stamp: stamp, ids: ids, listGen: listGen, events: matched, answer: a, err: err}
	}
}

// read reads again the changed rows the answer did not carry.
func (l *Live) read(events []model.LiveEvent) tea.Cmd {
	by := make(map[string]model.LiveEvent, len(events))
	ids := make([]string, 0, len(events))
	for _, e := range events {
		by[e.ID] = e
		ids = append(ids, e.ID)
	}
	ids = ids[:min(len(ids), l.b.MaxIDs())]
	b, ctx, stamp := l.b, l.Ctx, l.Rows.Stamp()
	return func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return readMsg{stamp: stamp, ids: ids, err: err} })
		found, _, err := b.Details(ctx, ids)
		return readMsg{stamp: stamp, ids: ids, by: by, found: found, err: err}
	}
}

// changed stores rows read again and notes what another analyst did to
// them; the console's own writes echoed back are not another analyst's.
func (l *Live) changed(stamp uint64, found []model.Detection, by map[string]model.LiveEvent) {
	olds := make(map[string]model.Detection, len(found))
	for _, d := range found {
		if old, ok := l.Rows.Peek(d.ID); ok {
			olds[d.ID] = *old
		}
	}
	for _, d := range l.Rows.Store(stamp, found) {
		old, had := olds[d.ID]
		if !had {
			continue
		}
		if l.own(d.ID, &old, &d) {
			delete(l.notes, d.ID)
			continue
		}
		e := by[d.ID]
		what := changeWords(&old, &d)
		if what == "" {
			if e.By == "" {
				continue // nothing the analyst sees changed, by nobody named
			}
			what = "updated"
		}
		at := e.At
		if at.IsZero() {
			at = d.Updated
		}
		l.notes[d.ID] = Note{What: what, By: e.By, At: at}
	}
}

// own reports an event for a row the console wrote within OwnWindow whose
// values are those it shows (what it wrote): its own write echoed back.
func (l *Live) own(id string, shown, now *model.Detection) bool {
	return l.Rows.Touched(id) > l.clockBefore(l.Now().Add(-OwnWindow)) && changeWords(shown, now) == ""
}

// changeWords says what changed of what an analyst triages (status,
// verdict, assignee, hidden), "" if nothing did.
func changeWords(old, now *model.Detection) string {
	var w []string
	if old.Status != now.Status || old.Verdict != now.Verdict {
		s := strings.ToLower(now.Status.Label())
		if now.Verdict != "" {
			s = strings.ToLower(now.Verdict.Label())
		}
		w = append(w, s)
	}
	if who := assignee(now); assignee(old) != who {
		if who == "" {
			w = append(w, "unassigned")
		} else {
			w = append(w, "reassigned to "+who)
		}
	}
	if old.ShowInUI != now.ShowInUI {
		w = append(w, map[bool]string{true: "unhidden", false: "hidden"}[now.ShowInUI])
	}
	return strings.Join(w, ", ")
}

func assignee(d *model.Detection) string {
	if d.AssigneeUUID != "" || d.AssigneeUID != "" {
		return d.Assignee()
	}
	return ""
}

// sample notes the write clock now, and forgets samples no window needs.
func (l *Live) sample() {
	now := l.Now()
	l.samples = append(l.samples, sample{l.Rows.Clock(), now})
	cut := 0
	for i, s := range l.samples {
		if now.Sub(s.at) > 2*OwnWindow && i < len(l.samples)-1 {
			cut = i + 1
		}
	}
	l.samples = l.samples[cut:]
}

// clockBefore is the write clock at t, as the samples know it: every
// write after it is recent (0 when the console is younger than t).
func (l *Live) clockBefore(t time.Time) uint64 {
	var c uint64
	for _, s := range l.samples {
		if s.at.After(t) {
			break
		}
		c = s.clock
	}
	return c
}

// SetRate pauses polling while the rate budget is low (a wait under way,
// or a tenth of it left), and resumes it after.
func (l *Live) SetRate(limit, remaining int, waiting time.Duration) {
	l.paused = waiting > 0 || limit > 0 && remaining*10 < limit
}

// Landed forgets what the list on screen was told: a query landed (g, r,
// any other), and it holds the rows now.
func (l *Live) Landed() {
	l.fresh, l.isNew, l.notes, l.asked, l.brought = nil, map[string]bool{}, map[string]Note{}, map[string]bool{}, nil
}

// Brought marks the rows g brought in (the query that landed was g's), until
// the next query lands.
func (l *Live) Brought(ids []string) {
	l.brought = make(map[string]bool, len(ids))
	for _, id := range ids {
		l.brought[id] = true
	}
}

// WasBrought reports a row g brought in.
func (l *Live) WasBrought(id string) bool { return l.brought[id] }

// New are the ids new to the list, in the order they came.
func (l *Live) New() []string { return l.fresh }

// NoteOf is what another analyst did to a row, if live saw it.
func (l *Live) NoteOf(id string) (Note, bool) {
	n, ok := l.notes[id]
	return n, ok
}

// Words says a note as the screen shows it: "closed by carol at 12:03".
func (l *Live) Words(n Note) string {
	s := n.What
	if n.By != "" {
		by := n.By
		if name, ok := l.Names(by); ok {
			by = name
		}
		s += " by " + by
	} else {
		s += " by another analyst"
	}
	if !n.At.IsZero() {
		s += " at " + n.At.In(l.Location).Format("15:04")
	}
	return screen.Sanitize(s)
}

// Source says where live rows come from and why, for the footer and the
// help: "live: polling every 30s — stream held by another console".
func (l *Live) Source() string {
	switch l.source {
	case "stream":
		return "live: the event stream"
	case "poll":
		s := "live: polling every " + l.Every.String()
		if l.why != "" {
			s += " — " + l.why
		}
		return screen.Sanitize(s)
	}
	return "live: connecting…"
}

// Short says where live rows come from in one short line, for the
// footer: "live: polling every 30s (? says why)"; the help says why.
func (l *Live) Short() string {
	if l.source == "poll" && l.why != "" {
		return "live: polling every " + l.Every.String() + " (? says why)"
	}
	return l.Source()
}

// Header is how current the rows are, for the header: "live 12:03
// (poll)", "live paused: rate budget low"; it changes only when an answer
// lands or the pause does.
func (l *Live) Header() string {
	var s string
	switch {
	case l.paused && l.source == "poll":
		return "live paused: rate budget low"
	case l.current.IsZero():
		s = "live: starting"
	default:
		s = "live " + l.current.In(l.Location).Format("15:04")
	}
	if l.source == "poll" {
		s += " (poll)" // the interval is in the help: the header keeps to one line
	}
	return s
}

// Note is what the source says of itself (reconnecting, a poll that
// failed and is tried again), for the footer; "" when all is well.
func (l *Live) Note() string { return screen.Sanitize(l.note) }

// Notification is the notification owed, if one may go now: none while a
// text field is open (it waits until it closes), none within NotifyGap of
// the last.
func (l *Live) Notification(typing bool) tea.Cmd {
	if l.owed == 0 || typing || !l.last.IsZero() && l.Now().Sub(l.last) < NotifyGap {
		return nil
	}
	text := fmt.Sprintf("%d new alert", l.owed)
	if l.owed > 1 {
		text += "s"
	}
	text += fmt.Sprintf(", severity up to %d", l.top)
	l.owed, l.top, l.last = 0, 0, l.Now()
	return tea.Raw(Sequence(l.Notify.Via, text))
}

// Sequence is the terminal sequence of a notification: the bell, or an
// OSC 9 or OSC 777 desktop notification of text (sanitised, short, with
// nothing that could end the sequence early).
func Sequence(via, text string) string {
	text = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == ';' || r >= 0x80 && r < 0xa0 {
			return ' '
		}
		return r
	}, screen.Truncate(screen.Sanitize(text), 80))
	switch via {
	case "osc9":
		return "\x1b]9;falcon-triage: " + text + "\x07"
	case "osc777":
		return "\x1b]777;notify;falcon-triage;" + text + "\x07"
	}
	return "\a"
}
