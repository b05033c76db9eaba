package api

import (
	"sort"
	"testing"

	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
)

// leafPaths are the dotted paths of a document's values, through objects
// and lists of objects.
func leafPaths(prefix string, v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			leafPaths(p, e, out)
		}
	case []any:
		for _, e := range x {
			if _, obj := e.(map[string]any); obj {
				leafPaths(prefix, e, out)
			} else {
				out[prefix] = true
			}
		}
	default:
		out[prefix] = true
	}
}

// TestTheFieldTablesHoldTheFakesFields: every field of every detection and
// alert the fake serves (and so filters on) is in its backend's table, so
// the console refuses no filter the service answers.
func TestTheFieldTablesHoldTheFakesFields(t *testing.T) {
	f := fake.New(fake.Options{GenOptions: fake.GenOptions{Count: 300, Seed: 2}})
	for _, c := range []struct {
		name  string
		table model.FilterTable
		ids   []string
		doc   func(string) (map[string]any, bool)
	}{
		{"detects", DetectsFields.Filterable, f.IDs(), f.Detection},
		{"alerts", AlertsFields.Filterable, f.AlertIDs(), f.Alert},
	} {
		paths := map[string]bool{}
		for _, id := range c.ids {
			d, _ := c.doc(id)
			leafPaths("", d, paths)
		}
		var missing []string
		for p := range paths {
			if !c.table.Has(p) {
				missing = append(missing, p)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s: the fake filters on fields the table lacks: %v", c.name, missing)
		}
	}
}
