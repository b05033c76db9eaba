package ui

import (
	"image/color"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/falcon-triage/falcon-triage/model"
)

// styles are the console's looks. Colour is never the only signal: the
// cursor has a glyph and reverse video, severities a word, errors a prefix,
// so NO_COLOR and TERM=dumb terminals read the same.
type styles struct {
	dark      bool // for a dark background
	header    lipgloss.Style
	headerDim lipgloss.Style
	colHeader lipgloss.Style
	cursor    lipgloss.Style
	dim       lipgloss.Style
	err       lipgloss.Style
	ok        lipgloss.Style
	label     lipgloss.Style
	section   lipgloss.Style
	menu      lipgloss.Style
	menuKey   lipgloss.Style
	sev       map[string]lipgloss.Style
}

func newStyles(dark bool) styles {
	ld := lipgloss.LightDark(dark)
	c := func(light, darkC string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(darkC)) }
	s := styles{
		dark:      dark,
		header:    lipgloss.NewStyle().Bold(true).Foreground(c("#1d4ed8", "#93c5fd")),
		headerDim: lipgloss.NewStyle().Foreground(c("#4b5563", "#9ca3af")),
		colHeader: lipgloss.NewStyle().Bold(true).Underline(true),
		cursor:    lipgloss.NewStyle().Reverse(true).Bold(true),
		dim:       lipgloss.NewStyle().Foreground(c("#6b7280", "#9ca3af")),
		err:       lipgloss.NewStyle().Bold(true).Foreground(c("#b91c1c", "#f87171")),
		ok:        lipgloss.NewStyle().Foreground(c("#15803d", "#86efac")),
		label:     lipgloss.NewStyle().Bold(true),
		section:   lipgloss.NewStyle().Bold(true).Foreground(c("#7c3aed", "#c4b5fd")),
		menu:      lipgloss.NewStyle().Border(lipgloss.NormalBorder()).Padding(0, 1),
		menuKey:   lipgloss.NewStyle().Bold(true).Foreground(c("#1d4ed8", "#93c5fd")),
		sev: map[string]lipgloss.Style{
			"Critical":      lipgloss.NewStyle().Bold(true).Foreground(c("#ffffff", "#ffffff")).Background(c("#b91c1c", "#b91c1c")),
			"High":          lipgloss.NewStyle().Bold(true).Foreground(c("#c2410c", "#fb923c")),
			"Medium":        lipgloss.NewStyle().Foreground(c("#a16207", "#facc15")),
			"Low":           lipgloss.NewStyle().Foreground(c("#1d4ed8", "#93c5fd")),
			"Informational": lipgloss.NewStyle().Foreground(c("#6b7280", "#9ca3af")),
		},
	}
	return s
}

// sevWord is a severity as four letters, readable without colour.
func sevWord(severity int) string {
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

// statusCell is a row's status in at most 12 cells, its verdict after it
// ("Closed · FP") where the backend records one as a tag.
func statusCell(d *model.Detection) string {
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

// statusLabel is a row's status in words, with its verdict.
func statusLabel(d *model.Detection) string {
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

// products names the Alerts products in a short tag each, in the order the
// quick filter lists them.
var products = []struct{ key, name, tag, label string }{
	{"e", "epp", "EPP", "endpoint (epp)"},
	{"i", "idp", "IDP", "identity (idp)"},
	{"s", "ngsiem", "SIEM", "next-gen SIEM (ngsiem)"},
	{"c", "cwpp", "CLD", "cloud workloads (cwpp)"},
	{"t", "thirdparty", "3RD", "third party"},
	{"x", "xdr", "XDR", "XDR"},
	{"m", "mobile", "MOB", "mobile"},
}

// productTag is a product in at most four cells.
func productTag(p string) string {
	for _, x := range products {
		if x.name == p {
			return x.tag
		}
	}
	return Truncate(Sanitize(strings.ToUpper(p)), 4)
}
