package fake

import (
	"reflect"
	"testing"

	"github.com/falcon-triage/falcon-triage/model"
)

// FuzzParseFQL: whatever a filter holds, the parser answers a match or a
// clear error, and never panics.
func FuzzParseFQL(f *testing.F) {
	for _, s := range []string{
		"", "status:'new'", "status:['new','closed']+max_severity:>=60", "(a:1,b:2)+c:3",
		"device.hostname:*'web*'", "assigned_to_uid:null", "last_behavior:>'now-24h'",
		"behaviors.tactic:~'exec'", "status:!'new'", "x:'unterminated", "((((", "status:'a\\'b'",
	} {
		f.Add(s)
	}
	d := generateOne()
	f.Fuzz(func(t *testing.T, filter string) {
		n, err := parseFQL(filter, detType)
		if err != nil {
			if _, ok := err.(*fqlError); !ok {
				t.Fatalf("%q: an error of type %T", filter, err)
			}
			return
		}
		n.match(reflect.ValueOf(d).Elem())
	})
}

// FuzzQuotedValueStaysOneValue: a value built by the project's FQL builder
// parses back to exactly that value, whatever it holds.
func FuzzQuotedValueStaysOneValue(f *testing.F) {
	for _, s := range []string{"it's+x,y", `a\'+status:'new`, "x'],status:['new", "", "\\", "'", "é\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d := generateOne()
		d.Device.Hostname = v
		node, err := parseFQL(model.Eq("device.hostname", v), detType)
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if !node.match(reflect.ValueOf(d).Elem()) {
			t.Fatalf("%q does not match itself", v)
		}
		d.Device.Hostname = v + "x"
		if node.match(reflect.ValueOf(d).Elem()) {
			t.Fatalf("%q matched %q", v, v+"x")
		}
		if _, err := parseFQL(model.And(model.In("status", []string{v, "new"}), model.NotEq("device.hostname", v)), detType); err != nil {
			t.Fatalf("%q in a list: %v", v, err)
		}
	})
}

func generateOne() *detection {
	dets, _ := generate(GenOptions{Count: 1, Seed: 1, Base: base})
	return dets[0]
}
