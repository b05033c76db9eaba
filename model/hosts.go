package model

import (
	"context"
	"errors"
	"time"
)

// HostStatus is a host's network containment state. Containment is
// asynchronous: a host stays pending until its sensor acknowledges.
type HostStatus string

// The containment states the Hosts API reports.
const (
	HostNormal             HostStatus = "normal"
	HostContainmentPending HostStatus = "containment_pending"
	HostContained          HostStatus = "contained"
	HostLiftPending        HostStatus = "lift_containment_pending"
)

// Label is the state as an analyst reads it (words, never only a colour).
func (s HostStatus) Label() string {
	switch s {
	case HostNormal:
		return "normal"
	case HostContainmentPending:
		return "containment pending"
	case HostContained:
		return "contained"
	case HostLiftPending:
		return "lift pending"
	}
	return string(s)
}

// Pending reports a state the sensor has not acknowledged yet: the host is
// followed until it settles.
func (s HostStatus) Pending() bool {
	return s == HostContainmentPending || s == HostLiftPending
}

// ContainAction is a containment action the console may send. Only the two
// constants exist: no other action name can reach the service.
type ContainAction struct{ name string }

// The containment actions.
var (
	Contain         = ContainAction{"contain"}
	LiftContainment = ContainAction{"lift_containment"}
)

// String is the action_name the service takes.
func (a ContainAction) String() string { return a.name }

// Valid reports one of the two actions (the zero value is not).
func (a ContainAction) Valid() bool { return a == Contain || a == LiftContainment }

// Target is the state the action ends in once the sensor acknowledges.
func (a ContainAction) Target() HostStatus {
	if a == LiftContainment {
		return HostNormal
	}
	return HostContained
}

// PendingState is the state the action leaves a host in until then.
func (a ContainAction) PendingState() HostStatus {
	if a == LiftContainment {
		return HostLiftPending
	}
	return HostContainmentPending
}

// Label names the action for a confirmation or the audit trail.
func (a ContainAction) Label() string {
	if a == LiftContainment {
		return "lift containment"
	}
	return "contain"
}

// ActionFor is the action that takes a host out of its state: lift for a
// contained (or containing) host, contain for the others.
func ActionFor(s HostStatus) ContainAction {
	if s == HostContained || s == HostContainmentPending {
		return LiftContainment
	}
	return Contain
}

// Host is a device as the Hosts API describes it. Every string is the
// service's (and the endpoint's): sanitise before display.
type Host struct {
	ID              string // the AID, the alert's device.device_id
	CID             string
	Hostname        string
	Platform        string // Windows, Mac, Linux
	OSVersion       string
	OSBuild         string
	AgentVersion    string
	FirstSeen       time.Time
	LastSeen        time.Time
	Modified        time.Time
	Status          HostStatus
	LocalIP         string
	ExternalIP      string
	ConnectionIP    string
	MACAddress      string
	MachineDomain   string
	OU              []string
	SiteName        string
	ProductTypeDesc string // Workstation, Server, Domain Controller
	Tags            []string
	// Groups are the host group ids the service lists; their names need
	// another API (host groups) and are not read.
	Groups []string
	// ReducedFunctionality is the sensor's reduced functionality mode
	// (yes, no, or "" when unknown).
	ReducedFunctionality string
}

// ContainResult says what became of a containment request, per host: every
// host asked for is in exactly one of Accepted, Done, Refused, Unknown or
// NotSent.
type ContainResult struct {
	Action ContainAction
	// Accepted are the hosts the service took (202): pending until their
	// sensors acknowledge.
	Accepted []string
	// Done were already in the requested state (409): nothing to do.
	Done []string
	// Refused maps a host to the reason the service gave.
	Refused map[string]string
	// Unknown may or may not have been taken (a lost answer, an answer
	// that named neither them nor an error for them): read their status,
	// never send blindly again.
	Unknown []string
	// NotSent were never sent: an earlier request of the same action
	// failed as a whole.
	NotSent []string
	TraceID string
}

// Hosts is what the console needs of the Hosts API (scopes Hosts: read and
// Hosts: write). Any number of hosts may be asked for: the implementation
// splits them within the service's limits.
type Hosts interface {
	// Hosts reads hosts by AID: those found, and per AID not found why.
	Hosts(ctx context.Context, aids []string) ([]Host, map[string]string, error)
	// Contain sends a containment action for the hosts. The result names
	// what became of each host, also alongside an error (a request cut
	// off part way).
	Contain(ctx context.Context, action ContainAction, aids []string) (ContainResult, error)
}

// DeviceIDField is the field that names an alert's (or a detection's) host
// on both backends.
const DeviceIDField = "device.device_id"

// alertCountWindow is how far back a host's alert count looks.
const alertCountWindow = 7 * 24 * time.Hour

// AlertCounts counts each host's alerts created in the seven days before
// now, in one aggregation request for all of them: a terms count on
// device.device_id filtered to those hosts. A host with none counts 0.
func AlertCounts(ctx context.Context, b Backend, aids []string, now time.Time) (map[string]int64, error) {
	out := make(map[string]int64, len(aids))
	var ask []string
	for _, id := range aids {
		if _, dup := out[id]; !dup && id != "" {
			out[id] = 0
			ask = append(ask, id)
		}
	}
	if len(ask) == 0 {
		return out, nil
	}
	f := b.Fields()
	aggs, err := b.Aggregate(ctx, []AggregateRequest{{
		Name:   "hosts_7d",
		Type:   "terms",
		Field:  DeviceIDField,
		Filter: And(In(DeviceIDField, ask), After(f.Created, now.Add(-alertCountWindow))),
		Size:   len(ask),
	}})
	if err != nil {
		return nil, err
	}
	for _, a := range aggs {
		if a.Name != "hosts_7d" {
			continue
		}
		for _, bk := range a.Buckets {
			// Only the hosts asked for: a bucket for another is no answer.
			if _, ok := out[bk.Label]; ok && bk.Count >= 0 {
				out[bk.Label] = bk.Count
			}
		}
		return out, nil
	}
	return nil, errors.New("counting alerts per host: the service answered no aggregation")
}

// HostCache keeps hosts read by AID, so the details of many alerts on few
// hosts read each host once, and their seven-day alert counts likewise. It
// is used as the detail cache is, from the console's update loop alone (not
// safe for concurrent use): Need says what to fetch and marks it in flight,
// Done stores the answer.
type HostCache struct {
	hosts    map[string]Host
	failed   map[string]string
	inflight map[string]bool
	counts   map[string]int64
	counting map[string]bool
}

// NewHostCache returns an empty cache.
func NewHostCache() *HostCache {
	return &HostCache{hosts: map[string]Host{}, failed: map[string]string{}, inflight: map[string]bool{},
		counts: map[string]int64{}, counting: map[string]bool{}}
}

// Host returns a cached host.
func (c *HostCache) Host(aid string) (Host, bool) {
	h, ok := c.hosts[aid]
	return h, ok
}

// Failed is why a host could not be read, or "".
func (c *HostCache) Failed(aid string) string { return c.failed[aid] }

// Loading reports a host being read.
func (c *HostCache) Loading(aid string) bool { return c.inflight[aid] }

// Need returns the AIDs of want neither cached, nor being read, nor failed,
// each once, and marks them in flight: the caller reads exactly these and
// reports back with Done.
func (c *HostCache) Need(want []string) []string {
	var out []string
	for _, id := range want {
		if id == "" || c.inflight[id] || c.failed[id] != "" {
			continue
		}
		if _, ok := c.hosts[id]; ok {
			continue
		}
		c.inflight[id] = true
		out = append(out, id)
	}
	return out
}

// Done stores the answer to a read of aids: the hosts found (only those
// asked for), why others were not, or an error for them all. A cancelled
// read is no failure.
func (c *HostCache) Done(aids []string, found []Host, missing map[string]string, err error) {
	asked := make(map[string]bool, len(aids))
	for _, id := range aids {
		asked[id] = true
		delete(c.inflight, id)
	}
	for _, h := range found {
		if asked[h.ID] {
			c.hosts[h.ID] = h
			delete(c.failed, h.ID)
		}
	}
	for id, why := range missing {
		if asked[id] {
			if _, ok := c.hosts[id]; !ok {
				c.failed[id] = why
			}
		}
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		for _, id := range aids {
			if _, ok := c.hosts[id]; !ok {
				c.failed[id] = err.Error()
			}
		}
	}
}

// Put replaces a cached host (a status read while following a
// containment).
func (c *HostCache) Put(h Host) {
	if h.ID == "" {
		return
	}
	c.hosts[h.ID] = h
	delete(c.failed, h.ID)
}

// Forget drops hosts and their failures, so the next Need reads them again.
func (c *HostCache) Forget(aids ...string) {
	for _, id := range aids {
		delete(c.hosts, id)
		delete(c.failed, id)
	}
}

// Count returns a host's cached seven-day alert count.
func (c *HostCache) Count(aid string) (int64, bool) {
	n, ok := c.counts[aid]
	return n, ok
}

// NeedCounts returns the AIDs of want whose count is neither cached nor
// being counted, and marks them: count them in one AlertCounts request and
// report back with CountsDone.
func (c *HostCache) NeedCounts(want []string) []string {
	var out []string
	for _, id := range want {
		if id == "" || c.counting[id] {
			continue
		}
		if _, ok := c.counts[id]; ok {
			continue
		}
		c.counting[id] = true
		out = append(out, id)
	}
	return out
}

// CountsDone stores counted hosts; on an error they are not cached, and
// are counted again when next needed.
func (c *HostCache) CountsDone(aids []string, counts map[string]int64, err error) {
	for _, id := range aids {
		delete(c.counting, id)
		if n, ok := counts[id]; ok && err == nil {
			c.counts[id] = n
		}
	}
}
