package fake

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// The alerts of the products other than endpoint protection: a tenant's
// Alerts list holds them all, and most have no device and no process.

// pattern is one kind of alert of a product.
type pattern struct {
	id                                              int
	name, typ                                       string
	tactic, tacticID, technique, techniqueID, scene string
}

// productKind is a product's share of the other alerts and what its alerts
// look like.
type productKind struct {
	product  string
	weight   int
	domains  []string
	external bool
	// sources are vendor/product pairs, one drawn per alert.
	sources  [][2]string
	patterns []pattern
	// platforms, when set, is drawn from for the alert's platform.
	platforms []string
	// identity alerts name accounts and hosts.
	identity bool
}

var otherProducts = []productKind{
	{product: "idp", weight: 40, domains: []string{"Identity"}, identity: true,
		sources: [][2]string{{"CrowdStrike", "Falcon Identity Protection"}},
		patterns: []pattern{
			{51101, "Unusual login to an endpoint", "idp-session-source-user-endpoint-target-info", "Lateral Movement", "TA0008", "Remote Services", "T1021", "lateral_movement"},
			{51102, "Credential scanning", "idp-user-endpoint-app-access", "Credential Access", "TA0006", "Brute Force", "T1110", "credential_theft"},
			{51103, "Pass-the-hash", "idp-session-source-user-endpoint-target-info", "Lateral Movement", "TA0008", "Use Alternate Authentication Material", "T1550.002", "lateral_movement"},
			{51104, "Suspicious LDAP search", "idp-user-endpoint-app-access", "Discovery", "TA0007", "Account Discovery", "T1087", "reconnaissance"},
			{51105, "Access from an unusual location", "idp-user-endpoint-app-access", "Initial Access", "TA0001", "Valid Accounts", "T1078", "credential_theft"},
		}},
	{product: "ngsiem", weight: 20, domains: []string{"Next-Gen SIEM"},
		sources: [][2]string{{"Microsoft", "Microsoft Entra ID"}, {"Okta", "Okta Workforce Identity"}, {"Palo Alto Networks", "PAN-OS"}, {"Zscaler", "Zscaler Internet Access"}, {"Amazon", "AWS CloudTrail"}},
		patterns: []pattern{
			{60201, "Impossible travel sign-in", "ngsiem-rule-match", "Initial Access", "TA0001", "Valid Accounts", "T1078", "credential_theft"},
			{60202, "Failed logins followed by a success", "ngsiem-rule-match", "Credential Access", "TA0006", "Brute Force", "T1110", "credential_theft"},
			{60203, "Outbound traffic to a known C2 address", "ngsiem-rule-match", "Command and Control", "TA0011", "Application Layer Protocol", "T1071", "attacker_methodology"},
			{60204, "Root account console login", "ngsiem-rule-match", "Privilege Escalation", "TA0004", "Valid Accounts: Cloud Accounts", "T1078.004", "privilege_escalation"},
		}},
	{product: "thirdparty", weight: 12, domains: []string{"Email", "Endpoint", "Web"}, external: true,
		sources: [][2]string{{"Microsoft", "Microsoft Defender for Endpoint"}, {"Proofpoint", "Proofpoint TAP"}, {"Netskope", "Netskope SSE"}},
		patterns: []pattern{
			{70301, "Phishing link clicked", "thirdparty", "Initial Access", "TA0001", "Phishing: Spearphishing Link", "T1566.002", "initial_access"},
			{70302, "Malware detected by a third-party sensor", "thirdparty", "Execution", "TA0002", "User Execution", "T1204", "known_malware"},
		}},
	{product: "cwpp", weight: 12, domains: []string{"Cloud"}, platforms: []string{"Linux"},
		sources: [][2]string{{"CrowdStrike", "Falcon Cloud Security"}},
		patterns: []pattern{
			{80401, "Container drift: a new executable ran", "cwpp", "Execution", "TA0002", "Deploy Container", "T1610", "suspicious_activity"},
			{80402, "Privileged container started", "cwpp", "Privilege Escalation", "TA0004", "Escape to Host", "T1611", "privilege_escalation"},
		}},
	{product: "xdr", weight: 8, domains: []string{"Endpoint", "Identity", "Network"},
		sources: [][2]string{{"CrowdStrike", "Falcon Insight XDR"}, {"Zscaler", "Zscaler Internet Access"}},
		patterns: []pattern{
			{90501, "Phishing followed by credential use", "xdr", "Credential Access", "TA0006", "Steal Web Session Cookie", "T1539", "credential_theft"},
		}},
	{product: "mobile", weight: 8, domains: []string{"Mobile"}, platforms: []string{"Android", "iOS"},
		sources: [][2]string{{"CrowdStrike", "Falcon for Mobile"}},
		patterns: []pattern{
			{95601, "Sideloaded application", "mobile-app", "Initial Access", "TA0027", "Install Insecure or Malicious Configuration", "T1478", "suspicious_activity"},
			{95602, "Jailbroken device", "mobile-device", "Defense Evasion", "TA0030", "Exploitation for Privilege Escalation", "T1404", "evade_detection"},
		}},
}

var targetAccounts = []string{"Administrator", "svc-backup", "svc-sql", "krbtgt", "helpdesk-admin"}

// otherAlerts generates n alerts of the other products, from the seed of o.
func otherAlerts(o GenOptions, users []user, n int) []*alert {
	r := rand.New(rand.NewPCG(o.Seed^0x5bd1e995, o.Seed+0x27d4eb2f165667c5))
	total := 0
	for _, k := range otherProducts {
		total += k.weight
	}
	base := o.Base.UTC()
	out := make([]*alert, 0, n)
	for i := 0; i < n; i++ {
		x := r.IntN(total)
		k := otherProducts[0]
		for _, c := range otherProducts {
			if x < c.weight {
				k = c
				break
			}
			x -= c.weight
		}
		out = append(out, otherAlert(r, k, users, base, i, o.cid()))
	}
	return out
}

func otherAlert(r *rand.Rand, k productKind, users []user, base time.Time, i int, cid string) *alert {
	p := k.patterns[r.IntN(len(k.patterns))]
	src := k.sources[r.IntN(len(k.sources))]
	key := hex32(r)
	at := base.Add(-time.Duration(r.Float64() * r.Float64() * 30 * 24 * float64(time.Hour))).Truncate(time.Second)
	created := at.Add(upTo(r, base.Sub(at), 2*time.Minute))
	sev := max(2, min(100, []int{10, 30, 50, 50, 70, 90}[r.IntN(6)]+r.IntN(10)-5))
	id := fmt.Sprintf("%s:%s:%s", k.product, cid, key)
	a := &alert{
		CompositeID: cid + ":" + id, ID: id,
		AggregateID: fmt.Sprintf("agg%s:%s:%d", k.product, cid, 100000000+r.IntN(900000000)),
		CID:         cid, AgentID: "",
		Product: k.product, Type: p.typ, Name: p.name, PatternID: p.id,
		DataDomains: k.domains, SourceProducts: []string{src[1]}, SourceVendors: []string{src[0]}, External: k.external,
		CreatedTimestamp: created.Format(time.RFC3339Nano), Timestamp: at.Format(time.RFC3339Nano), CrawledTimestamp: created.Format(time.RFC3339Nano),
		ShowInUI: r.IntN(40) != 0, Severity: sev, SeverityName: severityName(sev), Confidence: 20 + r.IntN(81),
		Tags:        []string{},
		MitreAttack: []mitreMapping{{PatternID: p.id, TacticID: p.tacticID, TechniqueID: p.techniqueID, Tactic: p.tactic, Technique: p.technique}},
		Tactic:      p.tactic, TacticID: p.tacticID, Technique: p.technique, TechniqueID: p.techniqueID,
		Objective: "Gain Access", Scenario: p.scene, DisplayName: camel(p.name),
		Description: fmt.Sprintf("%s, reported by %s %s.", p.name, src[0], src[1]),
	}
	if len(k.platforms) > 0 {
		a.Platform = k.platforms[r.IntN(len(k.platforms))]
	}
	if k.identity {
		u := users[r.IntN(len(users))]
		login := strings.ToLower(u.FirstName + "." + u.LastName)
		a.SourceAccountName = login
		a.SourceAccountUPN = u.UID
		a.SourceEndpointHostName = fmt.Sprintf("%s-%04d.corp.example", []string{"WS", "LT", "SRV"}[r.IntN(3)], r.IntN(10000))
		a.SourceEndpointIPAddress = fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 1+r.IntN(254))
		a.TargetAccountName = targetAccounts[r.IntN(len(targetAccounts))]
		if i%97 == 5 {
			// Account and host names are the attacker's to choose too.
			a.SourceAccountName = "adm\x1b]0;owned\x07in\x1b[2J"
			a.SourceEndpointHostName = "ws\u202e1000"
		}
	}
	switch x := r.IntN(100); {
	case x < 60:
		a.Status = "new"
	case x < 75:
		a.Status = "in_progress"
	case x < 95:
		a.Status = "closed"
		a.Tags = append(a.Tags, []string{"true_positive", "false_positive"}[r.IntN(2)])
	default:
		a.Status = "reopened"
	}
	if a.Status != "new" && base.Sub(created) < time.Minute {
		a.Status, a.Tags = "new", a.Tags[:0]
	}
	// The first look, the resolution and the last update follow in that
	// order, none after the base.
	done := created
	if a.Status != "new" {
		u := users[r.IntN(len(users))]
		a.AssignedToUID, a.AssignedToName, a.AssignedToUUID = u.UID, u.Name(), u.UUID
		done = created.Add(time.Minute + upTo(r, base.Sub(created)-time.Minute, 24*time.Hour))
		a.SecondsToTriaged = int64(done.Sub(created) / time.Second)
	}
	if a.Status == "closed" {
		done = done.Add(upTo(r, base.Sub(done), 3*24*time.Hour))
		a.SecondsToResolved = int64(done.Sub(created) / time.Second)
	}
	a.UpdatedTimestamp = done.Add(upTo(r, base.Sub(done), 2*time.Hour)).Format(time.RFC3339Nano)
	return a
}

// camel joins words as Falcon's display names do: "Jailbroken device" is
// JailbrokenDevice.
func camel(s string) string {
	if c, ok := camels[s]; ok {
		return c
	}
	return camelCase(s)
}

// camels are the display names of the generator's techniques and
// patterns, made once.
var camels = func() map[string]string {
	m := map[string]string{}
	for _, t := range techniques {
		m[t.technique] = camelCase(t.technique)
	}
	for _, k := range otherProducts {
		for _, p := range k.patterns {
			m[p.name] = camelCase(p.name)
		}
	}
	return m
}()

func camelCase(s string) string {
	var b strings.Builder
	for _, w := range strings.Fields(s) {
		r := []rune(w)
		b.WriteString(strings.ToUpper(string(r[0])) + string(r[1:]))
	}
	return b.String()
}
