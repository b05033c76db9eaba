// Package export writes the detections or alerts matching a query to a
// stream as JSON, JSONL or CSV: ids through the model's walker, details in
// chunks, in the query's order. JSON records nest as the service nests
// (device.hostname, parent_details.sha256); CSV is flat with fixed columns.
// Every string it writes comes from the service and is escaped so that no
// export holds a character a terminal acts on. It is used by the export
// command and the console's e key alike; it must not import the console or
// the API client (it speaks model types only).
package export

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/termsafe"
)

// Formats are the formats an export writes, the default first.
var Formats = []string{"jsonl", "json", "csv"}

// CheckFormat refuses a format an export cannot write, before anything is
// asked of the network.
func CheckFormat(f string) error {
	for _, ok := range Formats {
		if f == ok {
			return nil
		}
	}
	return fmt.Errorf("unknown format %q: use json, jsonl or csv", f)
}

// Options say what to export and how.
type Options struct {
	// Query is what the walk asks: filter (hidden rows included or not, as
	// the caller decided), free text and sort, in the backend's names.
	Query  model.Query
	Limit  int // stop after this many rows (0: all)
	Format string
	// Progress is told how many rows are written of how many match (-1:
	// the service gave no total), after each chunk.
	Progress func(done, total int)
	// Warn is told of a row left out (gone before its details were read).
	Warn func(string)
}

// Write streams every detection matching o.Query to out and returns how
// many it wrote. An error (a cancelled context, a walk the service would
// not let end) leaves out holding the rows written before it.
func Write(ctx context.Context, b model.Backend, o Options, out io.Writer) (int, error) {
	if err := CheckFormat(o.Format); err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	// Each backend's records carry its own field names: composite_id and
	// the alert's flat fields on Alerts, detection_id and behaviours on
	// Detects.
	columns, row := DetectsColumns, detectsRow
	record := func(d *model.Detection) any { return detectsRecord(d) }
	if b.Name() == "alerts" {
		columns, row = AlertsColumns, alertsRow
		record = func(d *model.Detection) any { return alertsRecord(d) }
	}
	var cw *csv.Writer
	switch o.Format {
	case "csv":
		cw = csv.NewWriter(bw)
		if err := cw.Write(columns); err != nil {
			return 0, err
		}
	case "json":
		_, _ = bw.WriteString("[")
	}
	chunk := 9999
	if o.Limit > 0 {
		chunk = min(chunk, o.Limit)
	}
	w := model.NewWalker(b, o.Query, chunk)
	written := 0
	for o.Limit <= 0 || written < o.Limit {
		ids, err := w.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return written, flush(bw, cw, err)
		}
		if o.Limit > 0 && written+len(ids) > o.Limit {
			ids = ids[:o.Limit-written]
		}
		carried := w.Found()
		for start := 0; start < len(ids); start += b.MaxIDs() {
			part := ids[start:min(start+b.MaxIDs(), len(ids))]
			dets, missing := carried, map[string]string{}
			if len(carried) != len(ids) {
				var err error
				if dets, missing, err = b.Details(ctx, part); err != nil {
					return written, flush(bw, cw, err)
				}
			}
			byID := make(map[string]*model.Detection, len(dets))
			for i := range dets {
				byID[dets[i].ID] = &dets[i]
			}
			for _, id := range part {
				d := byID[id]
				if d == nil {
					if o.Warn != nil {
						o.Warn(fmt.Sprintf("skipped %s: %s", id, missing[id]))
					}
					continue
				}
				switch o.Format {
				case "csv":
					err = cw.Write(row(d))
				case "jsonl":
					err = writeJSON(bw, record(d))
				case "json":
					if written > 0 {
						_, _ = bw.WriteString(",")
					}
					_, _ = bw.WriteString("\n")
					err = writeJSON(bw, record(d))
				}
				if err != nil {
					return written, err
				}
				written++
			}
			if o.Progress != nil {
				total := w.Total()
				if o.Limit > 0 && (total < 0 || o.Limit < total) {
					total = o.Limit
				}
				o.Progress(written, total)
			}
			if err := ctx.Err(); err != nil {
				return written, flush(bw, cw, err)
			}
		}
		if cw != nil {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return written, err
			}
		}
	}
	if total := w.Total(); o.Limit <= 0 && total > written && o.Warn != nil {
		// Say it rather than pass an empty or short export for whole.
		o.Warn(fmt.Sprintf("the service said %d match, and %d were written", total, written))
	}
	if o.Format == "json" {
		_, _ = bw.WriteString("]\n")
	}
	if cw != nil {
		cw.Flush()
	}
	return written, bw.Flush()
}

// flush writes out what was buffered before the walk stopped, so the rows
// counted as written are in the file, and returns why it stopped.
func flush(bw *bufio.Writer, cw *csv.Writer, why error) error {
	if cw != nil {
		cw.Flush()
	}
	return errors.Join(why, bw.Flush())
}

// writeJSON writes one record on a line, its strings escaped by termsafe.JSON.
func writeJSON(w *bufio.Writer, r any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return err
	}
	_, err := w.Write(termsafe.JSON(buf.Bytes()))
	return err
}

func timeString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// csvSafe neutralises a cell a spreadsheet would run as a formula: command
// lines and file names are written by attackers.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// cells makes a CSV row safe for a terminal and a spreadsheet.
func cells(row []string) []string {
	for i, c := range row {
		row[i] = csvSafe(termsafe.CSV(c))
	}
	return row
}

// joinTags writes a row's tags in one cell.
func joinTags(tags []string) string { return strings.Join(tags, ";") }

// itoa is strconv.Itoa, named for the columns' sake.
func itoa(n int) string { return strconv.Itoa(n) }
