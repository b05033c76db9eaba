package api

import (
	"errors"
	"net/http"
)

// A backend chosen by name (--api detects or alerts, or the config file)
// is not probed: its first refusal says what auto would have said when
// choosing, the scope the API client lacks or that the API is not served,
// and the other API to try.

// apiHints are the hints of one API, for reads and for writes.
type apiHints struct {
	read403, write403, gone404 string
}

var (
	detectsHints = apiHints{
		read403:  "this API client lacks the Detections: read scope: add it, or use --api alerts (API clients made today carry the Alerts scopes)",
		write403: "this API client lacks the Detections: write scope: add it, or use --api alerts (API clients made today carry the Alerts scopes)",
		gone404:  "the Detects API is not served here (decommissioned): use --api alerts",
	}
	alertsHints = apiHints{
		read403:  "this API client lacks the Alerts: read scope: add it, or use --api detects (older API clients carry the Detections scopes)",
		write403: "this API client lacks the Alerts: write scope: add it, or use --api detects (older API clients carry the Detections scopes)",
		gone404:  "the Alerts API is not served here: use --api detects",
	}
)

// hint adds to a 403 or a 404 of a backend chosen by name what to do about
// it; auto has said it already when it chose.
func (h apiHints) hint(err error, named, write bool) error {
	var e *Error
	if !named || !errors.As(err, &e) || e.Hint != "" {
		return err
	}
	switch {
	case e.Status == http.StatusForbidden && write:
		e.Hint = h.write403
	case e.Status == http.StatusForbidden:
		e.Hint = h.read403
	case e.Status == http.StatusNotFound && !write:
		e.Hint = h.gone404
	}
	return err
}
