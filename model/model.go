// Package model holds the backend-neutral domain of falcon-triage: detections,
// their behaviours, statuses, changes, queries and aggregations, and the
// pure parts of the triage core that every other package speaks.
//
// It must never import Bubble Tea, the API client or anything that does I/O
// by itself: the backends map their wire formats onto these types, and the
// console renders them.
package model

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Status is a triage status as the console knows it. The Detects API accepts
// all of them; the Alerts API accepts new, in_progress, reopened and closed
// and records the verdicts as tags.
type Status string

// The statuses, in the order the status menu lists them.
const (
	StatusNew           Status = "new"
	StatusInProgress    Status = "in_progress"
	StatusTruePositive  Status = "true_positive"
	StatusFalsePositive Status = "false_positive"
	StatusIgnored       Status = "ignored"
	StatusClosed        Status = "closed"
	StatusReopened      Status = "reopened"
)

// Statuses lists every status in menu order.
var Statuses = []Status{StatusNew, StatusInProgress, StatusTruePositive, StatusFalsePositive, StatusIgnored, StatusClosed, StatusReopened}

// Label is the status as an analyst reads it.
func (s Status) Label() string {
	switch s {
	case StatusNew:
		return "New"
	case StatusInProgress:
		return "In progress"
	case StatusTruePositive:
		return "True positive"
	case StatusFalsePositive:
		return "False positive"
	case StatusIgnored:
		return "Ignored"
	case StatusClosed:
		return "Closed"
	case StatusReopened:
		return "Reopened"
	}
	return string(s)
}

// SeverityBand is a named range of the 0–100 severity scale.
type SeverityBand struct {
	Name     string
	From, To int // inclusive
}

// SeverityBands are defined once, here, and used by the list, the detail and
// the overview alike.
var SeverityBands = []SeverityBand{
	{"Informational", 0, 19},
	{"Low", 20, 39},
	{"Medium", 40, 59},
	{"High", 60, 79},
	{"Critical", 80, 100},
}

// BandOf returns the band a severity falls in.
func BandOf(severity int) SeverityBand {
	for _, b := range SeverityBands {
		if severity >= b.From && severity <= b.To {
			return b
		}
	}
	if severity > 100 {
		return SeverityBands[len(SeverityBands)-1]
	}
	return SeverityBands[0]
}

// Device is the host a detection happened on.
type Device struct {
	ID              string
	CID             string
	Hostname        string
	LocalIP         string
	ExternalIP      string
	MACAddress      string
	Platform        string
	OSVersion       string
	AgentVersion    string
	MachineDomain   string
	SiteName        string
	OU              []string
	Groups          []string
	Tags            []string
	ProductTypeDesc string
	FirstSeen       time.Time
	LastSeen        time.Time
}

// Disposition says what the sensor did about a behaviour.
type Disposition struct {
	Code            int
	Detect          bool
	KillProcess     bool
	KillParent      bool
	QuarantineFile  bool
	ProcessBlocked  bool
	OperationBlock  bool
	PolicyDisabled  bool
	RegistryBlocked bool
}

// Words names the actions taken, as an analyst reads them.
func (d Disposition) Words() string {
	var w []string
	if d.KillProcess {
		w = append(w, "process killed")
	}
	if d.KillParent {
		w = append(w, "parent killed")
	}
	if d.QuarantineFile {
		w = append(w, "file quarantined")
	}
	if d.ProcessBlocked {
		w = append(w, "process blocked")
	}
	if d.OperationBlock {
		w = append(w, "operation blocked")
	}
	if d.RegistryBlocked {
		w = append(w, "registry operation blocked")
	}
	if d.PolicyDisabled {
		w = append(w, "policy disabled: detect only")
	}
	if len(w) == 0 {
		if d.Detect {
			return "detected, no action taken"
		}
		return "no action"
	}
	return strings.Join(w, ", ")
}

// Behavior is one observed behaviour of a detection (on Alerts, the alert itself).
type Behavior struct {
	ID              string
	Time            time.Time
	Severity        int
	Confidence      int
	Tactic          string
	TacticID        string
	Technique       string
	TechniqueID     string
	Objective       string
	Scenario        string
	DisplayName     string
	Description     string
	FileName        string
	FilePath        string
	CmdLine         string
	MD5             string
	SHA256          string
	UserName        string
	UserID          string
	IOCType         string
	IOCValue        string
	IOCSource       string
	IOCDescription  string
	Disposition     Disposition
	ParentCmdLine   string
	ParentSHA256    string
	ParentMD5       string
	ControlGraphID  string
	TriggeringGraph string
	// Parent and Grandparent are the alert's parent_details and
	// grandparent_details (Alerts); nil where the service carries none.
	Parent, Grandparent *Process
}

// QuarantinedFile is a file the sensor put aside.
type QuarantinedFile struct {
	ID     string
	Paths  []string
	SHA256 string
	State  string
}

// Detection is one triage row: a Detects detection or an Alerts alert.
type Detection struct {
	ID            string
	CID           string
	AggregateID   string // Alerts: the incident the alert belongs to
	Created       time.Time
	FirstBehavior time.Time
	LastBehavior  time.Time
	Updated       time.Time
	Status        Status
	// Verdict is the verdict a closed Alerts alert carries as a tag (true
	// or false positive, ignored), or "".
	Verdict Status
	// Product is the Falcon product that raised an alert (epp, idp,
	// ngsiem, …; "" on Detects).
	Product string
	// Identity names the accounts and hosts of an alert with no device
	// (identity protection).
	Identity          Identity
	AssigneeUID       string
	AssigneeName      string
	AssigneeUUID      string
	ShowInUI          bool
	MaxSeverity       int
	SeverityName      string
	MaxConfidence     int
	SecondsToTriaged  int64
	SecondsToResolved int64
	AdversaryIDs      []int64
	OverwatchNotes    string
	Tags              []string
	Device            Device
	Domain            string
	ADDisplay         []string
	Behaviors         []Behavior
	Quarantined       []QuarantinedFile
}

// Identity is what an identity alert names instead of a device.
type Identity struct {
	AccountName   string
	AccountUPN    string
	SourceHost    string
	SourceIP      string
	TargetAccount string
}

// Host is the host to show for a row: the device's, or for an alert with no
// device the host or account it names.
func (d *Detection) Host() string {
	if d.Device.Hostname != "" {
		return d.Device.Hostname
	}
	if d.Identity.SourceHost != "" {
		return d.Identity.SourceHost
	}
	return d.Identity.AccountName
}

// Size is about how many bytes a detection holds in memory: its strings and
// a fixed share for the rest. The detail cache is bounded by it.
func (d *Detection) Size() int64 {
	n := 512 + len(d.ID) + len(d.CID) + len(d.AggregateID) + len(d.AssigneeUID) + len(d.AssigneeName) + len(d.AssigneeUUID) +
		len(d.OverwatchNotes) + len(d.Device.Hostname) + len(d.Device.ID) + len(d.Device.OSVersion) + len(d.Domain) +
		len(d.Identity.AccountName) + len(d.Identity.AccountUPN) + len(d.Identity.SourceHost) + len(d.Identity.TargetAccount)
	for _, s := range [][]string{d.Tags, d.ADDisplay, d.Device.OU, d.Device.Groups, d.Device.Tags} {
		for _, x := range s {
			n += 16 + len(x)
		}
	}
	for i := range d.Behaviors {
		b := &d.Behaviors[i]
		n += 384 + len(b.ID) + len(b.Tactic) + len(b.Technique) + len(b.Scenario) + len(b.DisplayName) + len(b.Description) +
			len(b.FileName) + len(b.FilePath) + len(b.CmdLine) + len(b.MD5) + len(b.SHA256) + len(b.UserName) +
			len(b.IOCValue) + len(b.IOCDescription) + len(b.ParentCmdLine) + len(b.ParentSHA256) + len(b.ParentMD5) +
			len(b.ControlGraphID) + len(b.TriggeringGraph)
	}
	for _, q := range d.Quarantined {
		n += 64 + len(q.SHA256)
		for _, p := range q.Paths {
			n += 16 + len(p)
		}
	}
	return int64(n)
}

// Worst returns the behaviour with the highest severity, or nil.
func (d *Detection) Worst() *Behavior {
	var w *Behavior
	for i := range d.Behaviors {
		if w == nil || d.Behaviors[i].Severity > w.Severity {
			w = &d.Behaviors[i]
		}
	}
	return w
}

// Assignee is the name to show for the assignee, or "" when unassigned.
func (d *Detection) Assignee() string {
	if d.AssigneeName != "" {
		return d.AssigneeName
	}
	return d.AssigneeUID
}

// User is a person of the tenant.
type User struct {
	UUID      string
	UID       string // login, usually an email
	FirstName string
	LastName  string
}

// Name is the person's display name.
func (u User) Name() string {
	n := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if n == "" {
		return u.UID
	}
	return n
}

// Sort is a sort field and direction.
type Sort struct {
	Field string
	Desc  bool
}

// String renders the sort as the API takes it: field|asc or field|desc.
func (s Sort) String() string {
	if s.Field == "" {
		return ""
	}
	if s.Desc {
		return s.Field + "|desc"
	}
	return s.Field + "|asc"
}

// ParseSort reads field|asc, field|desc, field.asc, field.desc or a bare
// field (ascending).
func ParseSort(s string) Sort {
	s = strings.TrimSpace(s)
	f, dir, ok := strings.Cut(s, "|")
	if !ok {
		for _, d := range []string{".asc", ".desc"} {
			if strings.HasSuffix(s, d) {
				f, dir = strings.TrimSuffix(s, d), d[1:]
			}
		}
	}
	return Sort{Field: strings.TrimSpace(f), Desc: strings.EqualFold(strings.TrimSpace(dir), "desc")}
}

// Query is one request for ids.
type Query struct {
	Filter string // FQL
	Q      string // free text
	Sort   Sort
	Offset int
	Limit  int
	// Cursor asks for cursor paging (the Alerts combined endpoint), After
	// being the cursor of the page to read ("" for the first).
	Cursor bool
	After  string
}

// Page is the answer to a Query.
type Page struct {
	IDs   []string
	Total int
	// After is the cursor for the next page where the backend has one.
	After string
	// Found holds the rows themselves when the backend's page carries them
	// (the Alerts combined endpoint), so they need not be read again.
	Found []Detection
}

// Change is one update to apply to a set of detections. A nil pointer means
// "leave as is".
type Change struct {
	IDs          []string
	Status       *Status
	AssigneeUUID *string // "" unassigns
	Comment      string
	ShowInUI     *bool
	AddTags      []string
	RemoveTags   []string
	// AssigneeUID and AssigneeName name the assignee for the screen and
	// the audit log; only the UUID is sent.
	AssigneeUID  string
	AssigneeName string
	// Before holds each row's values before the change, for the audit log
	// and undo; it is not sent.
	Before map[string]Values
	// Action is the console's number for the action that sends the change
	// (one run's); Walk is "undo" or "redo" when the action walks the
	// history, and Walks the action whose change it takes back or applies
	// again. For the audit log; not sent.
	Action int
	Walk   string
	Walks  int
}

// ReadBack counts what reading again the rows of unknown outcome found:
// Applied hold what their batch sent, NotApplied do not, Missing no longer
// exist.
type ReadBack struct{ Rows, Applied, NotApplied, Missing int }

// OwedReader is a backend that keeps a record of the rows whose outcome was
// left unknown (the audit log) and reads them again, recording what they
// hold.
type OwedReader interface {
	ReadBackOwed(ctx context.Context) (ReadBack, error)
}

// CommentOnly reports a change that adds a comment and nothing else: it
// cannot be undone, and Detects refuses it without a carrier.
func (c Change) CommentOnly() bool {
	return c.Comment != "" && c.Status == nil && c.AssigneeUUID == nil && c.ShowInUI == nil &&
		len(c.AddTags) == 0 && len(c.RemoveTags) == 0
}

// Empty reports whether the change would change nothing.
func (c Change) Empty() bool {
	return c.Status == nil && c.AssigneeUUID == nil && c.Comment == "" && c.ShowInUI == nil &&
		len(c.AddTags) == 0 && len(c.RemoveTags) == 0
}

// UpdateResult says what happened to a change: of the ids sent, those
// refused and those whose outcome is unknown; every other id sent was
// applied, unless the update's error says otherwise (see Settle).
type UpdateResult struct {
	// Affected is what the service said it changed (resources_affected).
	Affected int
	// Refused maps an id to the reason the service gave for refusing it.
	Refused map[string]string
	// Unknown are the ids that may or may not have been applied: they are
	// read again, never sent again blindly.
	Unknown []string
	TraceID string
}

// AggregateRange is a numeric range of a range aggregation.
type AggregateRange struct {
	From *float64
	To   *float64
}

// DateRange is a range of a date_range aggregation (RFC 3339 or date math).
type DateRange struct {
	From string
	To   string
}

// AggregateRequest asks for one aggregation.
type AggregateRequest struct {
	Name          string
	Type          string // terms, date_histogram, date_range, range, cardinality, max, min, avg, sum, percentiles
	Field         string
	Filter        string
	Q             string
	Interval      string
	Size          int
	Sort          string
	MinDocCount   *int
	Missing       string
	TimeZone      string
	DateRanges    []DateRange
	Ranges        []AggregateRange
	SubAggregates []AggregateRequest
}

// Bucket is one bucket of an aggregation result.
type Bucket struct {
	Label         string
	Count         int64
	Value         *float64
	From          *float64
	To            *float64
	KeyAsString   string
	SubAggregates []Aggregation
}

// Aggregation is one aggregation result.
type Aggregation struct {
	Name             string
	Buckets          []Bucket
	SumOtherDocCount int64
	// ErrorUpperBound is doc_count_error_upper_bound: terms counts are
	// approximate when it is above zero.
	ErrorUpperBound int64
}

// Fields is a backend's table of field names. Every filter, sort, quick
// filter and aggregation the console builds takes its names from here, so a
// backend with other names (Alerts) changes one table, not every screen.
type Fields struct {
	ID       string
	Status   string
	Severity string
	Time     string // the time the list sorts by first
	Created  string
	Updated  string
	Hostname string
	// IdentityHost is the host an alert without a device names (Alerts'
	// identity alerts), "" where the backend has none.
	IdentityHost string
	Platform     string
	AssigneeUID  string
	AssigneeName string
	ShowInUI     string
	Tactic       string
	Technique    string
	TechniqueID  string
	Scenario     string
	SHA256       string
	FileName     string
	CmdLine      string
	AggregateID  string
	Tags         string
	// Product is the product field (Alerts), "" where the backend has none.
	Product    string
	SecondsTo  [2]string // triaged, resolved
	SortFields []string
	// StableSorts are the sort fields whose values never change, the only
	// ones a cursor may walk: on another the order can shift while paging.
	StableSorts []string
	// VerdictTags are the tags that record a verdict on a closed row
	// (Alerts), by verdict.
	VerdictTags map[Status]string
	// NoUnassign says why the backend cannot take an assignee away ("":
	// it can): the console does not offer it there.
	NoUnassign string
	// MultiValued are the fields a row can hold several values of (the
	// behaviours' fields on Detects): a terms count over them can count a
	// row in several buckets.
	MultiValued []string
	// Filterable are the fields the backend's filters take; Renamed maps
	// the other backend's names to this one's (max_severity → severity
	// on Alerts). A filter naming another field is refused before it is
	// sent (CheckFilter).
	Filterable FilterTable
	Renamed    map[string]string
}

// VerdictOf is the verdict a row's tags record, or "".
func (f Fields) VerdictOf(tags []string) Status {
	for _, s := range Statuses {
		if t, ok := f.VerdictTags[s]; ok && slices.Contains(tags, t) {
			return s
		}
	}
	return ""
}

// IsMultiValued reports whether a field can hold several values per row.
func (f Fields) IsMultiValued(field string) bool {
	for _, m := range f.MultiValued {
		if m == field {
			return true
		}
	}
	return false
}

// Backend is what the console and export need from a Falcon API backend.
// Both the Detects and the Alerts backends implement it with the same types.
type Backend interface {
	// Name is "detects" or "alerts".
	Name() string
	Fields() Fields
	// Statuses are the statuses the backend accepts in an update.
	Statuses() []Status
	Query(ctx context.Context, q Query) (Page, error)
	// Details returns the detections it found and, per id, why the others
	// could not be read.
	Details(ctx context.Context, ids []string) ([]Detection, map[string]string, error)
	// Update sends a change of at most MaxIDs ids. Its result and error
	// together say what became of each id; read them with Settle.
	Update(ctx context.Context, c Change) (UpdateResult, error)
	Aggregate(ctx context.Context, reqs []AggregateRequest) ([]Aggregation, error)
	// SortValue renders d's value of a sort field as an FQL literal, for
	// keyset paging past the result window.
	SortValue(d *Detection, field string) (string, bool)
	// Window is the largest offset+limit the query endpoint serves.
	Window() int
	// MaxIDs is the most ids one details or update request may carry.
	MaxIDs() int
	// CursorPaging reports a backend that pages with a cursor past any
	// window (Alerts), instead of offsets and keysets.
	CursorPaging() bool
	// Effective is the change as the backend sends it: on Alerts a verdict
	// is the closed status plus its tag, the other verdict tags removed.
	// The optimistic rows, undo and the audit log all use it.
	Effective(c Change) Change
	// Why says why this backend is the one in use (auto's choice).
	Why() string
}
