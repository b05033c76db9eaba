package list

import "github.com/falcon-triage/falcon-triage/model"

// markedHost is the host cell with the host's containment glyph before
// it: the glyph reads without colour (the detail says it in words).
func (l *List) markedHost(d *model.Detection) string {
	if l.HostMark != nil && d.Device.ID != "" {
		if g := l.HostMark(d.Device.ID); g != "" {
			return g + " " + hostCell(d)
		}
	}
	return hostCell(d)
}
