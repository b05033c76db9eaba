package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/falcon-triage/falcon-triage/export"
	"github.com/falcon-triage/falcon-triage/model"
)

// exportTo is the console's e: the export command's writer, on the
// backend the console is on.
func exportTo(ctx context.Context, b model.Backend, q model.Query, format string, w io.Writer,
	progress func(done, total int), warn func(string)) (int, error) {
	return export.Write(ctx, b, export.Options{Query: q, Format: format, Progress: progress, Warn: warn}, w)
}

// progressLine shows the export's progress on one line of a terminal,
// rewritten in place; a warning takes the line and the count follows on
// the next.
type progressLine struct {
	w io.Writer
	// width is what the line shows now (0: nothing).
	width int
}

func (p *progressLine) update(done, total int) {
	s := "exported " + thousands(done) + " of " + thousands(total)
	if total < 0 {
		s = "exported " + thousands(done) + " (the service gave no total)"
	}
	fmt.Fprint(p.w, "\r"+s+strings.Repeat(" ", max(0, p.width-len(s))))
	p.width = len(s)
}

func (p *progressLine) warn(msg string) {
	if p.width > 0 {
		fmt.Fprint(p.w, "\r"+strings.Repeat(" ", p.width)+"\r")
		p.width = 0
	}
	fmt.Fprintln(p.w, "falcon-triage export: "+msg)
}

// finish ends the progress line, leaving the last count on it.
func (p *progressLine) finish() {
	if p.width > 0 {
		fmt.Fprintln(p.w)
		p.width = 0
	}
}

// parseSortFlag reads FIELD|DIR (or FIELD.DIR) for --sort.
func parseSortFlag(s string) (model.Sort, error) {
	if s == "" {
		return model.Sort{}, nil
	}
	if _, dir, ok := strings.Cut(s, "|"); ok && dir != "asc" && dir != "desc" {
		return model.Sort{}, fmt.Errorf("--sort %q: the direction must be asc or desc", s)
	}
	return model.ParseSort(s), nil
}
