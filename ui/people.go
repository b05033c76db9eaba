package ui

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

// directory is the one place that maps people between what the screen
// shows (a name, a login) and what an update sends (a UUID). It learns from
// the config file (me and the team), from the assignees seen in the data,
// and from the tenant's user lookups.
type directory struct {
	byLogin map[string]model.User
	denied  string // why user lookups are unavailable, once known
}

func newDirectory(known []model.User) *directory {
	d := &directory{byLogin: map[string]model.User{}}
	for _, u := range known {
		d.learn(u)
	}
	return d
}

// learn records a person, keeping what is already known (a UUID is never
// forgotten for a later sighting without one).
func (d *directory) learn(u model.User) {
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

// seen learns the assignee of a detection.
func (d *directory) seen(det *model.Detection) {
	if det.AssigneeUID == "" {
		return
	}
	first, last, _ := strings.Cut(det.AssigneeName, " ")
	d.learn(model.User{UID: det.AssigneeUID, UUID: det.AssigneeUUID, FirstName: first, LastName: last})
}

// uuidOf returns the UUID known for a login.
func (d *directory) uuidOf(login string) string {
	return d.byLogin[strings.ToLower(login)].UUID
}

// match lists the people whose login or name contains text, by name.
func (d *directory) match(text string) []model.User {
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
