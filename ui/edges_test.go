package ui

import (
	"strings"
	"testing"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/modal"
)

// The service at its edges, as the console meets them.

// unassignedRow is a listed row nobody holds.
func unassignedRow(t *testing.T, h *harness) string {
	t.Helper()
	for _, id := range listed(t, h, 100) {
		if who, _ := fakeField(t, h, id, "assigned_to_uid").(string); who == "" {
			return id
		}
	}
	t.Fatal("every listed row is assigned")
	return ""
}

func TestDetectsPickerOffersNoUnassign(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	d.key("a")
	d.settle()
	sc := d.screen()
	if !strings.Contains(sc, "Unassign: not on this API") {
		t.Fatalf("the picker on Detects does not say unassign is not offered:\n%s", sc)
	}
	d.key("enter")
	d.settle()
	if d.top() == "" || !strings.Contains(d.screen(), "no documented way to unassign") {
		t.Fatalf("enter on the unassign entry closed the picker or said nothing:\n%s", d.screen())
	}
	if n := len(h.fake.Patches()); n != 0 {
		t.Fatalf("%d updates sent", n)
	}
}

func TestAlertsPickerUnassigns(t *testing.T) {
	h := newBackendHarness(t, "alerts", 100)
	d := loaded(t, h)
	d.key("a")
	d.settle()
	if sc := d.screen(); !strings.Contains(sc, "Unassign") || strings.Contains(sc, "not on this API") {
		t.Fatalf("the picker on Alerts does not offer unassign:\n%s", sc)
	}
}

func TestDetectsUndoOfAnAssignmentFromNobodySaysItCannot(t *testing.T) {
	h := newHarness(t, 100)
	users := h.fake.Users()
	id := unassignedRow(t, h)
	d := loaded(t, h)
	d.markIDs(id)
	d.queue(d.m.choose(modal.Assign{User: model.User{UUID: users[2].UUID, UID: users[2].UID}, Targets: []string{id}}))
	d.settle()
	if got := fakeField(t, h, id, "assigned_to_uid"); got != users[2].UID {
		t.Fatalf("the assignment did not land: %v", got)
	}
	patches := len(h.fake.Patches())
	d.key("u")
	d.settle()
	if n := len(h.fake.Patches()); n != patches {
		t.Fatalf("the undo sent %d updates: Detects refuses an empty assignee", n-patches)
	}
	if got := fakeField(t, h, id, "assigned_to_uid"); got != users[2].UID {
		t.Fatalf("the row is assigned to %v after the undo", got)
	}
	if w := d.m.bar.Word().Text; !strings.Contains(w, "cannot be undone on Detects") {
		t.Fatalf("the undo does not say why: %q", w)
	}
	if d.row(id).AssigneeUID != users[2].UID {
		t.Fatalf("the row on screen shows %q, the service %q", d.row(id).AssigneeUID, users[2].UID)
	}
}
