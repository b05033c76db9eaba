// Package detail is the detail pane: every field of one row an analyst
// needs for a verdict, what decides it first, with a field cursor for + and
// - (filter on the value, or exclude it) and y (copy from the behaviour
// under it), a search of its text (n, N) and long values folded (enter). It
// shows the row the store holds, by id, and follows it as the store
// changes; it sends nothing to the service and knows nothing of the other
// parts.
package detail

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/rows"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// entry is one field of the detail pane. in and out are the filter clauses
// `+` and `-` add (empty when the field cannot be filtered on).
type entry struct {
	label   string
	value   string // sanitised
	section bool
	in, out string
	// behavior is the 1-based behaviour the entry belongs to, 0 for none:
	// the copy menu copies from the behaviour under the cursor.
	behavior int
	// whole: a value copied whole (an id, a hash) is never split over
	// lines; too long, it is shortened visibly in the middle.
	whole bool
	// pattern is the wildcard clause + offers for a value that cannot be
	// matched exactly (a command line, a path), to edit before it runs;
	// notPattern the one - offers, which leaves it out.
	pattern, notPattern string
	// link is the URL the value links to (an OSC 8 hyperlink, the
	// console's own): the console link.
	link string
}

// Pane shows one row.
type Pane struct {
	id      string
	keys    keymap.KeyMap
	height  int
	entries []entry
	cursor  int
	shown   bool   // entries are the row's, not a loading or failure line
	version uint64 // the store's version of the row shown
	// unfolded are the long values enter unfolded (by foldKey).
	unfolded map[string]bool
	// The rendering for width, the first line of each entry, the first
	// line on screen and how many the last View drew.
	width   int
	lines   []line
	firstOf []int
	runes   [][]rune // each entry's value, as the lines cut it
	top     int
	viewH   int
	// The search: its text, where it is found, the match gone to last
	// (-1: none), and whether the view follows that match (n, N) rather
	// than the cursor's entry (any other move).
	query   string
	matches []match
	current int
	focus   bool
	// extra is what the console read beside the row (extras.go); stale:
	// it changed since the entries were built.
	extra Extras
	stale bool
	// host is the row's host as the console read it (SetHost); hostSeq
	// counts the views given, hostShown the one the entries show.
	host               *HostView
	hostSeq, hostShown uint64
}

// New opens the pane on the row id; Follow fills it in.
func New(id string, keys keymap.KeyMap, height int) *Pane {
	return &Pane{id: id, keys: keys, height: height, unfolded: map[string]bool{}, current: -1}
}

// ID is the row the pane shows.
func (p *Pane) ID() string { return p.id }

// Out is what a key in the pane asks of the console.
type Out struct {
	// Close: the pane is done with.
	Close bool
	// Filter is a clause to add to the filter (+ or -); Pattern a
	// wildcard clause to edit first (+ on a value no clause matches
	// exactly, such as a command line).
	Filter, Pattern string
	// Say is a word for the footer.
	Say string
	// Search asks for the search line (/).
	Search bool
	// Handled: the key meant something here; else it is the list's.
	Handled bool
}

// Follow shows the newest values the store holds of the row (a read
// landing, an action's preview, its re-read, a rollback): the pane never
// shows stale values. Until the row is read it says so, or why it could
// not be.
func (p *Pane) Follow(store *rows.Store, f model.Fields, loc *time.Location) {
	if d, ok := store.Peek(p.id); ok {
		if v := store.Version(p.id); !p.shown || v != p.version || p.stale || p.hostShown != p.hostSeq {
			first := !p.shown
			var on *entry // the field the cursor is on, held by its name
			if p.shown && p.cursor < len(p.entries) {
				e := p.entries[p.cursor]
				on = &e
			}
			p.entries, p.shown, p.version, p.lines, p.stale, p.hostShown = buildEntries(d, f, loc, p.extra, p.host), true, v, nil, false, p.hostSeq
			if on != nil {
				// A field that came or went above it (an assignee, tags)
				// does not move the cursor onto another: the next + acts
				// on the field the analyst was on.
				// The same field of the same behaviour; else, where the
				// decision's fields now come from a worse behaviour, the
				// first field of that name: never another field.
				i := slices.IndexFunc(p.entries, func(e entry) bool {
					return !e.section && e.label == on.label && e.behavior == on.behavior
				})
				if i < 0 {
					i = slices.IndexFunc(p.entries, func(e entry) bool { return !e.section && e.label == on.label })
				}
				if i >= 0 {
					p.cursor = i
				}
			}
			p.move(0)
			if first && p.query != "" {
				// A search carried over by J or K goes to its first match.
				p.Find(p.query)
				return
			}
			p.findAll()
			p.current = min(p.current, len(p.matches)-1)
		}
		return
	}
	line := entry{label: "Loading", value: "reading the detection…"}
	if f.Product != "" {
		line.value = "reading the alert…" // Alerts alone name a product
	}
	if why := store.Failed(p.id); why != "" {
		line = entry{label: "Unreadable", value: screen.Sanitize(why) + " (r retries)"}
	}
	if p.shown || len(p.entries) != 1 || p.entries[0] != line {
		p.entries, p.shown, p.lines, p.cursor = []entry{line}, false, nil, 0
		p.matches, p.current = p.matches[:0], -1
	}
}

// Restyle drops the rendering made with the old styles.
func (p *Pane) Restyle() { p.lines = nil }

// Update takes a key (movement scrolls the pane, esc closes it, + and -
// filter on the field under the cursor) or the terminal's new size.
func (p *Pane) Update(msg tea.Msg) (Out, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		p.height = msg.Height
	case tea.KeyPressMsg:
		act, ok := p.keys.MatchIn(msg.String(), keymap.InDetail)
		if ok {
			return p.key(act), nil
		}
	}
	return Out{}, nil
}

func (p *Pane) key(act keymap.Action) Out {
	half := max(1, (p.height-4)/2)
	switch act {
	case keymap.DetailSearch:
		return Out{Search: true, Handled: true}
	case keymap.SearchNext, keymap.SearchPrev:
		return p.step(map[keymap.Action]int{keymap.SearchNext: 1, keymap.SearchPrev: -1}[act])
	case keymap.Back:
		return Out{Close: true, Handled: true}
	case keymap.Open:
		return p.toggleFold()
	case keymap.AddFilter, keymap.ExcludeFilter:
		return p.pivot(act == keymap.AddFilter)
	}
	p.focus = false
	switch act {
	case keymap.Down:
		if p.laidOut() && p.viewH > 0 && p.lastLine(p.cursor) >= p.top+p.viewH {
			p.top++ // a value taller than the screen scrolls before the cursor leaves it
		} else {
			p.move(1)
		}
	case keymap.Up:
		if p.laidOut() && p.firstOf[p.cursor] < p.top {
			p.top--
		} else {
			p.move(-1)
		}
	case keymap.HalfDown, keymap.PageDown:
		p.move(half)
	case keymap.HalfUp, keymap.PageUp:
		p.move(-half)
	case keymap.Top:
		p.cursor = 0
		p.move(0)
	case keymap.Bottom:
		p.cursor = len(p.entries) - 1
		p.move(0)
	default:
		return Out{}
	}
	return Out{Handled: true}
}

// toggleFold unfolds the long value under the cursor, or folds it again.
func (p *Pane) toggleFold() Out {
	if p.width == 0 || !p.foldable(p.cursor, p.width) {
		return Out{Say: "enter unfolds a long value; this one is shown whole", Handled: true}
	}
	k := foldKey(p.entries[p.cursor])
	if p.unfolded[k] {
		delete(p.unfolded, k)
	} else {
		p.unfolded[k] = true
	}
	p.lines, p.focus = nil, false
	return Out{Handled: true}
}

// pivot filters on the value under the cursor (+), or excludes it (-).
func (p *Pane) pivot(in bool) Out {
	e := p.entries[p.cursor]
	clause := e.out
	if in {
		clause = e.in
	}
	switch {
	case clause != "":
		return Out{Filter: clause, Handled: true}
	case e.pattern != "" && in:
		// No exact match for a command line: a pattern around it, to
		// edit before it runs.
		return Out{Pattern: e.pattern, Say: "a pattern around the value: edit it, enter runs it", Handled: true}
	case e.notPattern != "" && !in:
		return Out{Pattern: e.notPattern, Say: "a pattern around the value, left out: edit it, enter runs it", Handled: true}
	}
	return Out{Say: e.label + " cannot be filtered on: move to another field", Handled: true}
}

// move moves the cursor n fields, over the section headings: it rests on
// a field (a heading only when there is none, as on the loading line).
func (p *Pane) move(n int) {
	i := max(0, min(len(p.entries)-1, p.cursor+n))
	dir := 1
	if n < 0 {
		dir = -1
	}
	if j := p.field(i, dir); j >= 0 {
		i = j
	} else if j := p.field(i, -dir); j >= 0 {
		i = j
	}
	p.cursor = i
}

// field is the first entry from i on in direction dir that is not a
// section heading, or -1.
func (p *Pane) field(i, dir int) int {
	for ; i >= 0 && i < len(p.entries); i += dir {
		if !p.entries[i].section {
			return i
		}
	}
	return -1
}

// Behaviour is the behaviour the copy menu copies from: the one under the
// cursor when the pane shows d, else d's worst.
func (p *Pane) Behaviour(d *model.Detection) *model.Behavior {
	if p != nil && p.id == d.ID && p.cursor < len(p.entries) {
		if i := p.entries[p.cursor].behavior; i > 0 && i <= len(d.Behaviors) {
			return &d.Behaviors[i-1]
		}
	}
	if w := d.Worst(); w != nil {
		return w
	}
	return &model.Behavior{}
}

// entries builds the pane's fields from a row, section by section.
type entries struct {
	es    []entry
	f     model.Fields
	loc   *time.Location
	extra Extras
}

func (b *entries) add(label, value, field string) {
	if value == "" {
		return
	}
	e := entry{label: label, value: screen.Sanitize(value), whole: wholeLabels[label]}
	if r, ok := b.f.Renamed[field]; ok && !b.f.Filterable.Has(field) {
		field = r // a field named as on Detects, in this backend's name
	}
	if field != "" {
		e.in, e.out = model.Eq(field, value), model.NotEq(field, value)
	}
	b.es = append(b.es, e)
}

// filters sets the clauses + and - add on the entry added last.
func (b *entries) filters(in, out string) {
	if n := len(b.es); n > 0 {
		b.es[n-1].in, b.es[n-1].out = in, out
	}
}

// cmdLine sets the patterns + and - offer on the command line added last:
// no clause matches a command line exactly.
func (b *entries) cmdLine(v string) {
	e := &b.es[len(b.es)-1]
	e.pattern = model.Wildcard(b.f.CmdLine, "*"+v+"*")
	e.notPattern = model.NotWildcard(b.f.CmdLine, "*"+v+"*")
}

func (b *entries) section(title string) { b.es = append(b.es, entry{label: title, section: true}) }

func buildEntries(d *model.Detection, f model.Fields, loc *time.Location, extra Extras, hv *HostView) []entry {
	b := &entries{f: f, loc: loc, extra: extra}
	worst := -1
	if w := d.Worst(); w != nil {
		for i := range d.Behaviors {
			if &d.Behaviors[i] == w {
				worst = i
			}
		}
	}
	b.decision(d, worst)
	b.incident(d)
	b.console()
	for i := range d.Behaviors {
		b.behaviour(d, i, i == worst)
	}
	b.tree(d, worst)
	b.hostSection(d, hv)
	b.record(d)
	b.quarantined(d.Quarantined)
	b.activity()
	return b.es
}

// decision is the first section: what a verdict needs, on the first
// screen at 80×24 — the worst behaviour's technique and tactic, the account
// context of an identity alert, the command line, file and hashes, the user
// and the host, then where the triage stands. Ids and times come after.
func (b *entries) decision(d *model.Detection, worst int) {
	f := b.f
	if f.Product != "" {
		b.section("Alert")
	} else {
		b.section("Detection")
	}
	first := len(b.es)
	var bh model.Behavior
	if worst >= 0 {
		bh = d.Behaviors[worst]
	}
	b.mitre(&bh)
	idStart := len(b.es)
	b.identity(d.Identity)
	idEnd := len(b.es)
	b.process(&bh)
	b.add("Hostname", d.Device.Hostname, f.Hostname)
	for j := first; j < len(b.es); j++ {
		if worst >= 0 && (j < idStart || j >= idEnd) {
			b.es[j].behavior = worst + 1
		}
	}
	b.triage(d)
}

// triage is where the row's triage stands.
func (b *entries) triage(d *model.Detection) {
	f := b.f
	band := model.BandOf(d.MaxSeverity).Name
	b.es = append(b.es, entry{label: "Severity", value: fmt.Sprintf("%s (%d) · confidence %d", band, d.MaxSeverity, d.MaxConfidence),
		in: model.Num(f.Severity, ">=", int64(d.MaxSeverity)), out: model.Num(f.Severity, "<", int64(d.MaxSeverity))})
	b.add("Status", screen.StatusLabel(d), "")
	b.filters(model.Eq(f.Status, string(d.Status)), model.NotEq(f.Status, string(d.Status)))
	if d.Assignee() != "" {
		v := d.Assignee()
		if d.AssigneeUID != "" && d.AssigneeUID != v {
			v += " (" + d.AssigneeUID + ")"
		}
		b.add("Assignee", v, "")
		b.filters(model.Eq(f.AssigneeUID, d.AssigneeUID), model.NotEq(f.AssigneeUID, d.AssigneeUID))
	} else {
		b.es = append(b.es, entry{label: "Assignee", value: "unassigned", in: model.Null(f.AssigneeUID), out: f.AssigneeUID + ":!null"})
	}
	b.add("Tags", strings.Join(d.Tags, ", "), "")
}

// record is the row's ids and times, and what analysts and the sensor
// added: after what the decision needs.
func (b *entries) record(d *model.Detection) {
	f, loc := b.f, b.loc
	b.section("Ids and times")
	b.add("Id", d.ID, f.ID)
	if f.Product != "" {
		b.add("Product", d.Product, f.Product)
	}
	if d.AggregateID != "" {
		b.add("Incident", d.AggregateID, f.AggregateID)
	}
	if !d.ShowInUI {
		b.add("Visibility", "hidden from the console", "")
	}
	b.add("First activity", screen.Time(d.FirstBehavior, loc), "")
	b.add("Last activity", screen.Time(d.LastBehavior, loc), "")
	b.add("Created", screen.Time(d.Created, loc), "")
	b.add("Updated", screen.Time(d.Updated, loc), "")
	if d.SecondsToTriaged > 0 {
		b.add("Triaged after", screen.Duration(time.Duration(d.SecondsToTriaged)*time.Second), "")
	}
	if d.SecondsToResolved > 0 {
		b.add("Resolved after", screen.Duration(time.Duration(d.SecondsToResolved)*time.Second), "")
	}
	ids := make([]string, len(d.AdversaryIDs))
	for i, a := range d.AdversaryIDs {
		ids[i] = strconv.FormatInt(a, 10)
	}
	b.add("Adversaries", strings.Join(ids, ", "), "")
	b.add("OverWatch", d.OverwatchNotes, "")
}

// identity is what an identity alert names instead of a device: in the
// decision section, where an endpoint alert has its file and hashes.
func (b *entries) identity(id model.Identity) {
	b.add("Account", id.AccountName, "source_account_name")
	b.add("Account UPN", id.AccountUPN, "source_account_upn")
	b.add("Source host", id.SourceHost, "source_endpoint_host_name")
	b.add("Source IP", id.SourceIP, "source_endpoint_ip_address")
	b.add("Target account", id.TargetAccount, "target_account_name")
}

// host is the rest of the device (its name is in the decision section); an
// alert with none (identity, SIEM) has no section.
func (b *entries) host(d *model.Detection) {
	dev := d.Device
	if dev.ID == "" && dev.Hostname == "" {
		return
	}
	b.section("Host")
	b.add("Platform", strings.Trim(dev.Platform+" · "+dev.OSVersion+" · "+dev.ProductTypeDesc, " ·"), "")
	b.add("Local IP", dev.LocalIP, "device.local_ip")
	b.add("External IP", dev.ExternalIP, "device.external_ip")
	b.add("MAC", dev.MACAddress, "")
	b.add("Domain", cmp.Or(dev.MachineDomain, d.Domain), "device.machine_domain")
	b.add("OU", strings.Join(dev.OU, ", "), "")
	b.add("AD", strings.Join(d.ADDisplay, ", "), "")
	b.add("Site", dev.SiteName, "device.site_name")
	b.add("Agent", dev.AgentVersion, "")
	b.add("Device id", dev.ID, "device.device_id")
}

// mitre is a behaviour's technique and tactic, each filterable.
func (b *entries) mitre(bh *model.Behavior) {
	f := b.f
	b.add("Technique", screen.JoinID(bh.Technique, bh.TechniqueID), "")
	if bh.TechniqueID != "" {
		b.filters(model.Eq(f.TechniqueID, bh.TechniqueID), model.NotEq(f.TechniqueID, bh.TechniqueID))
	}
	b.add("Tactic", screen.JoinID(bh.Tactic, bh.TacticID), "")
	if bh.Tactic != "" {
		b.filters(model.Eq(f.Tactic, bh.Tactic), model.NotEq(f.Tactic, bh.Tactic))
	}
}

// process is a behaviour's process: command line (a pattern to filter on),
// file, path, hashes and user.
func (b *entries) process(bh *model.Behavior) {
	f := b.f
	b.add("Command line", bh.CmdLine, "")
	if bh.CmdLine != "" {
		b.cmdLine(bh.CmdLine)
	}
	b.add("File", bh.FileName, f.FileName)
	b.add("Path", bh.FilePath, "behaviors.filepath")
	b.add("SHA256", bh.SHA256, f.SHA256)
	b.add("MD5", bh.MD5, "behaviors.md5")
	b.add("User", bh.UserName, "behaviors.user_name")
}

// behaviour is the i-th behaviour's section; its entries name it, so the
// copy menu copies from the behaviour under the cursor. The worst one's
// decision fields are in the first section already: its own lists the rest.
func (b *entries) behaviour(d *model.Detection, i int, worst bool) {
	f, bh := b.f, &d.Behaviors[i]
	first := len(b.es)
	b.section(strings.TrimSuffix(fmt.Sprintf("Behaviour %d of %d · %s", i+1, len(d.Behaviors), screen.Time(bh.Time, b.loc)), " · "))
	if !worst {
		b.mitre(bh)
		b.process(bh)
	}
	b.add("Name", bh.DisplayName, "")
	b.add("Description", bh.Description, "")
	b.add("Severity", fmt.Sprintf("%s (%d) · confidence %d", model.BandOf(bh.Severity).Name, bh.Severity, bh.Confidence), "")
	b.add("Scenario", bh.Scenario, f.Scenario)
	b.add("Objective", bh.Objective, "")
	if !worst { // the worst behaviour's parent is in the process tree
		b.add("Parent cmd", bh.ParentCmdLine, "")
		b.add("Parent SHA256", bh.ParentSHA256, "behaviors.parent_details.parent_sha256")
	}
	if bh.IOCValue != "" {
		b.add("IOC", bh.IOCType+": "+bh.IOCValue, "")
		b.add("IOC source", strings.TrimSpace(bh.IOCSource+" "+bh.IOCDescription), "")
	}
	b.add("Action taken", bh.Disposition.Words(), "")
	for j := first; j < len(b.es); j++ {
		b.es[j].behavior = i + 1
	}
}

func (b *entries) quarantined(qs []model.QuarantinedFile) {
	if len(qs) == 0 {
		return
	}
	b.section("Quarantined files")
	for _, q := range qs {
		b.add("File", strings.Join(q.Paths, ", "), "")
		b.add("SHA256", q.SHA256, "quarantined_files.sha256")
		b.add("State", q.State, "")
	}
}

// wholeLabels are the fields whose values are copied whole: never split.
var wholeLabels = map[string]bool{"Id": true, "Incident": true, "SHA256": true, "MD5": true, "Parent SHA256": true, "Device id": true}

// Seek moves the cursor to the first field labelled label (of behaviour n,
// counted from 1, when n > 0), and reports whether there is one.
func (p *Pane) Seek(label string, n int) bool {
	for i, e := range p.entries {
		if e.label == label && !e.section && (n == 0 || e.behavior == n) {
			p.cursor = i
			return true
		}
	}
	return false
}

// Loading reports a pane still waiting for its row (or one that could not
// be read).
func (p *Pane) Loading() bool { return !p.shown }
