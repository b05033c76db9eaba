package screen

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/termsafe"
)

func Time(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04:05 MST")
}

func PadRight(s string, w int) string {
	if n := w - Width(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

// StripControls drops what acts on a terminal or draws nothing from a value
// headed for the clipboard (termsafe.Strip), so a paste into a shell runs
// what was shown.
func StripControls(s string) string { return termsafe.Strip(s) }

// Duration is the one way durations read everywhere: the two largest
// units, days, hours, minutes or seconds ("2d 3h", "18h 2m", "4m 10s").
func Duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	units := []struct {
		name string
		size time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}}
	var parts []string
	for _, u := range units {
		if n := d / u.size; n > 0 || len(parts) > 0 {
			parts = append(parts, fmt.Sprintf("%d%s", n, u.name))
			d -= n * u.size
		}
		if len(parts) == 2 {
			break
		}
	}
	if len(parts) == 0 {
		return "0s"
	}
	if len(parts) == 2 && strings.HasPrefix(parts[1], "0") {
		parts = parts[:1]
	}
	return strings.Join(parts, " ")
}

func Plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func Agree(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Wrap folds text to width, breaking words only when one is longer.
func Wrap(text string, width int) string {
	return ansi.Hardwrap(ansi.Wordwrap(text, width, " "), width, true)
}

func Commas(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// PlaceOverlay draws box centred over the screen content, as Lip Gloss
// layers on one canvas. A blank margin a cell wide lies between the box and
// the content on its rows, reaching the screen's edge when only a few
// cells would be left there: nothing of the screen below (the list's ▶,
// a row's first letters) shows beside the box's border as if part of it.
func PlaceOverlay(content, box string, width, height int) string {
	bw, bh := lipgloss.Width(box), min(lipgloss.Height(box), height)
	x, y := max(0, (width-bw)/2), max(0, (height-bh)/2)
	left, right := max(0, x-1), min(width, x+bw+1)
	if left < 3 {
		left = 0
	}
	if width-right < 3 {
		right = width
	}
	blank := strings.TrimSuffix(strings.Repeat(strings.Repeat(" ", right-left)+"\n", bh), "\n")
	comp := lipgloss.NewCompositor(lipgloss.NewLayer(content),
		lipgloss.NewLayer(blank).X(left).Y(y).Z(1),
		lipgloss.NewLayer(box).X(x).Y(y).Z(2))
	return lipgloss.NewCanvas(width, height).Compose(comp).Render()
}

var SpinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func MenuBox(st *Styles, width int, title string, items [][2]string) string {
	var b strings.Builder
	w := max(20, width-6) // inside the border and padding
	b.WriteString(st.Label.Render(Wrap(title, w)))
	for _, it := range items {
		b.WriteString("\n")
		b.WriteString(st.MenuKey.Render(PadRight(it[0], 3)) + " " + Truncate(it[1], w-4))
	}
	b.WriteString("\n" + st.Dim.Render("esc closes"))
	return st.Menu.Render(b.String())
}

// JoinID names a thing with its id: "Execution (TA0002)".
func JoinID(name, id string) string {
	switch {
	case name == "":
		return id
	case id == "":
		return name
	}
	return name + " (" + id + ")"
}

// RowWord names n rows as the backend named calls them: alerts, or
// detections.
func RowWord(backend string, n int) string {
	if backend == "alerts" {
		return Plural(n, "alert")
	}
	return Plural(n, "detection")
}

// SideBySide lays two columns of lines beside each other, the left padded
// to width and the two parted by sep, over n lines (at least as many as
// the longer column).
func SideBySide(left, right []string, width int, sep string, n int) []string {
	out := make([]string, max(n, len(left), len(right)))
	for j := range out {
		l, r := "", ""
		if j < len(left) {
			l = left[j]
		}
		if j < len(right) {
			r = right[j]
		}
		out[j] = PadRight(l, width) + sep + r
	}
	return out
}
