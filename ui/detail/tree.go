package detail

import (
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// node is one process of the tree, with the API's field names + and -
// filter on (empty: that field cannot be filtered on).
type node struct {
	role string // grandparent, parent, process: said in words, not by colour
	p    model.Process
	// The fields: file name, command line (a pattern), user, sha256, md5.
	file, cmd, user, sha, md5 string
}

// tree is the process tree of the worst behaviour, grandparent → parent →
// process, drawn with glyphs and words in the label column (80 columns:
// each label fits labelWidth). Alerts carry parent_details and
// grandparent_details; a Detects behaviour only its parent's command line
// and hashes, and no grandparent. An alert with no process (identity,
// other non-endpoint products) has no tree.
func (b *entries) tree(d *model.Detection, worst int) {
	if worst < 0 {
		return
	}
	bh := &d.Behaviors[worst]
	self := model.Process{FileName: bh.FileName, FilePath: bh.FilePath, CmdLine: bh.CmdLine, MD5: bh.MD5, SHA256: bh.SHA256,
		UserName: bh.UserName, Time: bh.Time}
	alerts := b.f.Product != ""
	var parent, grand *model.Process
	if alerts {
		parent, grand = bh.Parent, bh.Grandparent
	}
	if parent == nil && (bh.ParentCmdLine != "" || bh.ParentSHA256 != "" || bh.ParentMD5 != "") {
		parent = &model.Process{CmdLine: bh.ParentCmdLine, SHA256: bh.ParentSHA256, MD5: bh.ParentMD5}
	}
	if self.Empty() && parent.Empty() {
		return // no process: an identity or other non-endpoint alert
	}
	first := len(b.es)
	b.section("Process tree · grandparent → parent → process")
	if grand.Empty() {
		b.es = append(b.es, entry{label: "grandparent", value: "no grandparent: the service names none"})
	} else {
		b.node(node{role: "grandparent", p: *grand, file: "grandparent_details.filename", cmd: "grandparent_details.cmdline",
			user: "grandparent_details.user_name", sha: "grandparent_details.sha256", md5: "grandparent_details.md5"}, "", "│ ")
	}
	if parent.Empty() {
		b.es = append(b.es, entry{label: "└ parent", value: "no parent: the service names none"})
	} else if alerts {
		b.node(node{role: "parent", p: *parent, file: "parent_details.filename", cmd: "parent_details.cmdline",
			user: "parent_details.user_name", sha: "parent_details.sha256", md5: "parent_details.md5"}, "└ ", "  │ ")
	} else {
		pre := "behaviors.parent_details."
		b.node(node{role: "parent", p: *parent, cmd: pre + "parent_cmdline", sha: pre + "parent_sha256",
			md5: pre + "parent_md5"}, "└ ", "  │ ")
	}
	b.node(node{role: "process", p: self, file: b.f.FileName, cmd: b.f.CmdLine, user: b.name("behaviors.user_name"),
		sha: b.f.SHA256, md5: b.name("behaviors.md5")}, "  └ ", "    ")
	for j := first; j < len(b.es); j++ {
		b.es[j].behavior = worst + 1 // y copies from the behaviour the tree is of
	}
}

// name is a Detects field in this backend's name.
func (b *entries) name(field string) string {
	if r, ok := b.f.Renamed[field]; ok && !b.f.Filterable.Has(field) {
		return r
	}
	return field
}

// node adds one process: its file name on the node's line (labelled with
// its role after the glyph head), then its command line, user, hashes and
// time, each under the glyph body.
func (b *entries) node(n node, head, body string) {
	p := n.p
	file := p.FileName
	if file == "" {
		file = p.FilePath
	}
	e := entry{label: head + n.role, value: screen.Sanitize(file)}
	if file == "" {
		e.value = "(no file name)"
	} else if n.file != "" && p.FileName != "" {
		e.in, e.out = model.Eq(n.file, p.FileName), model.NotEq(n.file, p.FileName)
	}
	b.es = append(b.es, e)
	if p.FilePath != "" && p.FilePath != file {
		b.add(body+"path", p.FilePath, "")
	}
	if p.CmdLine != "" {
		b.add(body+"command", p.CmdLine, "")
		if n.cmd != "" {
			e := &b.es[len(b.es)-1]
			e.pattern = model.Wildcard(n.cmd, "*"+p.CmdLine+"*")
			e.notPattern = model.NotWildcard(n.cmd, "*"+p.CmdLine+"*")
		}
	}
	b.add(body+"user", p.UserName, n.user)
	b.addWhole(body+"SHA256", p.SHA256, n.sha)
	b.addWhole(body+"MD5", p.MD5, n.md5)
	b.add(body+"time", screen.Time(p.Time, b.loc), "")
}

// addWhole adds a value copied whole (a hash): never split over lines.
func (b *entries) addWhole(label, value, field string) {
	n := len(b.es)
	b.add(label, value, field)
	if len(b.es) > n {
		b.es[n].whole = true
	}
}
