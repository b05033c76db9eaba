// Package overview is the overview: "what is on fire" under the list's
// filter, from one aggregate call carrying every aggregation, headline
// figures first. Every bucket and figure drills down into the list,
// filtered to it. Each panel keeps its own cursor, held by bucket once the
// analyst moves it, so a refresh that re-ranks keeps enter on the bucket
// chosen. It knows nothing of the other parts: a drill-down is a clause it
// hands back.
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

// panel is one box of the overview; id names it across answers (its
// title may change with the window).
type panel struct {
	id      string
	title   string
	field   string
	kind    string // headline, terms, range, histogram
	buckets []ovBucket
	err     string
	note    string
}

// ovBucket is one selectable line: a label, a count, and the filter clause
// its drill-down adds. other: the bucket of what the panel does not list,
// shown as a number, off the bars' scale.
type ovBucket struct {
	label  string
	count  int64
	approx bool
	clause string
	sub    string // a breakdown (severity within host)
	other  bool
	// group starts a line of the headline figures with its word.
	group string
}

// place is a panel's cursor: the bucket it is on, held by key once the
// analyst chose it (a refresh that re-ranks keeps it there). lost names
// the bucket chosen when a refresh dropped it: enter opens nothing in that
// panel until the analyst moves.
type place struct {
	i      int
	chosen bool
	key    string
	label  string
	lost   string
}

// Deps are what the overview needs of the console.
type Deps struct {
	Backend model.Backend
	Keys    keymap.KeyMap
	// Names maps a login to the name the list shows.
	Names func(login string) (string, bool)
	// Me is the analyst's login (config me), for "mine"; "" when unset.
	Me string
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
	me      string
	// focus is the panel the cursor is in, by id; places each panel's own
	// cursor.
	focus   string
	places  map[string]*place
	metrics []string
	at      time.Time
	filter  string // the filter the answer is for
	// asked is the filter and text of the request in flight or answered.
	asked, askedFilter, askedText string
}

// New makes the overview, shown or not, on the 7-day histogram.
func New(d Deps, shown bool) *Overview {
	return &Overview{b: d.Backend, f: d.Backend.Fields(), keys: d.Keys, names: d.Names, loc: d.Location, now: d.Now,
		ctx: d.Ctx, shown: shown, window: 1, me: d.Me, places: map[string]*place{}}
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
			return o.key(act)
		}
	}
	return Out{}, nil
}

func (o *Overview) key(act keymap.Action) (Out, tea.Cmd) {
	switch act {
	case keymap.Down, keymap.Up, keymap.Top, keymap.Bottom:
		// Within the panel: its end is where j stops.
		p := o.focused()
		if p == nil {
			break
		}
		o.focus = p.id // moving is choosing the panel it moves in
		pl := o.place(p.id)
		switch act {
		case keymap.Down:
			pl.i++
		case keymap.Up:
			pl.i--
		case keymap.Top:
			pl.i = 0
		case keymap.Bottom:
			pl.i = len(p.buckets) - 1
		}
		pl.i = max(0, min(pl.i, len(p.buckets)-1))
		b := &p.buckets[pl.i]
		*pl = place{i: pl.i, chosen: true, key: bucketKey(p, b), label: screen.Sanitize(b.label)} // a choice made again
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
		if p := o.focused(); p != nil && o.focus != "" && p.id != o.focus {
			return Out{Say: "the panel the cursor was in has nothing in it since it was read again: move to choose another"}, nil
		}
		if p := o.focused(); p != nil && o.place(p.id).lost != "" {
			return Out{Say: "“" + o.place(p.id).lost + "” left the ranking when it was read again: move to choose another"}, nil
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
	// The identity alerts' hosts, counted in the hosts panel: an identity
	// alert has no device.hostname.
	aggIDHosts = "identity_hosts"
	// The headline figures.
	aggHot        = "hot_24h"
	aggHotAlone   = "hot_24h_unassigned"
	aggMine       = "mine_open"
	aggVerdicts   = "closed_by_verdict"
	unassigned    = "(unassigned)"
	noHost        = "(no host)"
	idHeadline    = "headline"
	hotSeverity   = 60 // high and critical
	headlineSpan  = 24 * time.Hour
	headlineLabel = "high/crit created in 24 h"
)

// openStatuses are the statuses of a row still to be dealt with.
var openStatuses = []string{string(model.StatusNew), string(model.StatusInProgress), string(model.StatusReopened)}

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
	if f.IdentityHost == "" {
		hosts.Missing = noHost // no alert falls in no bucket
	}
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
	if f.IdentityHost != "" {
		// The alerts without a device, by the host they name; those
		// naming none in the (no host) bucket.
		id := terms(aggIDHosts, f.IdentityHost, topN)
		id.Filter, id.Missing, id.SubAggregates = model.And(filter, model.Null(f.Hostname)), noHost, hosts.SubAggregates
		reqs = append(reqs, id)
	}
	return append(reqs, o.headlineRequests(filter, text, now)...)
}

// headlineRequests are the headline figures' aggregations, in the same
// call: each counts the rows of its own filter (a terms count over the
// status, which every row has once).
func (o *Overview) headlineRequests(filter, text string, now time.Time) []model.AggregateRequest {
	f := o.f
	count := func(name, clause string) model.AggregateRequest {
		return model.AggregateRequest{Name: name, Type: "terms", Field: f.Status, Filter: model.And(filter, clause), Q: text, Size: len(model.Statuses)}
	}
	hot := o.hotClause(now)
	reqs := []model.AggregateRequest{count(aggHot, hot), count(aggHotAlone, model.And(hot, model.Null(f.AssigneeUID)))}
	if o.me != "" {
		reqs = append(reqs, count(aggMine, o.mineClause()))
	}
	if len(f.VerdictTags) > 0 {
		closed := model.And(filter, model.Eq(f.Status, string(model.StatusClosed)), model.In(f.Tags, o.verdictTags()))
		reqs = append(reqs, model.AggregateRequest{Name: aggVerdicts, Type: "terms", Field: f.Tags, Filter: closed, Q: text, Size: 20})
	} else {
		reqs = append(reqs, count(aggVerdicts, model.In(f.Status, verdictStatuses())))
	}
	return reqs
}

// hotClause is the rows high or critical created in the last 24 hours.
func (o *Overview) hotClause(now time.Time) string {
	return model.And(model.After(o.f.Created, now.Add(-headlineSpan)), model.Num(o.f.Severity, ">=", hotSeverity))
}

// mineClause is the analyst's own rows still open.
func (o *Overview) mineClause() string {
	return model.And(model.Eq(o.f.AssigneeUID, o.me), model.In(o.f.Status, openStatuses))
}

// verdictTags are the Alerts verdict tags, in the order of the statuses.
func (o *Overview) verdictTags() []string {
	var out []string
	for _, s := range model.Statuses {
		if t, ok := o.f.VerdictTags[s]; ok {
			out = append(out, t)
		}
	}
	return out
}

// verdictStatuses are the Detects statuses that close a row, a verdict or
// not.
func verdictStatuses() []string {
	return []string{string(model.StatusTruePositive), string(model.StatusFalsePositive), string(model.StatusIgnored), string(model.StatusClosed)}
}

func (o *Overview) answer(msg answerMsg) {
	ov := o
	if msg.gen != ov.gen {
		return // an answer to a filter or window the analyst has left
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
		o.headlinePanel(byName, msg.at),
		o.termsPanel(aggStatus, "Status", byName[aggStatus], f.Status),
		o.severityPanel(byName[aggSeverity]),
		o.hostsPanel(byName[aggHosts], byName[aggIDHosts]),
		o.termsPanel(aggTactics, "Top tactics", byName[aggTactics], f.Tactic),
		o.termsPanel(aggTech, "Top techniques", byName[aggTech], f.Technique),
		o.termsPanel(aggScenario, "Top scenarios", byName[aggScenario], f.Scenario),
		o.termsPanel(aggAssignee, "Assignees", byName[aggAssignee], f.AssigneeUID),
		o.histogramPanel(byName[aggHist], msg.window),
	}
	if f.Product != "" {
		// Before the histogram, which is drawn last: the cursor walks the
		// panels in the order they are drawn.
		last := len(ov.panels) - 1
		ov.panels = slices.Insert(ov.panels, last, o.termsPanel(aggProduct, "Products", byName[aggProduct], f.Product))
	}
	if a := byName[aggDistinct]; a != nil && len(a.Buckets) > 0 && a.Buckets[0].Value != nil {
		ov.panels[3].note = fmt.Sprintf("%s distinct", screen.Commas(int(*a.Buckets[0].Value)))
	}
	ov.metrics = []string{
		timing("Time to triage", byName[aggTriage], byName[aggTriageP]),
		timing("Time to resolve", byName[aggResolve], byName[aggResolveP]),
	}
	for pi := range ov.panels {
		ov.follow(&ov.panels[pi])
	}
	// The panel in focus stays the analyst's, even while a refresh leaves
	// it empty (focused falls back on the first, enter opens nothing): it
	// is taken from the first answer only.
	if p := ov.focused(); p != nil && ov.focus == "" {
		ov.focus = p.id
	}
}

// follow puts a panel's cursor back on the bucket the analyst chose, found
// by key; one the refresh dropped leaves the cursor where it was, and
// enter opens nothing the analyst did not choose until they move.
func (ov *Overview) follow(p *panel) {
	pl := ov.place(p.id)
	pl.i = max(0, min(pl.i, len(p.buckets)-1))
	if !pl.chosen {
		return
	}
	for i := range p.buckets {
		if bucketKey(p, &p.buckets[i]) == pl.key {
			pl.i, pl.lost = i, "" // back in the ranking
			return
		}
	}
	if pl.lost == "" {
		pl.lost = pl.label
	}
}

// place is a panel's cursor.
func (ov *Overview) place(id string) *place {
	pl := ov.places[id]
	if pl == nil {
		pl = &place{}
		ov.places[id] = pl
	}
	return pl
}

// focused is the panel the cursor is in: the one in focus, else the first
// with buckets; nil when none has any.
func (ov *Overview) focused() *panel {
	var first *panel
	for i := range ov.panels {
		p := &ov.panels[i]
		if len(p.buckets) == 0 {
			continue
		}
		if p.id == ov.focus {
			return p
		}
		if first == nil {
			first = p
		}
	}
	return first
}

// bucketKey names a bucket across answers: its clause (the "other"
// bucket's clause lists the others, which a refresh may change).
func bucketKey(p *panel, b *ovBucket) string {
	if b.other {
		return "\x00other"
	}
	return b.clause
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
func (o *Overview) termsPanel(id, title string, a *model.Aggregation, field string) panel {
	p := panel{id: id, title: title, field: field, kind: "terms"}
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
		if label == unassigned && field == o.f.AssigneeUID || label == noHost && field == o.f.Hostname {
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
		p.buckets = append(p.buckets, ovBucket{label: "other", count: a.SumOtherDocCount, clause: clause, other: true,
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

// hostsPanel ranks the hosts of every alert: an endpoint alert's device,
// else the host an identity alert names (ep and id, the two terms counts,
// merged by name), else none, so no alert falls in no bucket.
func (o *Overview) hostsPanel(ep, id *model.Aggregation) panel {
	f := o.f
	if f.IdentityHost == "" || id == nil {
		return o.termsPanel(aggHosts, "Top hosts", ep, f.Hostname)
	}
	p := panel{id: aggHosts, title: "Top hosts", field: f.Hostname, kind: "terms"}
	if ep == nil {
		p.err = "no answer for this panel"
		return p
	}
	type host struct {
		count      int64
		ep, id     bool
		severities []model.Bucket
	}
	hosts := map[string]*host{}
	var names []string
	add := func(a *model.Aggregation, endpoint bool) {
		for _, b := range a.Buckets {
			h := hosts[b.Label]
			if h == nil {
				h = &host{}
				hosts[b.Label] = h
				names = append(names, b.Label)
			}
			h.count += b.Count
			if endpoint {
				h.ep = true
			} else {
				h.id = true
			}
			for _, sub := range b.SubAggregates {
				for i, sb := range sub.Buckets {
					if i >= len(h.severities) {
						h.severities = append(h.severities, model.Bucket{})
					}
					h.severities[i].Count += sb.Count
				}
			}
		}
	}
	add(ep, true)
	add(id, false)
	slices.SortStableFunc(names, func(a, b string) int {
		if c := hosts[b].count - hosts[a].count; c != 0 {
			return int(max(-1, min(1, c)))
		}
		return strings.Compare(a, b)
	})
	if len(names) == 0 {
		p.err = "no data under this filter"
		return p
	}
	approx := ep.ErrorUpperBound > 0 || id.ErrorUpperBound > 0
	other := ep.SumOtherDocCount + id.SumOtherDocCount
	var shownEP, shownID []string
	noneShown := false
	for i, name := range names {
		h := hosts[name]
		if i >= topN {
			other += h.count
			continue
		}
		// The endpoint alerts of the host, and the identity alerts naming
		// it; (no host) is the alerts naming none.
		var parts []string
		switch {
		case name == noHost && h.id:
			parts = append(parts, model.And(model.Null(f.Hostname), model.Null(f.IdentityHost)))
			noneShown = true
		default:
			if h.ep {
				parts = append(parts, model.Eq(f.Hostname, name))
				shownEP = append(shownEP, name)
			}
			if h.id {
				parts = append(parts, model.And(model.Null(f.Hostname), model.Eq(f.IdentityHost, name)))
				shownID = append(shownID, name)
			}
		}
		p.buckets = append(p.buckets, ovBucket{label: name, count: h.count, approx: approx, clause: model.Or(parts...),
			sub: severityBreakdown(model.Aggregation{Buckets: h.severities})})
	}
	if other > 0 {
		parts := []string{
			model.And(notIn(f.Hostname, shownEP), f.Hostname+":!null"),
			model.And(model.Null(f.Hostname), notIn(f.IdentityHost, shownID), f.IdentityHost+":!null"),
		}
		if !noneShown {
			parts = append(parts, model.And(model.Null(f.Hostname), model.Null(f.IdentityHost)))
		}
		p.buckets = append(p.buckets, ovBucket{label: "other", count: other, clause: model.Or(parts...), other: true, approx: approx})
	}
	if approx {
		p.note = "approximate counts"
	}
	return p
}

// notIn is field:!['a',…], or nothing for no values.
func notIn(field string, values []string) string {
	if len(values) == 0 {
		return ""
	}
	return model.NotIn(field, values)
}

// headlinePanel is the figures that come first: high and critical rows new
// in 24 hours and how many of them nobody has, the analyst's own still
// open, and the closed by verdict. Each drills down like any bucket.
func (o *Overview) headlinePanel(byName map[string]*model.Aggregation, now time.Time) panel {
	f := o.f
	p := panel{id: idHeadline, kind: "headline"}
	count := func(a *model.Aggregation) (int64, bool) {
		if a == nil {
			return 0, false
		}
		n := a.SumOtherDocCount
		for _, b := range a.Buckets {
			n += b.Count
		}
		return n, true
	}
	hot := o.hotClause(now)
	if n, ok := count(byName[aggHot]); ok {
		p.buckets = append(p.buckets, ovBucket{label: headlineLabel, count: n, clause: hot})
	}
	if n, ok := count(byName[aggHotAlone]); ok {
		p.buckets = append(p.buckets, ovBucket{label: "of them unassigned", count: n, clause: model.And(hot, model.Null(f.AssigneeUID))})
	}
	if o.me == "" {
		p.note = "mine: set me.login"
	} else if n, ok := count(byName[aggMine]); ok {
		p.buckets = append(p.buckets, ovBucket{label: "open, mine", count: n, clause: o.mineClause()})
	}
	group := "closed:"
	if a := byName[aggVerdicts]; a != nil {
		byVerdict := map[model.Status]int64{}
		for _, b := range a.Buckets {
			s := model.Status(b.Label)
			if len(f.VerdictTags) > 0 {
				s = f.VerdictOf([]string{b.Label})
			}
			if s != "" {
				byVerdict[s] += b.Count
			}
		}
		for _, s := range model.Statuses {
			n, ok := byVerdict[s]
			if !ok {
				continue
			}
			clause, label := model.Eq(f.Status, string(s)), strings.ToLower(model.Status(s).Label())
			if t, tagged := f.VerdictTags[s]; tagged {
				clause = model.And(model.Eq(f.Status, string(model.StatusClosed)), model.Eq(f.Tags, t))
			} else if s == model.StatusClosed {
				label = "no verdict"
			}
			p.buckets = append(p.buckets, ovBucket{label: label, count: n, clause: clause, group: group})
			group = ""
		}
	}
	if len(p.buckets) == 0 {
		p.err = "no answer for the headline figures"
	}
	return p
}

func (o *Overview) severityPanel(a *model.Aggregation) panel {
	p := panel{id: aggSeverity, title: "Severity", field: o.f.Severity, kind: "range"}
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
	p := panel{id: aggHist, title: fmt.Sprintf("New %s, last %s (per %s)", o.rowWord(2), w.name, w.interval), field: o.f.Created, kind: "histogram"}
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
		p.err = "no " + o.rowWord(2) + " in this window"
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

// panelStep moves the cursor to the next (step 1) or previous (step -1)
// panel with buckets, onto the bucket its own cursor is on.
func (o *Overview) panelStep(step int) {
	var ids []string
	for _, p := range o.panels {
		if len(p.buckets) > 0 {
			ids = append(ids, p.id)
		}
	}
	cur := 0
	if p := o.focused(); p != nil {
		cur = slices.Index(ids, p.id)
	}
	if i := cur + step; i >= 0 && i < len(ids) {
		o.focus = ids[i]
	}
}

// ovSelected returns the bucket under the cursor.
func (o *Overview) ovSelected() (*panel, *ovBucket) {
	p := o.focused()
	if p == nil {
		return nil, nil
	}
	return p, &p.buckets[max(0, min(o.place(p.id).i, len(p.buckets)-1))]
}

// selectedIn is the index of the bucket the cursor is on in p, or -1
// when the cursor is in another panel.
func (o *Overview) selectedIn(p panel) int {
	if f := o.focused(); f == nil || f.id != p.id {
		return -1
	}
	if pl, ok := o.places[p.id]; ok {
		return max(0, min(pl.i, len(p.buckets)-1))
	}
	return 0
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
	var hist *panel
	var cols []panel
	for _, p := range o.panels {
		switch p.kind {
		case "headline":
			out = append(out, o.headlineLines(p, width, st)...)
			continue
		case "histogram":
			hist = &p
			continue
		}
		cols = append(cols, p)
	}
	for _, s := range o.metrics {
		out = append(out, st.Label.Render(screen.Truncate(" "+s, width)))
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

// drawing draws panels, the cursor's bucket marked.
type drawing struct {
	o    *Overview
	st   *screen.Styles
	colW int
}

// headlineLines draws the headline figures as a few lines of figures, the
// one under the cursor marked, wrapped to width.
func (o *Overview) headlineLines(p panel, width int, st *screen.Styles) []string {
	if p.err != "" {
		return []string{st.Err.Render(screen.Truncate(" "+screen.Sanitize(p.err), width))}
	}
	sel := o.selectedIn(p)
	var lines []string
	line, w := "", 0
	// put adds a figure, on a new line when it does not fit or starts a
	// group. The cursor has a column of its own, a space either side: at
	// the start of a line (or after a group's name) before the figure, and
	// between figures in place of the · that separates them, so it never
	// reads as part of the figure before it.
	put := func(text, group string, selected bool) {
		tw := ansi.StringWidth(text)
		if w > 0 && (group != "" || w+3+tw > width) {
			lines, line, w = append(lines, line), "", 0
		}
		mark := st.Dim.Render(" · ")
		switch {
		case group != "" && selected:
			mark = " " + st.Label.Render(group) + " " + st.Cursor.Render("▶") + " "
		case group != "":
			mark = " " + st.Label.Render(group) + "   "
		case w == 0 && selected:
			mark = st.Cursor.Render("▶") + " "
		case w == 0:
			mark = "  "
		case selected:
			mark = " " + st.Cursor.Render("▶") + " "
		}
		line, w = line+mark+text, w+ansi.StringWidth(mark)+tw
	}
	note := p.note
	for i, b := range p.buckets {
		if b.group != "" && note != "" {
			put(st.Dim.Render(screen.Sanitize(note)), "", false)
			note = ""
		}
		text := screen.Commas(int(b.count)) + " " + screen.Sanitize(b.label)
		if i == sel {
			text = st.Cursor.Render(text)
		}
		put(text, b.group, i == sel)
	}
	if note != "" {
		put(st.Dim.Render(screen.Sanitize(note)), "", false)
	}
	lines = append(lines, line)
	for i := range lines {
		lines[i] = screen.Truncate(lines[i], width)
	}
	return lines
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
	sel := d.o.selectedIn(p)
	if p.kind == "histogram" {
		return append(lines, d.o.histogramLines(p, sel, d.colW)...)
	}
	// One scale for the bars, the largest bucket listed filling it: the
	// "other" bucket, often larger than any, is a number without a bar.
	var maxC int64 = 1
	for _, b := range p.buckets {
		if !b.other {
			maxC = max(maxC, b.count)
		}
	}
	for i, b := range p.buckets {
		lines = append(lines, d.o.bucketLine(d.st, p, b, i == sel, maxC, d.colW))
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
	label := screen.PadRight(screen.TruncateName(screen.Sanitize(b.label), labelW), labelW)
	if p.kind == "range" {
		label = st.Sev[b.label].Render(label)
	}
	barW := max(0, w-labelW-13)
	bar := ""
	if !b.other {
		bar = barOf(b.count, maxC, barW)
	}
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
func (o *Overview) histogramLines(p panel, sel, width int) []string {
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
	for i := range p.buckets {
		if i == sel {
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

// rowWord names n rows as the backend calls them: alerts (the backend
// whose rows name a product), or detections.
func (o *Overview) rowWord(n int) string {
	if o.f.Product != "" {
		return screen.RowWord("alerts", n)
	}
	return screen.RowWord("", n)
}
