package model

import (
	"context"
	"time"
)

// Activity is one change this console (any run of it on this machine)
// made to a row, from the audit log: who, when, and the change, before →
// after where the log knows the before. Strings may hold what an analyst
// typed (a comment, a tag): show them through the sanitiser.
type Activity struct {
	Time    time.Time
	Who     string
	Change  string // e.g. "status new → in_progress", "comment: …"
	Outcome string // applied, or why not
}

// ActivityReader is a backend that keeps a record of the changes sent (the
// audit log) and reads a row's, newest first, at most limit of them.
type ActivityReader interface {
	Activity(ctx context.Context, id string, limit int) ([]Activity, error)
}
