package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// The cursor row is a bar across the whole row: reverse video until the
// terminal is known to show colours (never with NO_COLOR), a background
// colour once it shows 256, reverse again with 16 (whose palette the
// terminal decides: a light bar may vanish on a light background).
func TestTheCursorBarFollowsTheColourProfile(t *testing.T) {
	m := loadedModel(t, 50, 80, 24)
	for _, c := range []struct {
		profile colorprofile.Profile
		attr    string
	}{{colorprofile.ASCII, "7"}, {colorprofile.ANSI256, "48;"}, {colorprofile.ANSI, "7"}} {
		m.Update(tea.ColorProfileMsg{Profile: c.profile})
		var row string
		for _, line := range strings.Split(m.View().Content, "\n") {
			if strings.Contains(line, "▶") {
				row = line
			}
		}
		open := strings.TrimPrefix(row[:strings.Index(row, "▶")], "\x1b[")
		has := strings.Contains(";"+strings.TrimSuffix(open, "m")+";", ";"+strings.TrimSuffix(c.attr, ";")+";")
		if !has || ansi.StringWidth(row) != 80 || strings.Count(row, "\x1b[") != 2 {
			t.Fatalf("profile %v: the cursor row is not one bar of %q across 80 columns: %q", c.profile, c.attr, row)
		}
	}
}
