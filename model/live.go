package model

import (
	"context"
	"errors"
	"time"
)

// LiveKind says what a live event tells about an alert.
type LiveKind int

const (
	// LiveNew: an alert the service reported (a detection summary event,
	// or a row created since the last poll).
	LiveNew LiveKind = iota
	// LiveChanged: an alert someone changed (an audit event about an
	// alert update, or a row updated since the last poll).
	LiveChanged
)

// LiveEvent is one thing a live source learned about one alert. Every
// string in it comes from the service (and through it from endpoints and
// other users): the screen sanitises it like any other.
type LiveEvent struct {
	Kind LiveKind
	// ID is the alert's id as the backend names it (composite id on
	// Alerts, detection id on Detects).
	ID string
	// At is when it happened, where the source says (zero: unknown).
	At time.Time
	// By is who changed it, as the service names the user (a login, a
	// UUID or an API client id), "" where unknown.
	By string
	// What says what changed where the source says ("status closed",
	// "assigned to bob@corp.example"), "" where unknown.
	What string
	// Severity is a new alert's severity where the source says (0:
	// unknown), for notifications.
	Severity int
	// Offset is the stream's offset of the event (0 from polling).
	Offset uint64
}

// LiveBatch is what a live source tells at once.
type LiveBatch struct {
	Events []LiveEvent
	// Current is the moment up to which the source has told everything
	// it knows: the header's "current as of".
	Current time.Time
	// Source is "stream" or "poll".
	Source string
	// Note is what the analyst should know about the source itself
	// (reconnecting, paused while the rate budget is low, the stream is
	// busy so polling instead), "" when all is well. From the service in
	// part: sanitised by the screen.
	Note string
	// Err is a failure of the source that it will retry by itself.
	Err error
}

// Stream is a push source of live events (Falcon's Event Streams): it
// sends batches on Events until ctx given to OpenStream ends or Close, then
// closes the channel. It reconnects by itself after a drop, resuming from
// the last offset, and tells of it in a batch's Note or Err.
type Stream interface {
	Events() <-chan LiveBatch
	// Close ends the stream and waits for its connection to be gone.
	Close() error
}

// Streamer opens the stream where the API client may (the Event Streams
// scope). ErrNoStream (wrapped) says the console should poll instead: the
// scope is missing, or the stream is held by another console (an empty
// discovery answer).
type Streamer interface {
	OpenStream(ctx context.Context) (Stream, error)
}

// ErrNoStream says there is no stream to open: poll instead.
var ErrNoStream = errors.New("no event stream")
