// Package screen is what reaches the terminal: the one sanitiser every
// service string passes, the frame guard, the console's styles, and the
// words numbers, times and statuses are shown in. It imports no other part
// of the console and holds no state.
package screen

import (
	"image/color"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/falcon-triage/falcon-triage/model"
)

// Styles are the console's looks. Colour is never the only signal: the
// cursor has a glyph and a bar across its row (reverse video, or a
// background colour where the terminal shows colours), severities a word,
// errors a prefix, so NO_COLOR and TERM=dumb terminals read the same.
type Styles struct {
	Dark      bool // for a dark background
	Colour    bool // the terminal shows colours (WithColour)
	Header    lipgloss.Style
	HeaderDim lipgloss.Style
	ColHeader lipgloss.Style
	Cursor    lipgloss.Style
	Dim       lipgloss.Style
	Err       lipgloss.Style
	OK        lipgloss.Style
	Label     lipgloss.Style
	Section   lipgloss.Style
	Menu      lipgloss.Style
	MenuKey   lipgloss.Style
	Sev       map[string]lipgloss.Style
	bar       lipgloss.Style // the cursor where colours show
}

// WithColour sets the cursor for a terminal that shows 256 colours or more
// (on) or not. Without, the cursor bar is reverse video, which reads on
// any background; with, it is a background colour of the theme, which the
// renderer paints over the row's blank runs with one erase each instead of
// a space per cell: a cursor move at 200 columns writes some 270 bytes
// instead of 350.
func (s Styles) WithColour(on bool) Styles {
	s.Colour = on
	if on {
		s.Cursor = s.bar
	} else {
		s.Cursor = lipgloss.NewStyle().Reverse(true).Bold(true)
	}
	return s
}

func NewStyles(dark bool) Styles {
	ld := lipgloss.LightDark(dark)
	c := func(light, darkC string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(darkC)) }
	s := Styles{
		Dark:      dark,
		Header:    lipgloss.NewStyle().Bold(true).Foreground(c("#1d4ed8", "#93c5fd")),
		HeaderDim: lipgloss.NewStyle().Foreground(c("#4b5563", "#9ca3af")),
		ColHeader: lipgloss.NewStyle().Bold(true).Underline(true),
		bar:       lipgloss.NewStyle().Bold(true).Background(c("#bfdbfe", "#1e3a8a")),
		Dim:       lipgloss.NewStyle().Foreground(c("#6b7280", "#9ca3af")),
		Err:       lipgloss.NewStyle().Bold(true).Foreground(c("#b91c1c", "#f87171")),
		OK:        lipgloss.NewStyle().Foreground(c("#15803d", "#86efac")),
		Label:     lipgloss.NewStyle().Bold(true),
		Section:   lipgloss.NewStyle().Bold(true).Foreground(c("#7c3aed", "#c4b5fd")),
		Menu:      lipgloss.NewStyle().Border(lipgloss.NormalBorder()).Padding(0, 1),
		MenuKey:   lipgloss.NewStyle().Bold(true).Foreground(c("#1d4ed8", "#93c5fd")),
		Sev: map[string]lipgloss.Style{
			"Critical":      lipgloss.NewStyle().Bold(true).Foreground(c("#ffffff", "#ffffff")).Background(c("#b91c1c", "#b91c1c")),
			"High":          lipgloss.NewStyle().Bold(true).Foreground(c("#c2410c", "#fb923c")),
			"Medium":        lipgloss.NewStyle().Foreground(c("#a16207", "#facc15")),
			"Low":           lipgloss.NewStyle().Foreground(c("#1d4ed8", "#93c5fd")),
			"Informational": lipgloss.NewStyle().Foreground(c("#6b7280", "#9ca3af")),
		},
	}
	return s.WithColour(false)
}

// SevWord is a severity as four letters, readable without colour.
func SevWord(severity int) string {
	switch model.BandOf(severity).Name {
	case "Critical":
		return "CRIT"
	case "High":
		return "HIGH"
	case "Medium":
		return "MED"
	case "Low":
		return "LOW"
	}
	return "INFO"
}

// StatusCell is a row's status in at most 12 cells, its verdict after it
// ("Closed · FP") where the backend records one as a tag.
func StatusCell(d *model.Detection) string {
	if !d.ShowInUI {
		// Hidden from the console: listed only with "." and marked so.
		return "⊘ " + statusWord(d)
	}
	return statusWord(d)
}

func statusWord(d *model.Detection) string {
	switch d.Verdict {
	case model.StatusTruePositive:
		return "Closed · TP"
	case model.StatusFalsePositive:
		return "Closed · FP"
	case model.StatusIgnored:
		return "Closed · Ign"
	}
	return statusShort(d.Status)
}

// StatusLabel is a row's status in words, with its verdict.
func StatusLabel(d *model.Detection) string {
	if d.Verdict != "" {
		return d.Status.Label() + " · " + d.Verdict.Label()
	}
	return d.Status.Label()
}

// statusShort is a status in at most 11 cells.
func statusShort(s model.Status) string {
	switch s {
	case model.StatusTruePositive:
		return "True pos."
	case model.StatusFalsePositive:
		return "False pos."
	}
	return s.Label()
}

// Products names the Alerts Products in a short tag each, in the order the
// quick filter lists them.
var Products = []struct{ Key, Name, Tag, Label string }{
	{"e", "epp", "EPP", "endpoint (epp)"},
	{"i", "idp", "IDP", "identity (idp)"},
	{"s", "ngsiem", "SIEM", "next-gen SIEM (ngsiem)"},
	{"c", "cwpp", "CLD", "cloud workloads (cwpp)"},
	{"t", "thirdparty", "3RD", "third party"},
	{"x", "xdr", "XDR", "XDR"},
	{"m", "mobile", "MOB", "mobile"},
}

// ProductTag is a product in at most four cells.
func ProductTag(p string) string {
	for _, x := range Products {
		if x.Name == p {
			return x.Tag
		}
	}
	return Truncate(Sanitize(strings.ToUpper(p)), 4)
}
