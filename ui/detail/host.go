package detail

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// HostView is what the console knows of the host of the row the pane
// shows, from the Hosts API: the pane reads nothing itself.
type HostView struct {
	// AID is the host it is about: a view for another host is not shown.
	AID string
	// Host is the host as the Hosts API read it (nil: not read).
	Host *model.Host
	// Note says why there is no host to show: being read, the scope the
	// API client lacks, a failure ("" with Host set).
	Note string
	// Count is the host's alerts in the last seven days, once Counted.
	Count   int64
	Counted bool
	// Follow says a containment sent is followed until it settles.
	Follow string
}

// SetHost gives the pane the host of its row; the next Follow shows it.
// A view for a host that is not the row's is the console's mistake and is
// not shown.
func (p *Pane) SetHost(v HostView) {
	if p.host != nil && reflect.DeepEqual(*p.host, v) {
		return
	}
	p.host = &v
	p.hostSeq++
}

// hostSection is the host of an endpoint row, from the Hosts API when it
// was read (else what the alert carries, and why the API's is not shown);
// an identity alert's account context instead.
func (b *entries) hostSection(d *model.Detection, v *HostView) {
	dev := d.Device
	if dev.ID == "" {
		if d.Identity != (model.Identity{}) {
			b.section("Account")
			// Its account, UPN, source endpoint and target are in the
			// first section: what it carries beyond them.
			b.add("Domain", d.Domain, "")
			b.add("Host", "an identity alert names no host: nothing to read or contain", "")
			return
		}
		b.host(d)
		return
	}
	if v == nil || v.AID != dev.ID || v.Host == nil {
		b.host(d)
		if v != nil && v.AID == dev.ID && v.Note != "" {
			b.add("Hosts API", v.Note, "")
		}
		b.hostCount(v, dev.ID)
		return
	}
	h := v.Host
	b.section("Host")
	b.add("Containment", h.Status.Label()+followWord(v.Follow), "")
	b.add("Platform", strings.Trim(h.Platform+" · "+strings.TrimSpace(h.OSVersion+" "+h.OSBuild)+" · "+h.ProductTypeDesc, " ·"), "")
	b.add("Sensor", h.AgentVersion, "")
	if h.ReducedFunctionality == "yes" {
		b.add("Sensor mode", "reduced functionality", "")
	}
	b.add("First seen", screen.Time(h.FirstSeen, b.loc), "")
	b.add("Last seen", screen.Time(h.LastSeen, b.loc), "")
	b.add("Local IP", h.LocalIP, "device.local_ip")
	b.add("External IP", h.ExternalIP, "device.external_ip")
	b.add("MAC", h.MACAddress, "")
	b.add("Domain", h.MachineDomain, "device.machine_domain")
	b.add("OU", strings.Join(h.OU, ", "), "")
	b.add("Site", h.SiteName, "device.site_name")
	b.add("Groups", strings.Join(h.Groups, ", "), "")
	b.add("Tags", strings.Join(h.Tags, ", "), "")
	b.hostCount(v, dev.ID)
	b.add("Device id", dev.ID, "device.device_id")
}

// hostCount is the host's alerts of the last seven days, once counted.
func (b *entries) hostCount(v *HostView, aid string) {
	if v != nil && v.AID == aid && v.Counted {
		b.add("Alerts, 7 days", fmt.Sprintf("%d on this host", v.Count), "")
	}
}

func followWord(f string) string {
	if f == "" {
		return ""
	}
	return " · " + f
}
