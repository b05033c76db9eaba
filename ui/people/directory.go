// Package people is the one place that maps people between what the screen
// shows (a name, a login) and what an update sends (a UUID). It does no I/O
// itself: the People lookups are the API client's, called by the parts'
// commands.
package people

import (
	"context"
	"regexp"
	"sort"
	"strings"

	"github.com/falcon-triage/falcon-triage/model"
)

// People looks up the tenant's users (User Management). The API client
// implements it; without the scope its calls fail with a 403.
type People interface {
	FindUsers(ctx context.Context, text string) ([]model.User, error)
	UserByLogin(ctx context.Context, login string) (model.User, error)
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Directory is the one place that maps people between what the screen
// shows (a name, a login) and what an update sends (a UUID). It learns from
// the config file (me and the team), from the assignees seen in the data,
// and from the tenant's user lookups.
type Directory struct {
	byLogin map[string]model.User
	denied  string // why user lookups are unavailable, once known
}

// New knows the people of the config file (me and the team).
func New(known []model.User) *Directory {
	d := &Directory{byLogin: map[string]model.User{}}
	for _, u := range known {
		d.Learn(u)
	}
	return d
}

// Learn records a person, keeping what is already known (a UUID is never
// forgotten for a later sighting without one).
func (d *Directory) Learn(u model.User) {
	key := strings.ToLower(u.UID)
	if key == "" {
		key = strings.ToLower(u.UUID)
	}
	if key == "" {
		return
	}
	old := d.byLogin[key]
	if u.UUID == "" {
		u.UUID = old.UUID
	}
	if u.FirstName == "" && u.LastName == "" {
		u.FirstName, u.LastName = old.FirstName, old.LastName
	}
	d.byLogin[key] = u
}

// Seen learns the assignee of a detection.
func (d *Directory) Seen(det *model.Detection) {
	if det.AssigneeUID == "" {
		return
	}
	first, last, _ := strings.Cut(det.AssigneeName, " ")
	d.Learn(model.User{UID: det.AssigneeUID, UUID: det.AssigneeUUID, FirstName: first, LastName: last})
}

// UUIDOf returns the UUID known for a login.
func (d *Directory) UUIDOf(login string) string {
	return d.byLogin[strings.ToLower(login)].UUID
}

// Match lists the people whose login or name contains text, by name.
func (d *Directory) Match(text string) []model.User {
	text = strings.ToLower(strings.TrimSpace(text))
	var out []model.User
	for _, u := range d.byLogin {
		if text == "" || strings.Contains(strings.ToLower(u.UID), text) || strings.Contains(strings.ToLower(u.Name()), text) {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name() != out[j].Name() {
			return out[i].Name() < out[j].Name()
		}
		return out[i].UID < out[j].UID
	})
	return out
}

// Name is the name known for a login, if any.
func (d *Directory) Name(login string) (string, bool) {
	u, ok := d.byLogin[strings.ToLower(login)]
	if !ok || u.Name() == "" {
		return "", false
	}
	return u.Name(), true
}

// Forget drops what is known of a login.
func (d *Directory) Forget(login string) { delete(d.byLogin, strings.ToLower(login)) }

// Deny records, for the rest of the run, why the tenant's people cannot be
// looked up (the API client lacks the scope).
func (d *Directory) Deny(why string) { d.denied = why }

// Denied says why the tenant's people cannot be looked up, or "".
func (d *Directory) Denied() string { return d.denied }

// IsUUID reports text that is a user UUID.
func IsUUID(text string) bool { return uuidPattern.MatchString(text) }
