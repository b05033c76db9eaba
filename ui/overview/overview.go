// Package overview is the overview: "what is on fire" under the list's
// filter, from one aggregate call carrying every aggregation. Every bucket
// drills down into the list, filtered to it. Its cursor is held by bucket,
// so a refresh that re-ranks keeps enter on the bucket chosen. It knows
// nothing of the other parts: a drill-down is a clause it hands back.
package overview

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// The overview: "what is on fire", from one aggregate call carrying every
// aggregation, under the list's filter. Every bucket drills down into the
// list, filtered to it.

// histWindows are the date histogram's windows, w cycles them.
var histWindows = []struct {
	name     string
	span     time.Duration
	interval string
	step     time.Duration
}{
	{"24h", 24 * time.Hour, "hour", time.Hour},
	{"7d", 7 * 24 * time.Hour, "day", 24 * time.Hour},
	{"30d", 30 * 24 * time.Hour, "day", 24 * time.Hour},
}

// panel is one box of the overview.
type panel struct {
	title   string
	agg     string // aggregation name
	field   string
	kind    string // terms, range, histogram
	buckets []ovBucket
	err     string
	note    string
}

// ovBucket is one selectable line: a label, a count, and the filter clause
// its drill-down adds.
type ovBucket struct {
	label  string
	count  int64
	approx bool
	clause string
	sub    string // a breakdown (severity within host)
}

// Deps are what the overview needs of the console.
type Deps struct {
	Backend model.Backend
	Keys    keymap.KeyMap
	// Names maps a login to the name the list shows.
	Names func(login string) (string, bool)
	// Location and Now are the zone the histogram is drawn in and its
	// clock.
	Location *time.Location
	Now      func() time.Time
	// Ctx bounds every call: the console's root context.
	Ctx context.Context
}

// Overview is the overview's state. It is kept once opened, so tab back
// and forth does not ask again for the same filter.
type Overview struct {
	b       model.Backend
	f       model.Fields
	keys    keymap.KeyMap
	names   func(string) (string, bool)
	loc     *time.Location
	now     func() time.Time
	ctx     context.Context
	shown   bool
	gen     int
	cancel  context.CancelFunc // the aggregate call in flight
	loading bool
	window  int
	panels  []panel
	err     string
	cursor  int // index over every bucket of every panel
	// cursorKey is the bucket the cursor is on, by what it stands for: a
	// refresh that re-ranks the buckets keeps the cursor on it. lost names
	// the bucket the cursor was on when a refresh dropped it: enter opens
	// nothing until the analyst moves.
	cursorKey string
	lost      string
	metrics   []string
	at        time.Time
	filter    string // the filter the answer is for
	// asked is the filter and text of the request in flight or answered.
	asked, askedFilter, askedText string
}

// New makes the overview, shown or not, on the 7-day histogram.
func New(d Deps, shown bool) *Overview {
	return &Overview{b: d.Backend, f: d.Backend.Fields(), keys: d.Keys, names: d.Names, loc: d.Location, now: d.Now,
		ctx: d.Ctx, shown: shown, window: 1}
}

// Shown reports the overview in front of the list.
func (o *Overview) Shown() bool { return o != nil && o.shown }

// Show puts the overview in front of the list, or the list in front.
func (o *Overview) Show(shown bool) { o.shown = shown }

// Loading reports an aggregate call in flight.
func (o *Overview) Loading() bool { return o != nil && o.loading }

// Window names the histogram's window (24h, 7d, 30d).
func (o *Overview) Window() string { return histWindows[o.window].name }

// Stale reports an overview whose counts are not for this filter and
// text (or are older than a change the console made).
func (o *Overview) Stale(filter, text string) bool { return o.asked != filter+"\x00"+text }

// Outdated says the counts are older than a change the console made: they
// are read again when next shown.
func (o *Overview) Outdated() { o.asked = "" }

// Load asks for the overview of filter and text; an answer to an older ask
// (another filter or window) is dropped by its generation, and the older
// call is cancelled.
func (o *Overview) Load(filter, text string) tea.Cmd {
	if o.cancel != nil {
		o.cancel()
	}
	o.gen++
	o.loading = true
	o.asked, o.askedFilter, o.askedText = filter+"\x00"+text, filter, text
	now := o.now()
	reqs := o.requests(filter, text, o.window, now)
	var ctx context.Context
	ctx, o.cancel = context.WithCancel(o.ctx)
	b, gen, window := o.b, o.gen, o.window
	return func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg {
			return answerMsg{gen: gen, err: err, filter: filter, window: window, at: now}
		})
		aggs, err := b.Aggregate(ctx, reqs)
		return answerMsg{gen: gen, aggs: aggs, err: err, filter: filter, window: window, at: now}
	}
}

// Msg is an answer the overview asked for: the console routes it back.
type Msg interface{ overviewMsg() }

func (answerMsg) overviewMsg() {}

// Out is what a key on the overview asks of the console.
type Out struct {
	// Drill is the clause of the bucket enter drilled into.
	Drill string
	// Say is a word for the footer.
	Say string
	// Key is a key the overview leaves to the console (filter, search,
	// quick filters, hidden rows), or "".
	Key keymap.Action
}

// Update takes the overview's answers and the keys pressed on it.
func (o *Overview) Update(msg tea.Msg) (Out, tea.Cmd) {
	switch msg := msg.(type) {
	case answerMsg:
		o.answer(msg)
	case tea.KeyPressMsg:
		if act, ok := o.keys.Match(msg.String()); ok {
			switch act {
			case keymap.Down, keymap.Up, keymap.Top, keymap.Bottom, keymap.PanelNext, keymap.PanelPrev:
				o.lost = "" // a choice made again
			}
			if o.lost == "" {
				defer func() { o.cursorKey = o.keyAt(o.cursor) }()
			}
			return o.key(act)
		}
	}
	return Out{}, nil
}

func (o *Overview) key(act keymap.Action) (Out, tea.Cmd) {
	switch act {
	case keymap.Down:
		o.cursor = min(o.cursor+1, max(0, o.ovBucketCount()-1))
	case keymap.Up:
		o.cursor = max(0, o.cursor-1)
	case keymap.Top:
		o.cursor = 0
	case keymap.Bottom:
		o.cursor = max(0, o.ovBucketCount()-1)
	case keymap.PanelNext:
		o.panelStep(1)
	case keymap.PanelPrev:
		o.panelStep(-1)
	case keymap.Window:
		o.window = (o.window + 1) % len(histWindows)
		return Out{}, o.Load(o.askedFilter, o.askedText)
	case keymap.Refresh:
		return Out{}, o.Load(o.askedFilter, o.askedText)
	case keymap.Open:
		if o.lost != "" {
			return Out{Say: "“" + o.lost + "” left the ranking when it was read again: move to choose another"}, nil
		}
		if _, b := o.ovSelected(); b != nil {
			return Out{Drill: b.clause}, nil
		}
	default:
		return Out{Key: act}, nil
	}
	return Out{}, nil
}

// Selected is the label of the bucket under the cursor and its panel's
// title.
func (o *Overview) Selected() (panel, bucket string) {
	p, b := o.ovSelected()
	if b == nil {
		return "", ""
	}
	return p.title, b.label
}

type answerMsg struct {
	gen    int
	aggs   []model.Aggregation
	err    error
	filter string
	window int
	at     time.Time
}

const (
	topN        = 6
	aggStatus   = "status"
	aggSeverity = "severity"
	aggHosts    = "hosts"
	aggTactics  = "tactics"
	aggTech     = "techniques"
	aggScenario = "scenarios"
	aggAssignee = "assignees"
	aggDistinct = "distinct_hosts"
	aggHist     = "new_over_time"
	aggTriage   = "triage_avg"
	aggTriageP  = "triage_pct"
	aggResolve  = "resolve_avg"
	aggResolveP = "resolve_pct"
	aggProduct  = "screen.Products"
	unassigned  = "(unassigned)"
)

// severityRanges are the bands as range aggregation ranges ([From, To)).
func severityRanges() []model.AggregateRange {
	out := make([]model.AggregateRange, len(model.SeverityBands))
	for i, b := range model.SeverityBands {
		from, to := float64(b.From), float64(b.To+1)
		out[i] = model.AggregateRange{From: &from, To: &to}
	}
	return out
}

// overviewRequests is the one aggregate call of the overview.
func (o *Overview) requests(filter, text string, window int, now time.Time) []model.AggregateRequest {
	f := o.f
	w := histWindows[window]
	zero := 0
	terms := func(name, field string, size int) model.AggregateRequest {
		return model.AggregateRequest{Name: name, Type: "terms", Field: field, Filter: filter, Q: text, Size: size}
	}
	hosts := terms(aggHosts, f.Hostname, topN)
	hosts.SubAggregates = []model.AggregateRequest{{Name: aggSeverity, Type: "range", Field: f.Severity, Ranges: severityRanges()}}
	assignees := terms(aggAssignee, f.AssigneeUID, topN)
	assignees.Missing = unassigned
	triaged := model.And(filter, model.Num(f.SecondsTo[0], ">", 0))
	resolved := model.And(filter, model.Num(f.SecondsTo[1], ">", 0))
	reqs := []model.AggregateRequest{
		terms(aggStatus, f.Status, 10),
		{Name: aggSeverity, Type: "range", Field: f.Severity, Filter: filter, Q: text, Ranges: severityRanges()},
		hosts,
		terms(aggTactics, f.Tactic, topN),
		terms(aggTech, f.Technique, topN),
		terms(aggScenario, f.Scenario, topN),
		assignees,
		{Name: aggDistinct, Type: "cardinality", Field: f.Hostname, Filter: filter, Q: text},
		{Name: aggHist, Type: "date_histogram", Field: f.Created, Interval: w.interval, MinDocCount: &zero,
			Filter: model.And(filter, model.After(f.Created, now.Add(-w.span).Truncate(w.step))), Q: text},
		{Name: aggTriage, Type: "avg", Field: f.SecondsTo[0], Filter: triaged, Q: text},
		{Name: aggTriageP, Type: "percentiles", Field: f.SecondsTo[0], Filter: triaged, Q: text},
		{Name: aggResolve, Type: "avg", Field: f.SecondsTo[1], Filter: resolved, Q: text},
		{Name: aggResolveP, Type: "percentiles", Field: f.SecondsTo[1], Filter: resolved, Q: text},
	}
	if f.Product != "" {
		reqs = append(reqs, terms(aggProduct, f.Product, 10))
	}
	return reqs
}

func (o *Overview) answer(msg answerMsg) {
	ov := o
	if msg.gen != ov.gen {
		return // an answer to a filter or window the analyst has left
	}
	label := ""
	if _, b := ov.ovSelected(); b != nil {
		label = b.label
	}
	ov.loading = false
	ov.filter, ov.at = msg.filter, msg.at
	if msg.err != nil {
		ov.err = screen.ErrMessage(msg.err)
		if t := screen.TraceOf(msg.err); t != "" {
			ov.err += " (trace id " + t + ")"
		}
		ov.panels = nil
		return
	}
	ov.err = ""
	for i := range msg.aggs {
		clampCounts(&msg.aggs[i])
	}
	byName := map[string]*model.Aggregation{}
	for i := range msg.aggs {
		byName[msg.aggs[i].Name] = &msg.aggs[i]
	}
	f := o.f
	ov.panels = []panel{
		o.termsPanel("Status", byName[aggStatus], f.Status, msg.filter),
		o.severityPanel(byName[aggSeverity]),
		o.termsPanel("Top hosts", byName[aggHosts], f.Hostname, msg.filter),
		o.termsPanel("Top tactics", byName[aggTactics], f.Tactic, msg.filter),
		o.termsPanel("Top techniques", byName[aggTech], f.Technique, msg.filter),
		o.termsPanel("Top scenarios", byName[aggScenario], f.Scenario, msg.filter),
		o.termsPanel("Assignees", byName[aggAssignee], f.AssigneeUID, msg.filter),
		o.histogramPanel(byName[aggHist], msg.window),
	}
	if f.Product != "" {
		// Before the histogram, which is drawn last: the cursor walks the
		// panels in the order they are drawn.
		last := len(ov.panels) - 1
		ov.panels = slices.Insert(ov.panels, last, o.termsPanel("Products", byName[aggProduct], f.Product, msg.filter))
	}
	if a := byName[aggDistinct]; a != nil && len(a.Buckets) > 0 && a.Buckets[0].Value != nil {
		ov.panels[2].note = fmt.Sprintf("%s distinct", screen.Commas(int(*a.Buckets[0].Value)))
	}
	ov.metrics = []string{
		timing("Time to triage", byName[aggTriage], byName[aggTriageP]),
		timing("Time to resolve", byName[aggResolve], byName[aggResolveP]),
	}
	ov.cursor = min(ov.cursor, max(0, o.ovBucketCount()-1))
	switch i := ov.find(ov.cursorKey); {
	case i >= 0:
		ov.cursor, ov.lost = i, "" // back in the ranking
	case ov.cursorKey != "" && ov.lost == "":
		// The bucket chosen left the ranking: the cursor stays where it
		// was, and enter opens nothing the analyst did not choose.
		ov.lost = screen.Sanitize(label)
		return
	case ov.lost != "":
		return
	}
	ov.cursorKey = ov.keyAt(ov.cursor)
}

// bucketKey names a bucket across answers: its panel and its clause (the
// "other" bucket's clause lists the others, which a refresh may change).
func bucketKey(p *panel, b *ovBucket) string {
	if b.label == "other" {
		return p.title + "\x00other"
	}
	return p.title + "\x00" + b.clause
}

// keyAt is the key of the i-th bucket over every panel, or "".
func (ov *Overview) keyAt(i int) string {
	for pi := range ov.panels {
		p := &ov.panels[pi]
		if i < len(p.buckets) {
			return bucketKey(p, &p.buckets[i])
		}
		i -= len(p.buckets)
	}
	return ""
}

// find is the index of the bucket with key, or -1.
func (ov *Overview) find(key string) int {
	if key == "" {
		return -1
	}
	i := 0
	for pi := range ov.panels {
		p := &ov.panels[pi]
		for bi := range p.buckets {
			if bucketKey(p, &p.buckets[bi]) == key {
				return i
			}
			i++
		}
	}
	return -1
}

// barOf draws count on a scale where maxC fills width cells, in eighths of
// a cell, so a small count on the scale of a large one still shows.
func barOf(count, maxC int64, width int) string {
	eighths := int(math.Round(float64(width*8) * float64(count) / float64(max(1, maxC))))
	eighths = min(eighths, width*8)
	if count > 0 && eighths == 0 {
		eighths = 1
	}
	bar := strings.Repeat("█", eighths/8)
	if r := eighths % 8; r > 0 {
		bar += string([]rune("▏▎▍▌▋▊▉")[r-1])
	}
	return bar
}

// clampCounts keeps a hostile or broken answer's counts drawable: a count
// below zero is no count.
func clampCounts(a *model.Aggregation) {
	a.SumOtherDocCount = max(0, a.SumOtherDocCount)
	for i := range a.Buckets {
		b := &a.Buckets[i]
		b.Count = max(0, b.Count)
		for j := range b.SubAggregates {
			clampCounts(&b.SubAggregates[j])
		}
	}
}

func timing(title string, avg, pct *model.Aggregation) string {
	if avg == nil || len(avg.Buckets) == 0 || avg.Buckets[0].Value == nil {
		return title + ": no data"
	}
	// One unit for the whole line, the one that suits its largest figure,
	// so the figures compare at a glance.
	names, values := []string{"avg"}, []float64{*avg.Buckets[0].Value}
	if pct != nil {
		for _, b := range pct.Buckets {
			if b.Value != nil && (b.Label == "50.0" || b.Label == "95.0" || b.Label == "50" || b.Label == "95") {
				names, values = append(names, "p"+strings.TrimSuffix(b.Label, ".0")), append(values, *b.Value)
			}
		}
	}
	unit, size := "m", 60.0
	switch top := slices.Max(values); {
	case top >= 2*86400:
		unit, size = "d", 86400
	case top >= 2*3600:
		unit, size = "h", 3600
	}
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprintf("%s %.1f%s", names[i], max(0, v)/size, unit)
	}
	return title + ": " + strings.Join(parts, " · ")
}

// termsPanel lists a terms aggregation's buckets and its "other" bucket,
// each with the clause that drills down to exactly its rows.
func (o *Overview) termsPanel(title string, a *model.Aggregation, field, filter string) panel {
	p := panel{title: title, agg: field, field: field, kind: "terms"}
	if a == nil {
		p.err = "no answer for this panel"
		return p
	}
	if len(a.Buckets) == 0 {
		p.err = "no data under this filter"
		return p
	}
	approx := a.ErrorUpperBound > 0
	var shown []string
	for _, b := range a.Buckets {
		label := b.Label
		clause := model.Eq(field, label)
		if label == unassigned && field == o.f.AssigneeUID {
			clause = model.Null(field)
		} else {
			shown = append(shown, label)
		}
		bk := ovBucket{label: label, count: b.Count, approx: approx, clause: clause}
		switch field {
		case o.f.Status:
			bk.label = model.Status(label).Label()
		case o.f.AssigneeUID:
			// By name, as the list shows them; the drill-down keeps the login.
			if name, ok := o.names(label); ok {
				bk.label = name
			}
		}
		for _, sub := range b.SubAggregates {
			bk.sub = severityBreakdown(sub)
		}
		p.buckets = append(p.buckets, bk)
	}
	if a.SumOtherDocCount > 0 {
		// The service's other count leaves out rows without the field (an
		// identity alert has no device.hostname): so does its drill-down.
		clause := model.And(model.NotIn(field, shown), field+":!null")
		p.buckets = append(p.buckets, ovBucket{label: "other", count: a.SumOtherDocCount, clause: clause,
			// One row can hold several values of a multi-valued field, and
			// then counts once per value.
			approx: approx || o.f.IsMultiValued(field)})
	}
	if approx {
		p.note = "approximate counts"
	}
	return p
}

// severityBreakdown is a host's severities, the most severe first, a letter
// and a count each ("C3 H12 M2"), so it stays legible at 80 columns.
func severityBreakdown(a model.Aggregation) string {
	var parts []string
	for i := len(a.Buckets) - 1; i >= 0; i-- {
		if b := a.Buckets[i]; b.Count > 0 && i < len(model.SeverityBands) {
			parts = append(parts, fmt.Sprintf("%s%d", screen.SevWord(model.SeverityBands[i].From)[:1], b.Count))
		}
	}
	return strings.Join(parts, " ")
}

func (o *Overview) severityPanel(a *model.Aggregation) panel {
	p := panel{title: "Severity", field: o.f.Severity, kind: "range"}
	if a == nil || len(a.Buckets) == 0 {
		p.err = "no answer for this panel"
		return p
	}
	for i := len(a.Buckets) - 1; i >= 0; i-- {
		b := a.Buckets[i]
		if i >= len(model.SeverityBands) {
			continue
		}
		band := model.SeverityBands[i]
		p.buckets = append(p.buckets, ovBucket{label: band.Name, count: b.Count,
			clause: model.And(model.Num(o.f.Severity, ">=", int64(band.From)), model.Num(o.f.Severity, "<=", int64(band.To)))})
	}
	return p
}

func (o *Overview) histogramPanel(a *model.Aggregation, window int) panel {
	w := histWindows[window]
	p := panel{title: fmt.Sprintf("New detections, last %s (per %s)", w.name, w.interval), field: o.f.Created, kind: "histogram"}
	if a == nil {
		p.err = "no answer for this panel"
		return p
	}
	for _, b := range a.Buckets {
		start, ok := bucketTime(b)
		if !ok {
			p.err = "unreadable bucket label " + screen.Sanitize(b.Label)
			return p
		}
		p.buckets = append(p.buckets, ovBucket{label: start.In(o.loc).Format("01-02 15:04"), count: b.Count,
			clause: model.And(model.After(o.f.Created, start), model.Before(o.f.Created, start.Add(w.step)))})
	}
	if len(p.buckets) == 0 {
		p.err = "no detections in this window"
	}
	return p
}

// bucketTime reads a histogram bucket's start: epoch milliseconds or a time.
func bucketTime(b model.Bucket) (time.Time, bool) {
	if ms, err := strconv.ParseInt(b.Label, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), true
	}
	for _, s := range []string{b.KeyAsString, b.Label} {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (o *Overview) ovBucketCount() int {
	n := 0
	for _, p := range o.panels {
		n += len(p.buckets)
	}
	return n
}

// panelStep moves the cursor to the first bucket of the next (step 1) or
// previous (step -1) panel.
func (o *Overview) panelStep(step int) {
	ov := o
	starts := []int{}
	n := 0
	for _, p := range ov.panels {
		if len(p.buckets) > 0 {
			starts = append(starts, n)
		}
		n += len(p.buckets)
	}
	cur := 0
	for i, s := range starts {
		if ov.cursor >= s {
			cur = i
		}
	}
	if i := cur + step; i >= 0 && i < len(starts) {
		ov.cursor = starts[i]
	}
}

// ovSelected returns the bucket under the cursor.
func (o *Overview) ovSelected() (*panel, *ovBucket) {
	i := o.cursor
	for pi := range o.panels {
		p := &o.panels[pi]
		if i < len(p.buckets) {
			return p, &p.buckets[i]
		}
		i -= len(p.buckets)
	}
	return nil, nil
}

// View renders the overview in height lines of width: the timings, the
// panels two by two (one column below 70), the histogram across.
func (o *Overview) View(width, height int, st *screen.Styles) []string {
	if o.loading && o.panels == nil && o.err == "" {
		return []string{st.Dim.Render(" loading the overview…")}
	}
	if o.err != "" {
		return []string{st.Err.Render(screen.Truncate(" ✗ the overview could not be loaded: "+screen.Sanitize(o.err), width)), st.Dim.Render(" r retries")}
	}
	d := &drawing{o: o, st: st, colW: width}
	two := width >= 70
	if two {
		d.colW = (width - 1) / 2
	}
	var out []string
	for _, s := range o.metrics {
		out = append(out, st.Label.Render(screen.Truncate(" "+s, width)))
	}
	var hist *panel
	var cols []panel
	for _, p := range o.panels {
		if p.kind == "histogram" {
			hist = &p
			continue
		}
		cols = append(cols, p)
	}
	for i := 0; i < len(cols); i++ {
		left := d.panel(cols[i])
		if !two || i+1 == len(cols) {
			out = append(out, left...)
			continue
		}
		i++
		out = append(out, screen.SideBySide(left, d.panel(cols[i]), d.colW, " ", 0)...)
	}
	if hist != nil {
		d.colW = width
		out = append(out, d.panel(*hist)...)
	}
	return inSight(out, height)
}

// drawing draws panels in order, counting buckets so the cursor's is the
// one marked.
type drawing struct {
	o    *Overview
	st   *screen.Styles
	colW int
	idx  int // the index of the next bucket drawn over every panel
}

func (d *drawing) panel(p panel) []string {
	head := p.title
	if p.note != "" {
		head += " · " + p.note
	}
	lines := []string{d.st.Section.Render(screen.Truncate(head, d.colW))}
	if p.err != "" {
		return append(lines, d.st.Err.Render(screen.Truncate("  "+screen.Sanitize(p.err), d.colW)))
	}
	if p.kind == "histogram" {
		lines = append(lines, d.o.histogramLines(p, d.idx, d.colW)...)
		d.idx += len(p.buckets)
		return lines
	}
	// One scale for every bar, "other" included, so bars compare.
	var maxC int64 = 1
	for _, b := range p.buckets {
		maxC = max(maxC, b.count)
	}
	for _, b := range p.buckets {
		lines = append(lines, d.o.bucketLine(d.st, p, b, d.idx == d.o.cursor, maxC, d.colW))
		d.idx++
	}
	return lines
}

// inSight cuts lines to height, keeping the cursor's line in sight.
func inSight(out []string, height int) []string {
	cursorLine := 0
	for i, l := range out {
		if strings.HasPrefix(ansi.Strip(l), "▶") || strings.Contains(ansi.Strip(l), " ▶") {
			cursorLine = i
			break
		}
	}
	top := 0
	if cursorLine >= height {
		top = cursorLine - height + 1
	}
	out = out[top:]
	if len(out) > height {
		out = out[:height]
	}
	return out
}

func (o *Overview) bucketLine(st *screen.Styles, p panel, b ovBucket, selected bool, maxC int64, w int) string {
	glyph := " "
	if selected {
		glyph = "▶"
	}
	count := screen.Commas(int(b.count))
	if b.approx {
		count = "≈" + count
	}
	labelW := max(8, w/2-2)
	label := screen.PadRight(screen.Truncate(screen.Sanitize(b.label), labelW), labelW)
	if p.kind == "range" {
		label = st.Sev[b.label].Render(label)
	}
	barW := max(0, w-labelW-13)
	bar := barOf(b.count, maxC, barW)
	line := glyph + " " + label + " " + fmt.Sprintf("%8s", count) + " " + bar
	if b.sub != "" && selected {
		line = glyph + " " + label + " " + fmt.Sprintf("%8s", count) + " " + b.sub
	}
	if selected {
		return st.Cursor.Render(glyph) + strings.TrimPrefix(screen.Truncate(line, w), glyph)
	}
	return screen.Truncate(line, w)
}

var blocks = []string{" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"}

// histogramLines draws the histogram as a four-row column chart, one column
// per bucket, with the selected bucket named below: it reads in 80 columns
// and without colour.
func (o *Overview) histogramLines(p panel, first, width int) []string {
	const rows = 4
	var maxC int64 = 1
	for _, b := range p.buckets {
		maxC = max(maxC, b.count)
	}
	colW := 1
	if len(p.buckets)*2 <= width-12 {
		colW = 2
	}
	lines := make([]string, rows)
	for r := 0; r < rows; r++ {
		var sb strings.Builder
		sb.WriteString(" ")
		if r == 0 {
			sb.WriteString(fmt.Sprintf("%6s ", screen.Commas(int(maxC))))
		} else {
			sb.WriteString("       ")
		}
		for _, b := range p.buckets {
			eighths := int(math.Round(float64(b.count) / float64(maxC) * rows * 8))
			level := eighths - (rows-1-r)*8
			cell := blocks[max(0, min(8, level))]
			sb.WriteString(strings.Repeat(cell, colW))
		}
		lines[r] = screen.Truncate(sb.String(), width)
	}
	var axis strings.Builder
	axis.WriteString("        ")
	sel := -1
	for i := range p.buckets {
		if first+i == o.cursor {
			sel = i
			axis.WriteString(strings.Repeat("▲", colW))
		} else {
			axis.WriteString(strings.Repeat("─", colW))
		}
	}
	lines = append(lines, screen.Truncate(axis.String(), width))
	info := fmt.Sprintf("        %s … %s", p.buckets[0].label, p.buckets[len(p.buckets)-1].label)
	if sel >= 0 {
		b := p.buckets[sel]
		info = fmt.Sprintf("▶ %s: %s new", b.label, screen.Commas(int(b.count)))
	}
	return append(lines, screen.Truncate(info, width))
}

// Bucket is one bucket as the overview shows it, with the clause its
// drill-down adds.
type Bucket struct {
	Panel, Label, Clause string
	Count                int64
	Approx               bool
	// Err is why its panel has no buckets (one Bucket stands for it).
	Err string
}

// Buckets lists every bucket of every panel, in the order the cursor walks
// them; a panel that could not be drawn is one Bucket with its Err.
func (o *Overview) Buckets() []Bucket {
	var out []Bucket
	for _, p := range o.panels {
		if p.err != "" {
			out = append(out, Bucket{Panel: p.title, Err: p.err})
		}
		for _, b := range p.buckets {
			out = append(out, Bucket{Panel: p.title, Label: b.label, Clause: b.clause, Count: b.count, Approx: b.approx})
		}
	}
	return out
}

// At is when the counts shown were asked for (zero: none yet).
func (o *Overview) At() time.Time {
	if o.panels == nil {
		return time.Time{}
	}
	return o.at
}

// Filter is the filter the counts shown are for.
func (o *Overview) Filter() string { return o.filter }
