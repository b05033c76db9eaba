package fake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// The Hosts API: one host per device id the alerts carry, made from the
// device data of its latest detection (nothing is drawn from the
// generator, so the generated alerts stay the same), and network
// containment with its pending states: a host stays containment_pending
// (or lift_containment_pending) until its sensor acknowledges, which it
// does Options.ContainAfter after the request, by the fake's clock.

// The devices API's limits.
const (
	maxHostsGet     = 100
	maxHostsPost    = 5000
	maxHostsActions = 500
)

// defaultContainAfter is how long a sensor takes to acknowledge a
// containment action unless Options.ContainAfter says otherwise.
const defaultContainAfter = 5 * time.Second

// hostTable is the fake's hosts, made as the detections and alerts that
// name them appear.
type hostTable struct {
	byID  map[string]*fakeHost
	order []string
	// dets and alerts are how many of the server's detections and alerts
	// have been looked at for new hosts.
	dets, alerts int
	log          []HostRequest
}

// HostRequest is one request to the Hosts API as the fake received it, for
// tests counting requests and their sizes.
type HostRequest struct {
	Op     string // hosts-get or hosts-action
	Action string // the action_name of hosts-action
	IDs    int
}

type fakeHost struct {
	DeviceID        string   `json:"device_id"`
	CID             string   `json:"cid"`
	Hostname        string   `json:"hostname"`
	PlatformName    string   `json:"platform_name"`
	OSVersion       string   `json:"os_version"`
	OSBuild         string   `json:"os_build"`
	AgentVersion    string   `json:"agent_version"`
	FirstSeen       string   `json:"first_seen"`
	LastSeen        string   `json:"last_seen"`
	Modified        string   `json:"modified_timestamp"`
	Status          string   `json:"status"`
	LocalIP         string   `json:"local_ip"`
	ExternalIP      string   `json:"external_ip"`
	ConnectionIP    string   `json:"connection_ip"`
	MACAddress      string   `json:"mac_address"`
	MachineDomain   string   `json:"machine_domain,omitempty"`
	OU              []string `json:"ou,omitempty"`
	SiteName        string   `json:"site_name,omitempty"`
	ProductTypeDesc string   `json:"product_type_desc"`
	Tags            []string `json:"tags"`
	Groups          []string `json:"groups"`
	ReducedMode     string   `json:"reduced_functionality_mode"`
	// pendingSince is when the pending action was taken.
	pendingSince time.Time
}

// osBuilds are the build numbers the fake's OS versions report.
var osBuilds = map[string]string{
	"Windows 10": "19045", "Windows 11": "26100", "Windows Server 2019": "17763", "Windows Server 2022": "20348",
}

// addDevice records a host from a device the data carries: the first one
// seen makes it, a later one seen more recently updates what changes.
func (t *hostTable) addDevice(d *device) {
	if d == nil || d.DeviceID == "" {
		return
	}
	h := t.byID[d.DeviceID]
	if h == nil {
		h = &fakeHost{DeviceID: d.DeviceID, CID: d.CID, Hostname: d.Hostname, PlatformName: d.PlatformName,
			OSVersion: d.OSVersion, OSBuild: osBuilds[d.OSVersion], FirstSeen: d.FirstSeen, Status: "normal",
			LocalIP: d.LocalIP, ExternalIP: d.ExternalIP, ConnectionIP: d.LocalIP, MACAddress: d.MACAddress,
			MachineDomain: d.MachineDomain, OU: d.OU, SiteName: d.SiteName, ProductTypeDesc: d.ProductTypeDesc,
			Tags: []string{}, Groups: []string{}, ReducedMode: "no"}
		t.byID[d.DeviceID] = h
		t.order = append(t.order, d.DeviceID)
	}
	if h.LastSeen == "" || d.LastSeen > h.LastSeen {
		h.LastSeen, h.AgentVersion = d.LastSeen, d.AgentVersion
		if h.Modified < d.LastSeen {
			h.Modified = d.LastSeen
		}
		h.Groups = append([]string{}, d.Groups...)
		h.Tags = append([]string{}, d.Tags...)
	}
}

// hostsLocked is the host table, brought up to date with the detections
// and alerts made since it was last looked at. Called with s.mu held.
func (s *Server) hostsLocked() *hostTable {
	if s.hosts == nil {
		s.hosts = &hostTable{byID: map[string]*fakeHost{}}
	}
	t := s.hosts
	for ; t.dets < len(s.dets); t.dets++ {
		t.addDevice(&s.dets[t.dets].Device)
	}
	for ; t.alerts < len(s.alerts); t.alerts++ {
		t.addDevice(s.alerts[t.alerts].Device)
	}
	return t
}

// settle moves a pending host to where its action ends once the sensor has
// had time to acknowledge. Called with s.mu held.
func (s *Server) settle(h *fakeHost) {
	after := s.opts.ContainAfter
	if after <= 0 {
		after = defaultContainAfter
	}
	now := s.now()
	if now.Sub(h.pendingSince) < after {
		return
	}
	switch h.Status {
	case "containment_pending":
		h.Status = "contained"
	case "lift_containment_pending":
		h.Status = "normal"
	default:
		return
	}
	h.Modified = h.pendingSince.Add(after).UTC().Format(time.RFC3339)
}

// Host returns a host's containment status ("" for a host the fake does
// not know), as a read would show it now.
func (s *Server) Host(aid string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hostsLocked().byID[aid]
	if h == nil {
		return ""
	}
	s.settle(h)
	return h.Status
}

// HostIDs returns every host's AID, in the order the data names them.
func (s *Server) HostIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.hostsLocked().order)
}

// HostRequests returns the requests to the Hosts API so far, in order.
func (s *Server) HostRequests() []HostRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hosts == nil {
		return nil
	}
	return slices.Clone(s.hosts.log)
}

// logHosts records a Hosts API request. Called with s.mu held.
func (s *Server) logHosts(r HostRequest) {
	t := s.hostsLocked()
	t.log = append(t.log, r)
}

func (s *Server) getHosts(w http.ResponseWriter, r *http.Request, m *meta) {
	m.PoweredBy = "device-api"
	if s.opts.DenyHostsRead {
		s.writeError(w, m, http.StatusForbidden, "access denied, authorization failed")
		return
	}
	var ids []string
	limit := maxHostsPost
	if r.Method == http.MethodGet {
		ids, limit = r.URL.Query()["ids"], maxHostsGet
	} else {
		var body idsBody
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(&body); err != nil {
			s.writeError(w, m, http.StatusBadRequest, "invalid JSON body: "+err.Error())
			return
		}
		ids = body.IDs
	}
	s.mu.Lock()
	s.logHosts(HostRequest{Op: "hosts-get", IDs: len(ids)})
	s.mu.Unlock()
	switch {
	case len(ids) == 0:
		s.writeError(w, m, http.StatusBadRequest, "ids: at least one id is required")
		return
	case len(ids) > limit:
		s.writeError(w, m, http.StatusBadRequest, fmt.Sprintf("too many ids: %d requested, at most %d are allowed", len(ids), limit))
		return
	}
	s.mu.Lock()
	t := s.hostsLocked()
	for _, id := range ids {
		if h := t.byID[id]; h != nil {
			s.settle(h)
		}
	}
	found, errs := lookup(ids, t.byID, "device")
	s.mu.Unlock()
	writeEntities(s, w, m, found, errs, http.StatusNotFound)
}

type hostAction struct {
	ID   string `json:"id"`
	Path string `json:"path"`
}

func (s *Server) hostsAction(w http.ResponseWriter, r *http.Request, m *meta) {
	m.PoweredBy = "device-api"
	if s.opts.DenyHostsWrite {
		s.writeError(w, m, http.StatusForbidden, "access denied, authorization failed")
		return
	}
	action := r.URL.Query().Get("action_name")
	var body idsBody
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(&body)
	s.mu.Lock()
	s.logHosts(HostRequest{Op: "hosts-action", Action: action, IDs: len(body.IDs)})
	s.mu.Unlock()
	var target, pending string
	switch action {
	case "contain":
		target, pending = "contained", "containment_pending"
	case "lift_containment":
		target, pending = "normal", "lift_containment_pending"
	default:
		s.writeError(w, m, http.StatusBadRequest, fmt.Sprintf("action_name %q is not a valid action: use contain, lift_containment, hide_host, unhide_host, detection_suppress or detection_unsuppress", action))
		return
	}
	switch {
	case err != nil:
		s.writeError(w, m, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return
	case len(body.IDs) == 0:
		s.writeError(w, m, http.StatusBadRequest, "ids: at least one id is required")
		return
	case len(body.IDs) > maxHostsActions:
		s.writeError(w, m, http.StatusBadRequest, fmt.Sprintf("too many ids: %d requested, at most %d are allowed", len(body.IDs), maxHostsActions))
		return
	}
	s.mu.Lock()
	t := s.hostsLocked()
	now := s.now()
	var taken []hostAction
	var errs []apiError
	for _, id := range body.IDs {
		h := t.byID[id]
		if h == nil {
			// The service names the host in the message only.
			errs = append(errs, apiError{Code: http.StatusNotFound, Message: "Device " + id + " not found"})
			continue
		}
		s.settle(h)
		if h.Status == target || h.Status == pending {
			errs = append(errs, apiError{Code: http.StatusConflict, Message: "Device " + id + " is already " + target + " or pending"})
			continue
		}
		h.Status, h.pendingSince, h.Modified = pending, now, now.UTC().Format(time.RFC3339)
		taken = append(taken, hostAction{ID: id, Path: "/devices/entities/devices/v1?ids=" + id})
	}
	s.mu.Unlock()
	status := http.StatusAccepted
	if len(taken) == 0 {
		status = http.StatusConflict
		for _, e := range errs {
			if e.Code != http.StatusConflict {
				status = e.Code
				break
			}
		}
	}
	var resources any = taken
	if taken == nil {
		resources = []any{}
	}
	s.write(w, status, envelope{Meta: *m, Resources: resources, Errors: errs})
}
