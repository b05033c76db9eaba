package export

import (
	"fmt"
	"slices"
	"strings"

	"github.com/falcon-triage/falcon-triage/model"
)

// Sort is the sort an export asks of backend (named name, with fields f):
// s in that backend's names, its direction kept, or the backend's time
// field, newest first, when s is empty. A field the backend cannot sort on
// is refused with the fields it can.
func Sort(name string, f model.Fields, s model.Sort) (model.Sort, error) {
	if s.Field == "" {
		return model.Sort{Field: f.Time, Desc: true}, nil
	}
	// A field named as the other backend names it sorts the same here
	// (a script written for Detects, last_behavior|asc, on Alerts), in
	// either direction: the field tables' renames, as filters use them.
	if to, ok := f.Renamed[s.Field]; ok && !slices.Contains(f.SortFields, s.Field) {
		s.Field = to
	}
	if !slices.Contains(f.SortFields, s.Field) {
		return model.Sort{}, fmt.Errorf("--sort %s: the %s API does not sort on it; it sorts on %s", s.Field, strings.ToUpper(name[:1])+name[1:], strings.Join(f.SortFields, ", "))
	}
	return s, nil
}
