package main

import (
	"testing"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/model"
)

// The console link's host follows the cloud; a base URL that is no
// cloud's API (a fake, a proxy) names no console.
func TestTheConsoleLinkFollowsTheCloud(t *testing.T) {
	d := &model.Detection{ID: "cid:ind:1", AggregateID: "aggind:1"}
	for cloud, host := range map[string]string{"us-1": "falcon.crowdstrike.com", "us-2": "falcon.us-2.crowdstrike.com",
		"eu-1": "falcon.eu-1.crowdstrike.com", "us-gov-1": "falcon.laggar.gcw.crowdstrike.com", "us-gov-2": "falcon.us-gov-2.crowdstrike.mil"} {
		if got, want := consoleURL(cloud, d), "https://"+host+"/unified-detections/cid:ind:1"; got != want {
			t.Errorf("%s: %q, want %q", cloud, got, want)
		}
	}
	if got := consoleURL("", d); got != "" {
		t.Errorf("an unknown cloud links to %q", got)
	}
	for base, want := range map[string]string{"https://api.eu-1.crowdstrike.com": "eu-1", "http://127.0.0.1:8080": ""} {
		c, err := api.New(api.Config{ClientID: "id", ClientSecret: "secret", BaseURL: base})
		if err != nil {
			t.Fatal(err)
		}
		if got := consoleCloud(c); got != want {
			t.Errorf("base URL %s: cloud %q, want %q", base, got, want)
		}
	}
}
