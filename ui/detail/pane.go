// Package detail is the detail pane: every field of one row an analyst
// needs for a verdict, with a field cursor for + and - (filter on the value,
// or exclude it) and y (copy from the behaviour under it). It shows the row
// the store holds, by id, and follows it as the store changes; it sends
// nothing to the service and knows nothing of the other parts.
package detail

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

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
	// matched exactly (a command line, a path), to edit before it runs.
	pattern string
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
	// lines is the wrapped rendering for width, with the entry of each line.
	width   int
	lines   []string
	lineOf  []int
	firstOf []int
}

// New opens the pane on the row id; Follow fills it in.
func New(id string, keys keymap.KeyMap, height int) *Pane {
	return &Pane{id: id, keys: keys, height: height}
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
	// Handled: the key meant something here; else it is the list's.
	Handled bool
}

// Follow shows the newest values the store holds of the row (a read
// landing, an action's preview, its re-read, a rollback): the pane never
// shows stale values. Until the row is read it says so, or why it could
// not be.
func (p *Pane) Follow(store *rows.Store, f model.Fields, loc *time.Location) {
	if d, ok := store.Peek(p.id); ok {
		if v := store.Version(p.id); !p.shown || v != p.version {
			p.entries, p.shown, p.version, p.lines = buildEntries(d, f, loc), true, v, nil
			p.move(0)
		}
		return
	}
	line := entry{label: "Loading", value: "reading the detection…"}
	if why := store.Failed(p.id); why != "" {
		line = entry{label: "Unreadable", value: screen.Sanitize(why) + " (r retries)"}
	}
	if p.shown || len(p.entries) != 1 || p.entries[0] != line {
		p.entries, p.shown, p.lines, p.cursor = []entry{line}, false, nil, 0
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
		act, ok := p.keys.Match(msg.String())
		if ok {
			return p.key(act), nil
		}
	}
	return Out{}, nil
}

func (p *Pane) key(act keymap.Action) Out {
	half := max(1, (p.height-4)/2)
	switch act {
	case keymap.Down:
		p.move(1)
	case keymap.Up:
		p.move(-1)
	case keymap.HalfDown, keymap.PageDown:
		p.move(half)
	case keymap.HalfUp, keymap.PageUp:
		p.move(-half)
	case keymap.Top:
		p.cursor = 0
	case keymap.Bottom:
		p.cursor = len(p.entries) - 1
	case keymap.Back:
		return Out{Close: true, Handled: true}
	case keymap.Open:
	case keymap.AddFilter, keymap.ExcludeFilter:
		return p.pivot(act == keymap.AddFilter)
	default:
		return Out{}
	}
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
	}
	return Out{Say: e.label + " cannot be filtered on: move to another field", Handled: true}
}

func (p *Pane) move(n int) {
	p.cursor = max(0, min(len(p.entries)-1, p.cursor+n))
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
	es  []entry
	f   model.Fields
	loc *time.Location
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

func (b *entries) section(title string) { b.es = append(b.es, entry{label: title, section: true}) }

func buildEntries(d *model.Detection, f model.Fields, loc *time.Location) []entry {
	b := &entries{f: f, loc: loc}
	b.triage(d)
	b.times(d)
	b.identity(d.Identity)
	b.host(d)
	for i := range d.Behaviors {
		b.behaviour(d, i)
	}
	b.quarantined(d.Quarantined)
	return b.es
}

// triage is the row's own section: what it is and where its triage stands.
func (b *entries) triage(d *model.Detection) {
	f := b.f
	if f.Product != "" {
		b.section("Alert")
	} else {
		b.section("Detection")
	}
	b.add("Id", d.ID, f.ID)
	if f.Product != "" {
		b.add("Product", d.Product, f.Product)
	}
	if d.AggregateID != "" {
		b.add("Incident", d.AggregateID, f.AggregateID)
	}
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
	band := model.BandOf(d.MaxSeverity).Name
	b.es = append(b.es, entry{label: "Severity", value: fmt.Sprintf("%s (%d) · confidence %d", band, d.MaxSeverity, d.MaxConfidence),
		in: model.Num(f.Severity, ">=", int64(d.MaxSeverity)), out: model.Num(f.Severity, "<", int64(d.MaxSeverity))})
	if !d.ShowInUI {
		b.add("Visibility", "hidden from the console", "")
	}
	b.add("Tags", strings.Join(d.Tags, ", "), "")
}

// times are the row's times and what analysts and the sensor added.
func (b *entries) times(d *model.Detection) {
	loc := b.loc
	b.add("First behaviour", screen.Time(d.FirstBehavior, loc), "")
	b.add("Last behaviour", screen.Time(d.LastBehavior, loc), "")
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

// identity is what an identity alert names instead of a device.
func (b *entries) identity(id model.Identity) {
	if id == (model.Identity{}) {
		return
	}
	b.section("Identity")
	b.add("Account", id.AccountName, "source_account_name")
	b.add("Account UPN", id.AccountUPN, "source_account_upn")
	b.add("Source host", id.SourceHost, "source_endpoint_host_name")
	b.add("Source IP", id.SourceIP, "source_endpoint_ip_address")
	b.add("Target account", id.TargetAccount, "target_account_name")
}

// host is the device; an alert with none (identity, SIEM) has no section.
func (b *entries) host(d *model.Detection) {
	dev := d.Device
	if dev.ID == "" && dev.Hostname == "" {
		return
	}
	b.section("Host")
	b.add("Hostname", dev.Hostname, b.f.Hostname)
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

// behaviour is the i-th behaviour's section; its entries name it, so the
// copy menu copies from the behaviour under the cursor.
func (b *entries) behaviour(d *model.Detection, i int) {
	f, bh := b.f, &d.Behaviors[i]
	first := len(b.es)
	b.section(fmt.Sprintf("Behaviour %d of %d · %s", i+1, len(d.Behaviors), screen.Time(bh.Time, b.loc)))
	b.add("Tactic", screen.JoinID(bh.Tactic, bh.TacticID), "")
	if bh.Tactic != "" {
		b.filters(model.Eq(f.Tactic, bh.Tactic), model.NotEq(f.Tactic, bh.Tactic))
	}
	b.add("Technique", screen.JoinID(bh.Technique, bh.TechniqueID), "")
	if bh.TechniqueID != "" {
		b.filters(model.Eq(f.TechniqueID, bh.TechniqueID), model.NotEq(f.TechniqueID, bh.TechniqueID))
	}
	b.add("Severity", fmt.Sprintf("%s (%d) · confidence %d", model.BandOf(bh.Severity).Name, bh.Severity, bh.Confidence), "")
	b.add("Scenario", bh.Scenario, f.Scenario)
	b.add("Objective", bh.Objective, "")
	b.add("Name", bh.DisplayName, "")
	b.add("Description", bh.Description, "")
	b.add("User", bh.UserName, "behaviors.user_name")
	b.add("File", bh.FileName, f.FileName)
	b.add("Path", bh.FilePath, "behaviors.filepath")
	b.add("Command line", bh.CmdLine, "")
	if bh.CmdLine != "" {
		b.es[len(b.es)-1].pattern = model.Wildcard(f.CmdLine, "*"+bh.CmdLine+"*")
	}
	b.add("Parent cmd", bh.ParentCmdLine, "")
	b.add("SHA256", bh.SHA256, f.SHA256)
	b.add("MD5", bh.MD5, "behaviors.md5")
	b.add("Parent SHA256", bh.ParentSHA256, "behaviors.parent_details.parent_sha256")
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

const labelWidth = 15

// layout wraps the entries to width (memoised per width).
func (p *Pane) layout(width int, st *screen.Styles) {
	if p.width == width && p.lines != nil {
		return
	}
	p.width = width
	p.lines, p.lineOf, p.firstOf = p.lines[:0], p.lineOf[:0], p.firstOf[:0]
	valW := max(10, width-labelWidth-2)
	for i, e := range p.entries {
		p.firstOf = append(p.firstOf, len(p.lines))
		if e.section {
			p.lines = append(p.lines, st.Section.Render(screen.Truncate("── "+e.label+" ", width)))
			p.lineOf = append(p.lineOf, i)
			continue
		}
		value := e.value
		if e.whole && screen.Width(value) > valW {
			r := []rune(value)
			head := max(1, (valW-1)/2)
			value = string(r[:head]) + "…" + string(r[len(r)-(valW-1-head):])
		}
		wrapped := strings.Split(ansi.Hardwrap(ansi.Wordwrap(value, valW, " /\\,;"), valW, true), "\n")
		if e.whole {
			wrapped = wrapped[:1]
		}
		for j, w := range wrapped {
			lab := ""
			if j == 0 {
				lab = e.label
			}
			p.lines = append(p.lines, " "+st.Label.Render(screen.PadRight(lab, labelWidth))+" "+w)
			p.lineOf = append(p.lineOf, i)
		}
	}
}

// View renders height lines of the pane, keeping the cursor entry in sight.
func (p *Pane) View(width, height int, st *screen.Styles) []string {
	p.layout(width, st)
	first := p.firstOf[p.cursor]
	last := first
	for last+1 < len(p.lines) && p.lineOf[last+1] == p.cursor {
		last++
	}
	top := 0
	if last >= height {
		top = last - height + 1
	}
	if first < top {
		top = first
	}
	out := make([]string, 0, height)
	for i := top; i < len(p.lines) && len(out) < height; i++ {
		line := p.lines[i]
		if p.lineOf[i] == p.cursor {
			line = "▶" + strings.TrimPrefix(ansi.Strip(line), " ")
			line = st.Cursor.Render(screen.PadRight(line, width))
		}
		out = append(out, line)
	}
	return out
}

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
