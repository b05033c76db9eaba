package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
)

// backendOn serves a fake tenant of n detections and speaks to it as the
// named API does ("alerts": today's tenant, its Detects endpoints gone).
func backendOn(t *testing.T, name string, n int) model.Backend {
	t.Helper()
	f, srv := fake.NewServer(fake.Options{GenOptions: fake.GenOptions{Count: n, Seed: 3}, DetectsGone: name == "alerts"})
	t.Cleanup(srv.Close)
	id, secret := f.Credentials()
	c, err := api.New(api.Config{ClientID: id, ClientSecret: secret, BaseURL: srv.URL, MaxWait: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if name == "alerts" {
		return api.NewAlerts(c, nil)
	}
	return api.NewDetects(c)
}

func write(t *testing.T, b model.Backend, o Options) string {
	t.Helper()
	if o.Query.Sort.Field == "" {
		o.Query.Sort = model.Sort{Field: b.Fields().Time, Desc: true}
	}
	var out bytes.Buffer
	if _, err := Write(context.Background(), b, o, &out); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestJSONNestsAsTheServiceDoes: .device.hostname and the parent's hashes
// are where a jq user reading the API's documentation looks for them, on
// both APIs; CSV carries the parent's hashes in fixed columns.
func TestJSONNestsAsTheServiceDoes(t *testing.T) {
	cases := []struct {
		backend string
		// parent finds the parent's sha256 and md5 in a decoded record.
		parent func(r map[string]any) (sha, md5 any)
		cols   []string
	}{
		{"alerts", func(r map[string]any) (any, any) {
			p, _ := r["parent_details"].(map[string]any)
			return p["sha256"], p["md5"]
		}, []string{"parent_details.sha256", "parent_details.md5"}},
		{"detects", func(r map[string]any) (any, any) {
			bs, _ := r["behaviors"].([]any)
			if len(bs) == 0 {
				return nil, nil
			}
			p, _ := bs[0].(map[string]any)["parent_details"].(map[string]any)
			return p["parent_sha256"], p["parent_md5"]
		}, []string{"parent_sha256", "parent_md5"}},
	}
	for _, c := range cases {
		t.Run(c.backend, func(t *testing.T) {
			b := backendOn(t, c.backend, 40)
			out := write(t, b, Options{Format: "jsonl", Limit: 30})
			hosts, parents := 0, 0
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				var r map[string]any
				if err := json.Unmarshal([]byte(line), &r); err != nil {
					t.Fatal(err)
				}
				if _, flat := r["hostname"]; flat {
					t.Fatalf("a flat hostname: %.120s", line)
				}
				if dev, ok := r["device"].(map[string]any); ok && dev["hostname"] != "" && dev["hostname"] != nil {
					hosts++
				}
				sha, md5 := c.parent(r)
				if s, _ := sha.(string); len(s) == 64 {
					if m, _ := md5.(string); len(m) == 32 {
						parents++
					}
				}
			}
			if hosts == 0 || parents == 0 {
				t.Fatalf("%d records with .device.hostname, %d with the parent's hashes:\n%.400s", hosts, parents, out)
			}
			rows, err := csv.NewReader(strings.NewReader(write(t, b, Options{Format: "csv", Limit: 30}))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			at := map[string]int{}
			for i, col := range rows[0] {
				at[col] = i
			}
			filled := 0
			for _, r := range rows[1:] {
				if len(r[at[c.cols[0]]]) == 64 && len(r[at[c.cols[1]]]) == 32 {
					filled++
				}
			}
			if _, ok := at[c.cols[0]]; !ok || filled == 0 {
				t.Fatalf("CSV columns %v: %d rows hold the parent's hashes", rows[0], filled)
			}
		})
	}
}

// An identity alert has no host and no process: its record says nothing of
// them rather than an empty device.
func TestAnAlertWithoutAHostHasNoDevice(t *testing.T) {
	r := alertsRecord(&model.Detection{ID: "x", Product: "idp", Identity: model.Identity{AccountName: "alice"}})
	raw, _ := json.Marshal(r)
	if strings.Contains(string(raw), `"device"`) || strings.Contains(string(raw), `"parent_details"`) {
		t.Fatalf("%s", raw)
	}
}

func TestCSVCellsAreSpreadsheetSafe(t *testing.T) {
	for in, want := range map[string]string{"=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0", "-2+3": "'-2+3", "ok": "ok", "": ""} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSortSpeaksTheBackendInUse: a sort in the other API's names means the
// same field, ascending as descending; one the backend cannot sort on is
// refused, naming those it can.
func TestSortSpeaksTheBackendInUse(t *testing.T) {
	cases := []struct {
		backend string
		in      string
		want    string
		refused string
	}{
		{"alerts", "last_behavior|desc", "timestamp|desc", ""},
		{"alerts", "last_behavior|asc", "timestamp|asc", ""},
		{"alerts", "max_severity|asc", "severity|asc", ""},
		{"alerts", "", "timestamp|desc", ""},
		{"alerts", "device.hostname|asc", "device.hostname|asc", ""},
		{"detects", "timestamp|asc", "last_behavior|asc", ""},
		{"detects", "severity|desc", "max_severity|desc", ""},
		{"detects", "", "last_behavior|desc", ""},
		{"detects", "updated_timestamp|desc", "", "the Detects API does not sort on it"},
		{"alerts", "adversary_id|desc", "", "it sorts on timestamp, created_timestamp"},
	}
	fields := map[string]model.Fields{"alerts": api.AlertsFields, "detects": api.DetectsFields}
	for _, c := range cases {
		got, err := Sort(c.backend, fields[c.backend], model.ParseSort(c.in))
		if c.refused != "" {
			if err == nil || !strings.Contains(err.Error(), c.refused) {
				t.Errorf("%s %q: %v, want refused saying %q", c.backend, c.in, err, c.refused)
			}
			continue
		}
		if err != nil || got.String() != c.want {
			t.Errorf("%s %q: %q %v, want %q", c.backend, c.in, got.String(), err, c.want)
		}
	}
}
