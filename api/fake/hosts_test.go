package fake

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestHostsAreTheAlertsDevices: one host per device id the alerts carry,
// with the device's own data, the same for the same seed, and the alerts
// unchanged by reading them.
func TestHostsAreTheAlertsDevices(t *testing.T) {
	c := newClient(t, Options{DetectsGone: true})
	before, _ := json.Marshal(c.s.alerts)
	devices := map[string]*device{}
	for _, a := range c.s.alerts {
		if a.Device != nil {
			devices[a.Device.DeviceID] = a.Device
		}
	}
	ids := c.s.HostIDs()
	if len(ids) != len(devices) {
		t.Fatalf("%d hosts for %d devices", len(ids), len(devices))
	}
	status, body, _ := c.do(http.MethodPost, "/devices/entities/devices/v2", `{"ids":["`+strings.Join(ids, `","`)+`"]}`)
	res, _ := body["resources"].([]any)
	if status != http.StatusOK || len(res) != len(ids) {
		t.Fatalf("%d, %d hosts", status, len(res))
	}
	for _, r := range res {
		h := r.(map[string]any)
		d := devices[h["device_id"].(string)]
		if d == nil || h["hostname"] != d.Hostname || h["platform_name"] != d.PlatformName || h["os_version"] != d.OSVersion ||
			h["local_ip"] != d.LocalIP || h["mac_address"] != d.MACAddress || h["first_seen"] != d.FirstSeen || h["status"] != "normal" {
			t.Fatalf("host %v, device %+v", h, d)
		}
	}
	after, _ := json.Marshal(c.s.alerts)
	if string(before) != string(after) {
		t.Fatal("reading hosts changed the alerts")
	}
	again := New(Options{GenOptions: GenOptions{Count: 200, Seed: 3, Base: base}, DetectsGone: true})
	if got := again.HostIDs(); strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Fatal("the same seed made other hosts")
	}
}

func TestContainmentRefusesWhatTheServiceRefuses(t *testing.T) {
	c := newClient(t, Options{})
	aid := c.s.HostIDs()[0]
	for _, tc := range []struct {
		name, action, body string
		status             int
	}{
		{"an unknown action", "hide_everything", `{"ids":["` + aid + `"]}`, http.StatusBadRequest},
		{"no ids", "contain", `{"ids":[]}`, http.StatusBadRequest},
		{"bad JSON", "contain", `{"ids":`, http.StatusBadRequest},
		{"unknown hosts only", "contain", `{"ids":["00000000000000000000000000000000"]}`, http.StatusNotFound},
		{"taken", "contain", `{"ids":["` + aid + `"]}`, http.StatusAccepted},
		{"again", "contain", `{"ids":["` + aid + `"]}`, http.StatusConflict},
	} {
		status, body, _ := c.do(http.MethodPost, "/devices/entities/devices-actions/v2?action_name="+tc.action, tc.body)
		if status != tc.status {
			t.Fatalf("%s: %d %v", tc.name, status, body)
		}
	}
	if got := c.s.Host(aid); got != "containment_pending" {
		t.Fatalf("status %s", got)
	}
	if n := c.s.Count("hosts-action"); n != 6 {
		t.Fatalf("%d requests counted", n)
	}
}
