package model

import "strings"

// The fields each backend's filters take. A filter naming any other field
// is refused before it is sent: the service would answer it with no rows,
// which reads as an empty queue. Nested fields are listed by their dotted
// path (device.hostname, behaviors.tactic). Sources: the summaries' and
// alerts' published schemas (gofalcon, FalconPy, crimson-falcon), the
// falcon-mcp FQL guides, and the fields the fake filters on.

// FieldKind is what a field holds, for the values a filter may compare it
// with.
type FieldKind int

// The kinds of field.
const (
	TextField FieldKind = iota
	NumberField
	BoolField
	TimeField
)

// FilterTable is one backend's filterable fields, by kind.
type FilterTable map[string]FieldKind

// Has reports whether the backend filters on field.
func (t FilterTable) Has(field string) bool {
	_, ok := t[field]
	return ok
}

func table(kinds map[FieldKind]string) FilterTable {
	t := FilterTable{}
	for k, names := range kinds {
		for _, n := range strings.Fields(names) {
			t[n] = k
		}
	}
	return t
}

// dotted prefixes every name in names with p and a dot.
func dotted(p, names string) string {
	var b strings.Builder
	for _, n := range strings.Fields(names) {
		b.WriteString(p + "." + n + " ")
	}
	return b.String()
}

// deviceText, deviceTimes: the device of a detection or an endpoint alert.
const (
	deviceText = `device_id cid hostname local_ip external_ip mac_address platform_id platform_name os_version
		major_version minor_version agent_version agent_load_flags machine_domain site_name ou groups tags status
		product_type product_type_desc system_manufacturer system_product_name bios_manufacturer bios_version
		config_id_base config_id_build config_id_platform instance_id service_provider service_provider_account_id
		pod_name pod_namespace`
	deviceTimes = `first_seen last_seen modified_timestamp agent_local_time`
	// dispositions are the booleans of pattern_disposition_details.
	dispositions = `detect indicator kill_process kill_parent kill_subprocess quarantine_file quarantine_machine
		process_blocked operation_blocked policy_disabled registry_operation_blocked fs_operation_blocked
		handle_operation_downgraded critical_process_disabled bootup_safeguard_enabled rooting sensor_only
		suspend_parent suspend_process inddet_mask blocking_unsupported_or_disabled containment_file_system
		boot_time_protection`
	// processText are the text fields of a parent or grandparent process
	// of an alert.
	processText = `cmdline filename filepath md5 sha256 process_graph_id process_id user_graph_id user_id user_name`
)

// DetectsFilterable are the fields QueryDetects filters on.
var DetectsFilterable = table(map[FieldKind]string{
	TextField: `detection_id cid status assigned_to_uid assigned_to_name assigned_to_uuid max_severity_displayname
		overwatch_notes behaviors_processed ` +
		dotted("device", deviceText) +
		dotted("hostinfo", `domain active_directory_dn_display`) +
		dotted("behaviors", `behavior_id tactic tactic_id technique technique_id objective scenario display_name
			description filename filepath cmdline md5 sha256 user_name user_id ioc_type ioc_value ioc_source
			ioc_description alleged_filetype control_graph_id triggering_process_graph_id device_id
			parent_details.parent_cmdline parent_details.parent_md5 parent_details.parent_sha256
			parent_details.parent_process_graph_id`) +
		dotted("quarantined_files", `id paths sha256 state`),
	NumberField: `max_severity max_confidence seconds_to_triaged seconds_to_resolved adversary_ids
		behaviors.severity behaviors.confidence behaviors.pattern_disposition`,
	BoolField: `show_in_ui email_sent ` + dotted("behaviors.pattern_disposition_details", dispositions),
	TimeField: `created_timestamp first_behavior last_behavior date_updated behaviors.timestamp ` +
		dotted("device", deviceTimes),
})

// AlertsFilterable are the fields the Alerts queries filter on, every
// product's.
var AlertsFilterable = table(map[FieldKind]string{
	TextField: `composite_id id aggregate_id cid agent_id product type platform name display_name description
		status assigned_to_uid assigned_to_name assigned_to_uuid severity_name tactic tactic_id technique
		technique_id objective scenario resolution tags data_domains source_products source_vendors
		comments.value alleged_filetype cmdline filename filepath md5 sha1 sha256 user_name user_id logon_domain
		process_id parent_process_id tree_id tree_root triggering_process_graph_id child_process_ids
		control_graph_id global_prevalence local_prevalence ioc_type ioc_value ioc_source ioc_description
		ioc_context ioc_values indicator_id falcon_host_link incident.id charlotte.triage_status
		source_account_name source_account_upn source_account_domain source_account_sam_account_name
		source_account_object_sid source_endpoint_host_name source_endpoint_ip_address source_endpoint_sensor_id
		target_account_name target_account_upn target_endpoint_host_name ` +
		dotted("device", deviceText) +
		dotted("parent_details", processText) +
		dotted("grandparent_details", processText) +
		dotted("mitre_attack", `tactic tactic_id technique technique_id`),
	NumberField: `severity confidence pattern_id seconds_to_triaged seconds_to_resolved local_process_id
		process_start_time process_end_time pattern_disposition incident.score mitre_attack.pattern_id
		parent_details.local_process_id grandparent_details.local_process_id`,
	BoolField: `show_in_ui email_sent external is_aggregated charlotte.can_triage ` +
		dotted("pattern_disposition_details", dispositions),
	TimeField: `timestamp created_timestamp updated_timestamp crawled_timestamp incident.created incident.start
		incident.end parent_details.timestamp grandparent_details.timestamp ` + dotted("device", deviceTimes),
})

// detectsRenamed are the Detects fields whose Alerts field has another
// name, beyond a behaviour's field becoming the alert's own.
var detectsRenamed = map[string]string{
	"detection_id": "aggregate_id", "max_severity": "severity", "max_severity_displayname": "severity_name",
	"max_confidence": "confidence", "last_behavior": "timestamp", "date_updated": "updated_timestamp",
	"behaviors.parent_details.parent_cmdline": "parent_details.cmdline", "behaviors.parent_details.parent_md5": "parent_details.md5",
	"behaviors.parent_details.parent_sha256":           "parent_details.sha256",
	"behaviors.parent_details.parent_process_graph_id": "parent_details.process_graph_id",
}

// DetectsToAlerts maps a Detects field to its Alerts name, where the two
// differ: a filter written for one backend is answered with the other's
// name.
var DetectsToAlerts = func() map[string]string {
	m := map[string]string{"first_behavior": "timestamp"}
	for d, a := range detectsRenamed {
		m[d] = a
	}
	for f := range DetectsFilterable {
		if rest, ok := strings.CutPrefix(f, "behaviors."); ok && AlertsFilterable.Has(rest) {
			m[f] = rest
		}
	}
	return m
}()

// AlertsToDetects maps an Alerts field to its Detects name, where the two
// differ.
var AlertsToDetects = func() map[string]string {
	m := map[string]string{"composite_id": "detection_id"}
	for d, a := range detectsRenamed {
		m[a] = d
	}
	for f := range AlertsFilterable {
		if _, ok := m[f]; !ok && DetectsFilterable.Has("behaviors."+f) {
			m[f] = "behaviors." + f
		}
	}
	return m
}()
