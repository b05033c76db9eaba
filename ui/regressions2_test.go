package ui

import (
	"slices"
	"testing"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// R1. Closing loaded rows under a status:'new' filter shifts the service's
// offsets: the next offset page skips as many rows as were closed.
func TestLateTriageUnderFilterSkipsNoRow(t *testing.T) {
	h := newHarness(t, 600)
	filter := "status:'new'"
	all, err := h.src.Backend.Query(t.Context(), model.Query{Filter: model.And(filter, "show_in_ui:true"), Sort: model.Sort{Field: "last_behavior", Desc: true}, Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	d := loaded(t, h, func(o *Options) { o.IDChunk = 40 })
	d.key("/")
	d.field().SetValue(filter)
	d.key("enter")
	d.settle()
	loadedIDs := slices.Clone(d.m.list.IDs())
	if len(loadedIDs) >= len(all.IDs) {
		t.Skipf("everything loaded at once: %d", len(loadedIDs))
	}
	t.Logf("matching %d, loaded %d", len(all.IDs), len(loadedIDs))
	d.markIDs(loadedIDs[:10]...)
	d.key("s", "c")
	d.settle()
	d.key("G")
	d.settle()
	got := d.m.list.IDs()
	var missing []string
	for _, id := range all.IDs {
		if !slices.Contains(got, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d of %d matching rows never listed after closing 10 loaded rows (listed %d)", len(missing), len(all.IDs), len(got))
	}
}

func BenchmarkGuardFrame(b *testing.B) {
	h := newHarness(b, 300)
	d := newDriver(b, h.options(b))
	d.send(teaSize(200, 60))
	d.settle()
	s := d.m.frame().Content
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		screen.GuardFrame(s)
	}
}
