package ui

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

// detailPane shows one detection: every field an analyst needs for a
// verdict, a field cursor for `+`/`-`, scrolling with the list's keys.
type detailPane struct {
	id      string
	entries []entry
	cursor  int
	loading bool   // the row is not read yet
	version uint64 // the store's version of the row shown
	// lines is the wrapped rendering for width, with the entry of each line.
	width   int
	lines   []string
	lineOf  []int
	firstOf []int
}

func buildEntries(d *model.Detection, f model.Fields, loc *time.Location) []entry {
	var es []entry
	add := func(label, value, field string) {
		if value == "" {
			return
		}
		e := entry{label: label, value: screen.Sanitize(value), whole: wholeLabels[label]}
		if field != "" {
			e.in, e.out = model.Eq(field, value), model.NotEq(field, value)
		}
		es = append(es, e)
	}
	section := func(title string) { es = append(es, entry{label: title, section: true}) }
	if f.Product != "" {
		section("Alert")
	} else {
		section("Detection")
	}
	add("Id", d.ID, f.ID)
	if f.Product != "" {
		add("Product", d.Product, f.Product)
	}
	if d.AggregateID != "" {
		add("Incident", d.AggregateID, f.AggregateID)
	}
	add("Status", screen.StatusLabel(d), "")
	es[len(es)-1].in, es[len(es)-1].out = model.Eq(f.Status, string(d.Status)), model.NotEq(f.Status, string(d.Status))
	if d.Assignee() != "" {
		v := d.Assignee()
		if d.AssigneeUID != "" && d.AssigneeUID != v {
			v += " (" + d.AssigneeUID + ")"
		}
		add("Assignee", v, "")
		es[len(es)-1].in, es[len(es)-1].out = model.Eq(f.AssigneeUID, d.AssigneeUID), model.NotEq(f.AssigneeUID, d.AssigneeUID)
	} else {
		es = append(es, entry{label: "Assignee", value: "unassigned", in: model.Null(f.AssigneeUID), out: f.AssigneeUID + ":!null"})
	}
	band := model.BandOf(d.MaxSeverity).Name
	es = append(es, entry{label: "Severity", value: fmt.Sprintf("%s (%d) · confidence %d", band, d.MaxSeverity, d.MaxConfidence),
		in: model.Num(f.Severity, ">=", int64(d.MaxSeverity)), out: model.Num(f.Severity, "<", int64(d.MaxSeverity))})
	if !d.ShowInUI {
		add("Visibility", "hidden from the console", "")
	}
	if len(d.Tags) > 0 {
		add("Tags", strings.Join(d.Tags, ", "), "")
	}
	add("First behaviour", screen.Time(d.FirstBehavior, loc), "")
	add("Last behaviour", screen.Time(d.LastBehavior, loc), "")
	add("Created", screen.Time(d.Created, loc), "")
	add("Updated", screen.Time(d.Updated, loc), "")
	if d.SecondsToTriaged > 0 {
		add("Triaged after", screen.Duration(time.Duration(d.SecondsToTriaged)*time.Second), "")
	}
	if d.SecondsToResolved > 0 {
		add("Resolved after", screen.Duration(time.Duration(d.SecondsToResolved)*time.Second), "")
	}
	if len(d.AdversaryIDs) > 0 {
		ids := make([]string, len(d.AdversaryIDs))
		for i, a := range d.AdversaryIDs {
			ids[i] = strconv.FormatInt(a, 10)
		}
		add("Adversaries", strings.Join(ids, ", "), "")
	}
	add("OverWatch", d.OverwatchNotes, "")

	if id := d.Identity; id != (model.Identity{}) {
		section("Identity")
		add("Account", id.AccountName, "source_account_name")
		add("Account UPN", id.AccountUPN, "source_account_upn")
		add("Source host", id.SourceHost, "source_endpoint_host_name")
		add("Source IP", id.SourceIP, "source_endpoint_ip_address")
		add("Target account", id.TargetAccount, "target_account_name")
	}
	// An alert with no device (identity, SIEM) has no host section.
	if dev := d.Device; dev.ID != "" || dev.Hostname != "" {
		section("Host")
		add("Hostname", dev.Hostname, f.Hostname)
		add("Platform", strings.Trim(dev.Platform+" · "+dev.OSVersion+" · "+dev.ProductTypeDesc, " ·"), "")
		add("Local IP", dev.LocalIP, "device.local_ip")
		add("External IP", dev.ExternalIP, "device.external_ip")
		add("MAC", dev.MACAddress, "")
		add("Domain", cmp.Or(dev.MachineDomain, d.Domain), "device.machine_domain")
		add("OU", strings.Join(dev.OU, ", "), "")
		add("AD", strings.Join(d.ADDisplay, ", "), "")
		add("Site", dev.SiteName, "device.site_name")
		add("Agent", dev.AgentVersion, "")
		add("Device id", dev.ID, "device.device_id")
	}

	for i := range d.Behaviors {
		b := &d.Behaviors[i]
		first := len(es)
		section(fmt.Sprintf("Behaviour %d of %d · %s", i+1, len(d.Behaviors), screen.Time(b.Time, loc)))
		add("Tactic", joinID(b.Tactic, b.TacticID), "")
		if b.Tactic != "" {
			es[len(es)-1].in, es[len(es)-1].out = model.Eq(f.Tactic, b.Tactic), model.NotEq(f.Tactic, b.Tactic)
		}
		add("Technique", joinID(b.Technique, b.TechniqueID), "")
		if b.TechniqueID != "" {
			es[len(es)-1].in, es[len(es)-1].out = model.Eq(f.TechniqueID, b.TechniqueID), model.NotEq(f.TechniqueID, b.TechniqueID)
		}
		add("Severity", fmt.Sprintf("%s (%d) · confidence %d", model.BandOf(b.Severity).Name, b.Severity, b.Confidence), "")
		add("Scenario", b.Scenario, f.Scenario)
		add("Objective", b.Objective, "")
		add("Name", b.DisplayName, "")
		add("Description", b.Description, "")
		add("User", b.UserName, "behaviors.user_name")
		add("File", b.FileName, f.FileName)
		add("Path", b.FilePath, "behaviors.filepath")
		add("Command line", b.CmdLine, "")
		if b.CmdLine != "" {
			es[len(es)-1].pattern = model.Wildcard(f.CmdLine, "*"+b.CmdLine+"*")
		}
		add("Parent cmd", b.ParentCmdLine, "")
		add("SHA256", b.SHA256, f.SHA256)
		add("MD5", b.MD5, "behaviors.md5")
		add("Parent SHA256", b.ParentSHA256, "behaviors.parent_details.parent_sha256")
		if b.IOCValue != "" {
			add("IOC", b.IOCType+": "+b.IOCValue, "")
			add("IOC source", strings.TrimSpace(b.IOCSource+" "+b.IOCDescription), "")
		}
		add("Action taken", b.Disposition.Words(), "")
		for j := first; j < len(es); j++ {
			es[j].behavior = i + 1
		}
	}
	if len(d.Quarantined) > 0 {
		section("Quarantined files")
		for _, q := range d.Quarantined {
			add("File", strings.Join(q.Paths, ", "), "")
			add("SHA256", q.SHA256, "quarantined_files.sha256")
			add("State", q.State, "")
		}
	}
	return es
}

// wholeLabels are the fields whose values are copied whole: never split.
var wholeLabels = map[string]bool{"Id": true, "Incident": true, "SHA256": true, "MD5": true, "Parent SHA256": true, "Device id": true}

func joinID(name, id string) string {
	switch {
	case name == "":
		return id
	case id == "":
		return name
	}
	return name + " (" + id + ")"
}

const labelWidth = 15

// layout wraps the entries to width (memoised per width).
func (p *detailPane) layout(width int, st *screen.Styles) {
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

// view renders height lines of the pane, keeping the cursor entry in sight.
func (p *detailPane) view(width, height int, st *screen.Styles) []string {
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

// show (re)builds the pane from the row, keeping the field cursor.
func (p *detailPane) show(d *model.Detection, f model.Fields, loc *time.Location) {
	p.entries, p.loading, p.lines = buildEntries(d, f, loc), false, nil
	p.move(0)
}

// openDetail opens the detail of the row under the cursor, or says it is
// loading; the row's read, when it lands, fills it in.
func (m *Model) openDetail() {
	id := m.list.cursorID()
	if id == "" {
		return
	}
	if m.detail == nil || m.detail.id != id {
		m.detail = &detailPane{id: id}
	}
	if d, ok := m.rows.Peek(id); ok {
		if m.detail.loading || m.detail.entries == nil {
			m.detail.show(d, m.f, m.o.Location)
			m.detail.version = m.rows.Version(id)
		}
		return
	}
	m.detail.loading = true
	m.detail.entries = []entry{{label: "Loading", value: "reading the detection…"}}
	m.detail.lines = nil
}

// onDetailKey handles the keys that mean something else while the detail is
// open: movement scrolls the detail, esc closes it, +/- filter on a field.
func (m *Model) onDetailKey(act keymap.Action) (tea.Cmd, bool) {
	d := m.detail
	half := max(1, (m.height-4)/2)
	switch act {
	case keymap.Down:
		d.move(1)
	case keymap.Up:
		d.move(-1)
	case keymap.HalfDown, keymap.PageDown:
		d.move(half)
	case keymap.HalfUp, keymap.PageUp:
		d.move(-half)
	case keymap.Top:
		d.cursor = 0
	case keymap.Bottom:
		d.cursor = len(d.entries) - 1
	case keymap.Back:
		m.detail = nil
	case keymap.Open:
	case keymap.AddFilter, keymap.ExcludeFilter:
		e := d.entries[d.cursor]
		clause := e.in
		if act == keymap.ExcludeFilter {
			clause = e.out
		}
		if clause == "" && e.pattern != "" && act == keymap.AddFilter {
			// No exact match for a command line: a pattern around it,
			// to edit before it runs.
			m.say("a pattern around the value: edit it, enter runs it")
			return m.openInput(inputFilter, model.And(m.list.latest().filter, e.pattern), nil), true
		}
		if clause == "" {
			m.say(e.label + " cannot be filtered on: move to another field")
			return nil, true
		}
		if m.width < sidePaneWidth {
			// A pivot shows the list it asks for: the full-screen detail
			// closes now, with the key, not when the rows land.
			m.detail = nil
		}
		return m.addClause(clause), true
	default:
		return nil, false
	}
	return nil, true
}

func (p *detailPane) move(n int) {
	p.cursor = max(0, min(len(p.entries)-1, p.cursor+n))
}

// followDetail shows the row's newest values once the store has them (a
// read landing, an action's preview, its re-read, a rollback): the detail
// never shows stale values.
func (m *Model) followDetail() {
	p := m.detail
	if p == nil {
		return
	}
	v := m.rows.Version(p.id)
	if v == p.version {
		return
	}
	if d, ok := m.rows.Peek(p.id); ok {
		p.show(d, m.f, m.o.Location)
		p.version = v
	}
}
