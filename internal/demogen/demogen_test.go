package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/demogen/tunnelsim"
)

// committedDir is the checked-in copy of the data set.
const committedDir = "../../testdata/demo"

// TestCommittedDataMatchesGenerator keeps testdata/demo byte-identical to
// what the generator writes, so the two can never drift apart.
func TestCommittedDataMatchesGenerator(t *testing.T) {
	dir := t.TempDir()
	if err := generate(dir, tunnelsim.DensityReal); err != nil {
		t.Fatal(err)
	}
	got := readDir(t, dir)
	want := readDir(t, committedDir)
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s is generated but not committed in testdata/demo", name)
		}
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("testdata/demo/%s is committed but no longer generated", name)
			continue
		}
		if !bytes.Equal(g, w) {
			t.Errorf("testdata/demo/%s differs from the generator output (%s); run `go run ./internal/demogen -out testdata/demo`",
				name, firstDifference(g, w))
		}
	}
}

// TestGeneratorIsDeterministic builds twice and compares.
func TestGeneratorIsDeterministic(t *testing.T) {
	a, err := build(tunnelsim.DensityReal)
	if err != nil {
		t.Fatal(err)
	}
	b, err := build(tunnelsim.DensityReal)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("build produced %d then %d files", len(a), len(b))
	}
	for i := range a {
		if a[i].name != b[i].name || !bytes.Equal(a[i].data, b[i].data) {
			t.Errorf("%s differs between two builds", a[i].name)
		}
	}
}

// The stream files are stored gzipped, and the whole set stays small: it is
// in the repository and embedded in the binary.
func TestDataSetUnderTwoMegabytes(t *testing.T) {
	entries, err := os.ReadDir(committedDir)
	if err != nil {
		t.Fatal(err)
	}
	total := int64(0)
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		total += info.Size()
		if strings.HasSuffix(e.Name(), ".log") {
			t.Errorf("%s is stored plain; stream files are stored gzipped (.log.gz)", e.Name())
		}
	}
	if total >= 2<<20 {
		t.Errorf("data set is %d bytes on disk, want under 2 MiB", total)
	}
}

// At real density every tunnel logs its liveness exchange about every 10 s
// while its IKE SA is up, and never while it is down.
func TestLivenessEveryTenSecondsWhileUp(t *testing.T) {
	files := readDir(t, committedDir)
	liveness := regexp.MustCompile(`^AWS tunnel (is sending request \(id=\d+\) for INFORMATIONAL|is sending DPD R-U-THERE to peer)$`)
	for name, data := range files {
		if !strings.HasSuffix(name, "-IKE.log") {
			continue
		}
		recs := parseStream(t, name, data)
		probes, maxGap := 0, time.Duration(0)
		var last time.Time
		for _, r := range recs {
			if r.p1 != "established" || r.p2 == "down" || r.p2 == "negotiating" {
				last = time.Time{} // a gap while down is expected
				continue
			}
			if !liveness.MatchString(r.details) {
				continue
			}
			probes++
			if !last.IsZero() && r.t.Sub(last) > maxGap {
				maxGap = r.t.Sub(last)
			}
			last = r.t
		}
		// 24 h at one probe per ~10 s, less the outages.
		if probes < 7500 {
			t.Errorf("%s: %d liveness probes in the day, want about 8,000", name, probes)
		}
		// A probe may be skipped next to another record; never many.
		if maxGap > 45*time.Second {
			t.Errorf("%s: %v without a liveness probe while the tunnel was up", name, maxGap)
		}
	}
}

// The keys the AWS doc lists, in its order.
var (
	ikeKeys   = []string{"event_timestamp", "timestamp", "dpd_enabled", "nat_t_detected", "ike_phase1_state", "ike_phase2_state", "details"}
	bgpKeys   = []string{"resource_id", "event_timestamp", "timestamp", "type", "status", "message"}
	routeKeys = []string{"prefix", "asPath", "localPref", "med", "nextHopIp", "weight"}
)

var ip = `\d+\.\d+\.\d+\.\d+`

// ikeDetails are the documented tunnel activity messages, placeholders as
// patterns. An empty details is a state report.
var ikeDetails = compileAll(
	``,
	`AWS tunnel DPD timed out after \d+ retransmits`,
	`Peer is not responsive - Declaring peer dead`,
	`AWS tunnel received DELETE for IKE_SA from CGW`,
	`AWS tunnel received DELETE for Phase 2 SA with SPI: [0-9a-f]{8}`, // documented; not generated today
	`No Proposal Match Found by AWS`,
	`AWS tunnel detected a pre-shared key mismatch with cgw: `+ip,
	`AWS tunnel Timeout: deleting un-established Phase 1 IKE_SA with cgw: `+ip,
	`AWS tunnel detected a \(CHILD_REKEY\) collision as CHILD_DELETE`,
	`AWS tunnel \(CHILD_SA\) redundant SA is being deleted due to detected collision`,
	`AWS tunnel (processed|is sending) (request|response) \(id=\d+\) for CREATE_CHILD_SA`,
	// The liveness exchange (its wording is not published; see tunnelsim).
	`AWS tunnel (is sending request|processed response) \(id=\d+\) for INFORMATIONAL`,
	`AWS tunnel is sending DPD R-U-THERE to peer`,
	`AWS tunnel received R-U-THERE-ACK`,
)

// bgpDetails are the documented BGPStatus messages with the status AWS
// gives each. Transitions other than the documented six follow the same
// template (the contract's bgp.state_change covers them).
var bgpDetails = []struct {
	re     *regexp.Regexp
	status string
}{
	{regexp.MustCompile(`^AWS-side peer BGP session state has changed from OpenConfirm to Established with neighbor ` + ip + `$`), "UP"},
	{regexp.MustCompile(`^AWS-side peer BGP session state has changed from (Idle|Connect|OpenSent|OpenConfirm|Established) to (Idle|Connect|OpenSent|OpenConfirm|Active) with neighbor ` + ip + `$`), "DOWN"},
	{regexp.MustCompile(`^AWS-side peer is initiating a connection \(via Connect\) to neighbor ` + ip + `$`), "DOWN"},
	{regexp.MustCompile(`^AWS-side peer (sent an OPEN message to|received an OPEN message from) neighbor ` + ip + ` - version 4, AS \d+, holdtime \d+, router-id ` + ip + `$`), "DOWN"},
	{regexp.MustCompile(`^AWS-side peer detected a bad OPEN message from neighbor ` + ip + ` - remote AS is \d+, expected \d+$`), "DOWN"},
	{regexp.MustCompile(`^AWS-side peer sent an End-of-RIB message to neighbor ` + ip + `$`), "UP"},
	{regexp.MustCompile(`^AWS-side peer received update with attributes from neighbor ` + ip + ` - AS path: \d+( \d+)*$`), "UP"},
	{regexp.MustCompile(`^AWS-side peer sent a Hold Timer Expired notification to neighbor ` + ip + `$`), "DOWN"},
	{regexp.MustCompile(`^AWS-side peer (sent a notification|received notification) 6/1 \(Cease/Maximum Number of Prefixes Reached\) (to|from) neighbor ` + ip + `$`), "DOWN"},
	{regexp.MustCompile(`^AWS-side peer (sent a notification|received notification) 6/5 \(Cease/Connection Rejected\) (to|from) neighbor ` + ip + `$`), "DOWN"},
	{regexp.MustCompile(`^AWS-side peer (sent a notification|received notification) 6/2 \(Cease/Administrative Shutdown\) (to|from) neighbor ` + ip + `$`), "DOWN"},
	{regexp.MustCompile(`^AWS-side peer is reporting a maximum prefix limit warning - received \d+ prefixes from neighbor ` + ip + `, limit is \d+$`), "UP"},
	{regexp.MustCompile(`^AWS-side peer detected the maximum prefix limit was exceeded - received \d+ prefixes from neighbor ` + ip + `, limit is \d+$`), "DOWN"},
}

var routeDetails = compileAll(``, `DENIED due to: as-path contains our own AS`)

func compileAll(patterns ...string) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, p := range patterns {
		out = append(out, regexp.MustCompile("^"+p+"$"))
	}
	return out
}

func matchesAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// logRecord is a parsed line of a stream file, enough for these checks.
type logRecord struct {
	line     int
	raw      string
	t        time.Time
	p1, p2   string // IKE
	typ      string // BGP
	status   string
	details  string
	prefix   string
	asPath   string
	resource string
}

var validStates = []string{"established", "rekeying", "negotiating", "down"}

// TestStreamRecordsAreWellFormed parses every line of every stream: JSON
// lines must carry the doc's keys in the doc's order, texts must be the
// doc's messages, times must agree and run forward.
func TestStreamRecordsAreWellFormed(t *testing.T) {
	files := readDir(t, committedDir)
	nStreams := 0
	for name := range files {
		if !strings.HasSuffix(name, ".log") {
			continue
		}
		nStreams++
		recs := parseStream(t, name, files[name])
		if len(recs) < 50 {
			t.Errorf("%s: only %d records", name, len(recs))
		}
		for i := 1; i < len(recs); i++ {
			if recs[i].t.Before(recs[i-1].t) {
				t.Errorf("%s:%d: record at %s comes after one at %s", name, recs[i].line, recs[i].t, recs[i-1].t)
			}
		}
	}
	if nStreams != 8 {
		t.Errorf("found %d stream files, want 8 (2 connections x 2 tunnels x IKE+BGP)", nStreams)
	}
}

// parseStream parses and checks one stream file.
func parseStream(t *testing.T, name string, data []byte) []logRecord {
	t.Helper()
	vpnID, tunnelIP, kind := streamOf(t, name)
	var recs []logRecord
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		where := fmt.Sprintf("%s:%d", name, n)
		var rec logRecord
		var err error
		switch {
		case kind == "IKE":
			rec, err = parseIKELine(line)
		case strings.HasPrefix(line, "{"):
			rec, err = parseBGPJSONLine(line)
		default:
			rec, err = parseBGPTextLine(line)
		}
		if err != nil {
			t.Errorf("%s: %v\n\t%s", where, err, line)
			continue
		}
		rec.line, rec.raw = n, line
		if kind == "IKE" {
			if !slices.Contains(validStates, rec.p1) || !slices.Contains(validStates, rec.p2) {
				t.Errorf("%s: phase states %q/%q are not AWS states", where, rec.p1, rec.p2)
			}
			if !matchesAny(ikeDetails, rec.details) {
				t.Errorf("%s: details %q is not a documented tunnel activity message", where, rec.details)
			}
		} else {
			if rec.resource != vpnID+"_"+tunnelIP {
				t.Errorf("%s: resource_id %q does not match the stream", where, rec.resource)
			}
			checkBGPRecord(t, where, rec)
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return recs
}

func checkBGPRecord(t *testing.T, where string, rec logRecord) {
	t.Helper()
	switch rec.typ {
	case "BGPStatus":
		for _, d := range bgpDetails {
			if d.re.MatchString(rec.details) {
				if d.status != rec.status {
					t.Errorf("%s: status %s, the doc gives %s for %q", where, rec.status, d.status, rec.details)
				}
				return
			}
		}
		t.Errorf("%s: %q is not a documented BGP status message", where, rec.details)
	case "RouteStatus":
		if !slices.Contains([]string{"ADVERTISED", "UPDATED", "WITHDRAWN"}, rec.status) {
			t.Errorf("%s: RouteStatus status %q", where, rec.status)
		}
		if !matchesAny(routeDetails, rec.details) {
			t.Errorf("%s: route details %q is not documented", where, rec.details)
		}
		if rec.prefix == "" || rec.asPath == "" {
			t.Errorf("%s: route without prefix or AS path", where)
		}
	default:
		t.Errorf("%s: type %q", where, rec.typ)
	}
}

// orderedKeys returns the top-level keys of a JSON object in file order.
func orderedKeys(raw []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

func parseIKELine(line string) (logRecord, error) {
	keys, err := orderedKeys([]byte(line))
	if err != nil {
		return logRecord{}, err
	}
	if !slices.Equal(keys, ikeKeys) {
		return logRecord{}, fmt.Errorf("keys %v, want %v", keys, ikeKeys)
	}
	var v struct {
		EventTimestamp int64  `json:"event_timestamp"`
		Timestamp      string `json:"timestamp"`
		DPD            bool   `json:"dpd_enabled"`
		NATT           bool   `json:"nat_t_detected"`
		P1             string `json:"ike_phase1_state"`
		P2             string `json:"ike_phase2_state"`
		Details        string `json:"details"`
	}
	if err := json.Unmarshal([]byte(line), &v); err != nil {
		return logRecord{}, err
	}
	ts, err := parseLogTimestamp(v.Timestamp)
	if err != nil {
		return logRecord{}, err
	}
	if v.EventTimestamp >= 1e11 {
		return logRecord{}, fmt.Errorf("IKE event_timestamp %d is not in seconds", v.EventTimestamp)
	}
	if ts.Unix() != v.EventTimestamp {
		return logRecord{}, fmt.Errorf("event_timestamp %d and timestamp %q disagree", v.EventTimestamp, v.Timestamp)
	}
	return logRecord{t: ts, p1: v.P1, p2: v.P2, details: v.Details}, nil
}

func parseBGPJSONLine(line string) (logRecord, error) {
	keys, err := orderedKeys([]byte(line))
	if err != nil {
		return logRecord{}, err
	}
	if !slices.Equal(keys, bgpKeys) {
		return logRecord{}, fmt.Errorf("keys %v, want %v", keys, bgpKeys)
	}
	var v struct {
		ResourceID     string          `json:"resource_id"`
		EventTimestamp int64           `json:"event_timestamp"`
		Timestamp      string          `json:"timestamp"`
		Type           string          `json:"type"`
		Status         string          `json:"status"`
		Message        json.RawMessage `json:"message"`
	}
	if err := json.Unmarshal([]byte(line), &v); err != nil {
		return logRecord{}, err
	}
	ts, err := parseLogTimestamp(v.Timestamp)
	if err != nil {
		return logRecord{}, err
	}
	if v.EventTimestamp < 1e12 || ts.UnixMilli() != v.EventTimestamp {
		return logRecord{}, fmt.Errorf("event_timestamp %d is not the milliseconds of %q", v.EventTimestamp, v.Timestamp)
	}
	rec := logRecord{t: ts, typ: v.Type, status: v.Status, resource: v.ResourceID}
	msgKeys, err := orderedKeys(v.Message)
	if err != nil {
		return logRecord{}, fmt.Errorf("message: %v", err)
	}
	var m struct {
		Details string `json:"details"`
		Prefix  string `json:"prefix"`
		ASPath  string `json:"asPath"`
	}
	if err := json.Unmarshal(v.Message, &m); err != nil {
		return logRecord{}, err
	}
	rec.details, rec.prefix, rec.asPath = m.Details, m.Prefix, m.ASPath
	want := []string{"details"}
	if v.Type == "RouteStatus" {
		want = routeKeys
		if m.Details != "" {
			want = append(slices.Clone(routeKeys), "details")
		}
	}
	if !slices.Equal(msgKeys, want) {
		return logRecord{}, fmt.Errorf("message keys %v, want %v", msgKeys, want)
	}
	return rec, nil
}

// textLine is the text output format from notes/common.md.
var textLine = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z) resource_id=(\S+) type=(BGPStatus|RouteStatus) status=(\S+)(.*)$`)
var textRoute = regexp.MustCompile(`^ prefix=(\S+) asPath=("[^"]*"|\S+) localPref=\d+ med=\d+ nextHopIp=\S+ weight=\d+( details=(.*))?$`)

func parseBGPTextLine(line string) (logRecord, error) {
	m := textLine.FindStringSubmatch(line)
	if m == nil {
		return logRecord{}, fmt.Errorf("not a text-format BGP line")
	}
	ts, err := parseLogTimestamp(m[1])
	if err != nil {
		return logRecord{}, err
	}
	rec := logRecord{t: ts, resource: m[2], typ: m[3], status: m[4]}
	rest := m[5]
	if rec.typ == "BGPStatus" {
		d, ok := strings.CutPrefix(rest, " details=")
		if !ok {
			return logRecord{}, fmt.Errorf("BGPStatus line without details=")
		}
		rec.details = d
		return rec, nil
	}
	rm := textRoute.FindStringSubmatch(rest)
	if rm == nil {
		return logRecord{}, fmt.Errorf("RouteStatus attributes %q", rest)
	}
	rec.prefix, rec.asPath, rec.details = rm[1], strings.Trim(rm[2], `"`), rm[4]
	return rec, nil
}

func parseLogTimestamp(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.000Z", "2006-01-02 15:04:05Z"} {
		if ts, err := time.Parse(layout, s); err == nil {
			return ts, nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q", s)
}

var streamName = regexp.MustCompile(`^(vpn-[0-9a-f]+)_(\d+\.\d+\.\d+\.\d+)-(IKE|BGP)\.log$`)

func streamOf(t *testing.T, name string) (vpnID, tunnelIP, kind string) {
	t.Helper()
	m := streamName.FindStringSubmatch(name)
	if m == nil {
		t.Fatalf("%s is not named <vpn-id>_<tunnel-ip>-IKE|BGP.log", name)
	}
	return m[1], m[2], m[3]
}

// describe is the part of describe-vpn-connections the tests look at.
type describe struct {
	VpnConnections []struct {
		VpnConnectionId  string
		VpnGatewayId     string
		TransitGatewayId string
		Options          struct {
			StaticRoutesOnly bool
			TunnelOptions    []struct {
				OutsideIpAddress string
				IkeVersions      []struct{ Value string }
				LogOptions       struct {
					CloudWatchLogOptions struct {
						LogEnabled         bool
						LogGroupArn        string
						LogOutputFormat    string
						BgpLogEnabled      bool
						BgpLogGroupArn     string
						BgpLogOutputFormat string
					}
				}
			}
		}
		VgwTelemetry []struct {
			OutsideIpAddress string
			Status           string
			LastStatusChange string
			StatusMessage    string
		}
	}
}

func TestVPNConnectionsMatchStreams(t *testing.T) {
	files := readDir(t, committedDir)
	var d describe
	if err := json.Unmarshal(files["vpn-connections.json"], &d); err != nil {
		t.Fatal(err)
	}
	if len(d.VpnConnections) != 3 {
		t.Fatalf("%d connections, want 3", len(d.VpnConnections))
	}
	reversed := 0
	for _, c := range d.VpnConnections {
		if (c.VpnGatewayId == "") == (c.TransitGatewayId == "") {
			t.Errorf("%s: want exactly one of VpnGatewayId and TransitGatewayId", c.VpnConnectionId)
		}
		tunnels := c.Options.TunnelOptions
		if len(tunnels) != 2 || len(c.VgwTelemetry) != 2 {
			t.Fatalf("%s: want 2 tunnels and 2 telemetry entries", c.VpnConnectionId)
		}
		if c.VgwTelemetry[0].OutsideIpAddress == tunnels[1].OutsideIpAddress {
			reversed++
		}
		for _, tel := range c.VgwTelemetry {
			if _, err := time.Parse(time.RFC3339, tel.LastStatusChange); err != nil {
				t.Errorf("%s: LastStatusChange: %v", c.VpnConnectionId, err)
			}
		}
		for _, tun := range tunnels {
			cw := tun.LogOptions.CloudWatchLogOptions
			for _, kind := range []string{"IKE", "BGP"} {
				name := fmt.Sprintf("%s_%s-%s.log", c.VpnConnectionId, tun.OutsideIpAddress, kind)
				data, ok := files[name]
				enabled := cw.LogEnabled
				format := cw.LogOutputFormat
				if kind == "BGP" {
					enabled, format = cw.BgpLogEnabled, cw.BgpLogOutputFormat
				}
				if ok != enabled {
					t.Errorf("%s: file present %v, logging enabled %v", name, ok, enabled)
				}
				if ok && (format == "text") == bytes.HasPrefix(data, []byte("{")) {
					t.Errorf("%s: output format %q does not match the file", name, format)
				}
			}
		}
		if !tunnels[0].LogOptions.CloudWatchLogOptions.LogEnabled && !c.Options.StaticRoutesOnly {
			t.Errorf("%s: the connection without logs should be the static one", c.VpnConnectionId)
		}
	}
	if reversed != 1 {
		t.Errorf("%d connections list VgwTelemetry opposite to TunnelOptions, want exactly 1", reversed)
	}
}

// expectedIncident mirrors expected.json.
type expectedIncident struct {
	ID                 string `json:"id"`
	VPNConnectionID    string `json:"vpn_connection_id"`
	Tunnel             int    `json:"tunnel"`
	TunnelIP           string `json:"tunnel_ip"`
	QuestionAt         string `json:"question_at"`
	RootCause          string `json:"root_cause"`
	RootCauseAt        string `json:"root_cause_at"`
	StaysDownBecause   string `json:"stays_down_because"`
	StaysDownBecauseAt string `json:"stays_down_because_at"`
	LogsRootCause      string `json:"logs_root_cause"`
	LogsRootCauseAt    string `json:"logs_root_cause_at"`
	Recovered          bool   `json:"recovered"`
	RecoveredAt        string `json:"recovered_at"`
	Summary            string `json:"summary"`
}

// causeText is what a record of each root-cause category says.
var causeText = map[string]*regexp.Regexp{
	"ike.dpd_timeout":               regexp.MustCompile(`DPD timed out|Declaring peer dead`),
	"ike.cgw_delete_ike_sa":         regexp.MustCompile(`received DELETE for IKE_SA from CGW`),
	"ike.psk_mismatch":              regexp.MustCompile(`pre-shared key mismatch`),
	"ike.proposal_mismatch":         regexp.MustCompile(`^No Proposal Match Found by AWS$`),
	"bgp.cease.connection_rejected": regexp.MustCompile(`notification 6/5 \(Cease/Connection Rejected\)`),
	"bgp.prefix_limit_exceeded":     regexp.MustCompile(`maximum prefix limit was exceeded`),
	"bgp.bad_open_asn":              regexp.MustCompile(`bad OPEN message .* remote AS is`),
	"bgp.hold_timer_expired":        regexp.MustCompile(`Hold Timer Expired`),
	"route.denied.as_path_loop":     regexp.MustCompile(`^DENIED due to: as-path contains our own AS$`),
	"bgp.cease.admin_shutdown":      regexp.MustCompile(`^AWS-side peer sent a notification 6/2 \(Cease/Administrative Shutdown\)`),
	"ike.state":                     regexp.MustCompile(`^$`), // phases down with no reason
}

func TestExpectedIncidentsPointAtRecords(t *testing.T) {
	files := readDir(t, committedDir)
	var incidents []expectedIncident
	dec := json.NewDecoder(bytes.NewReader(files["expected.json"]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&incidents); err != nil {
		t.Fatal(err)
	}
	if len(incidents) < 9 {
		t.Fatalf("%d incidents, want at least 9", len(incidents))
	}
	var d describe
	if err := json.Unmarshal(files["vpn-connections.json"], &d); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, in := range incidents {
		t.Run(in.ID, func(t *testing.T) {
			if ids[in.ID] {
				t.Errorf("duplicate id")
			}
			ids[in.ID] = true
			if in.Summary == "" || !in.Recovered {
				t.Errorf("want a summary and a recovery (every demo incident recovers)")
			}
			checkTunnelNumber(t, d, in)
			root := mustTime(t, in.RootCauseAt)
			question := mustTime(t, in.QuestionAt)
			recovered := mustTime(t, in.RecoveredAt)
			if !question.After(root) || question.Sub(root) > 10*time.Minute {
				t.Errorf("question_at %s should be a few minutes after root_cause_at %s", in.QuestionAt, in.RootCauseAt)
			}
			if !recovered.After(root) {
				t.Errorf("recovered_at %s is not after root_cause_at %s", in.RecoveredAt, in.RootCauseAt)
			}

			ike := parseStream(t, fmt.Sprintf("%s_%s-IKE.log", in.VPNConnectionID, in.TunnelIP), files[fmt.Sprintf("%s_%s-IKE.log", in.VPNConnectionID, in.TunnelIP)])
			bgp := parseStream(t, fmt.Sprintf("%s_%s-BGP.log", in.VPNConnectionID, in.TunnelIP), files[fmt.Sprintf("%s_%s-BGP.log", in.VPNConnectionID, in.TunnelIP)])
			streamFor := func(category string) []logRecord {
				if strings.HasPrefix(category, "ike.") {
					return ike
				}
				return bgp
			}
			// A drop AWS caused has its cause beside the logs (CloudTrail,
			// maintenance status) and the logs' own cause in them.
			logsCause, logsAt := in.RootCause, root
			if strings.HasPrefix(in.RootCause, "aws.") {
				if in.LogsRootCause == "" {
					t.Fatalf("%s needs logs_root_cause", in.RootCause)
				}
				logsCause, logsAt = in.LogsRootCause, mustTime(t, in.LogsRootCauseAt)
				requireAWSCause(t, files, in, root)
				if !logsAt.After(root) || logsAt.Sub(root) > 5*time.Minute {
					t.Errorf("the logs' cause at %s should follow the AWS cause at %s within minutes", in.LogsRootCauseAt, in.RootCauseAt)
				}
			}
			requireRecordAt(t, streamFor(logsCause), logsCause, logsAt)
			if in.StaysDownBecause != "" {
				requireRecordAt(t, streamFor(in.StaysDownBecause), in.StaysDownBecause, mustTime(t, in.StaysDownBecauseAt))
			}

			// Recovery: BGP Established again, or (for denied routes, where
			// the session never dropped) the offending routes withdrawn.
			recoveredBy := regexp.MustCompile(`to Established with neighbor`)
			if strings.HasPrefix(in.RootCause, "route.") {
				recoveredBy = nil
			}
			found := false
			for _, r := range bgp {
				if r.t.Equal(recovered) && (recoveredBy == nil && r.status == "WITHDRAWN" || recoveredBy != nil && recoveredBy.MatchString(r.details)) {
					found = true
				}
				if recoveredBy != nil && r.t.After(root) && r.t.Before(recovered) && recoveredBy.MatchString(r.details) {
					t.Errorf("BGP re-established at %s, before recovered_at %s", r.t.Format(time.RFC3339Nano), in.RecoveredAt)
				}
			}
			if !found {
				t.Errorf("no BGP recovery record at recovered_at %s", in.RecoveredAt)
			}

			checkIKEStates(t, in, logsCause, ike, logsAt, recovered)
		})
	}
}

// checkIKEStates: when IKE caused the drop, phases are established just
// before it and not both established until shortly before BGP recovers;
// when BGP or routing did, IKE stays established all along.
func checkIKEStates(t *testing.T, in expectedIncident, cause string, ike []logRecord, root, recovered time.Time) {
	t.Helper()
	if strings.HasPrefix(cause, "ike.") {
		var before *logRecord
		var upAgain *logRecord
		for i := range ike {
			r := &ike[i]
			if r.t.Before(root) {
				before = r
				continue
			}
			if r.p1 == "established" && r.p2 == "established" && upAgain == nil {
				upAgain = r
			}
		}
		if before == nil || before.p1 != "established" || before.p2 != "established" {
			t.Errorf("the IKE record before the drop should report both phases established")
		}
		if upAgain == nil || upAgain.t.After(recovered) || recovered.Sub(upAgain.t) > 30*time.Second {
			t.Errorf("IKE should report both phases established again shortly before BGP recovers at %s", in.RecoveredAt)
		}
		return
	}
	if strings.HasPrefix(in.RootCause, "aws.") {
		return // AWS took the tunnel down after BGP: checked by the records above
	}
	n := 0
	for _, r := range ike {
		if r.t.After(root.Add(-10*time.Minute)) && r.t.Before(recovered.Add(5*time.Minute)) {
			n++
			if r.p1 != "established" || r.p2 == "down" || r.p2 == "negotiating" {
				t.Errorf("IKE line %d reports %s/%s during a BGP-only incident", r.line, r.p1, r.p2)
			}
		}
	}
	if n < 2 {
		t.Errorf("only %d IKE records around a BGP-only incident; want routine ones showing the tunnel up", n)
	}
}

func checkTunnelNumber(t *testing.T, d describe, in expectedIncident) {
	t.Helper()
	for _, c := range d.VpnConnections {
		if c.VpnConnectionId != in.VPNConnectionID {
			continue
		}
		if in.Tunnel < 1 || in.Tunnel > len(c.Options.TunnelOptions) ||
			c.Options.TunnelOptions[in.Tunnel-1].OutsideIpAddress != in.TunnelIP {
			t.Errorf("tunnel %d is not %s in TunnelOptions order", in.Tunnel, in.TunnelIP)
		}
		return
	}
	t.Errorf("connection %s is not in vpn-connections.json", in.VPNConnectionID)
}

// requireRecordAt finds a record of the category at exactly the time.
func requireRecordAt(t *testing.T, recs []logRecord, category string, at time.Time) {
	t.Helper()
	re, ok := causeText[category]
	if !ok {
		t.Errorf("no check text for category %q; add it to causeText", category)
		return
	}
	for _, r := range recs {
		if r.t.Equal(at) && re.MatchString(r.details) {
			return
		}
	}
	t.Errorf("no %s record at %s", category, at.Format(time.RFC3339Nano))
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return ts
}

// TestIKEv2MessageIDsIncrease: per side, ids grow within an IKE_SA and may
// restart only after phase 1 was down. AWS's own requests (the liveness
// exchange and the rekeys it starts) are all logged, so its ids run one by
// one: a request takes the next id, a retransmission repeats an unanswered
// one, a response answers the last request.
func TestIKEv2MessageIDsIncrease(t *testing.T) {
	files := readDir(t, committedDir)
	idRE := regexp.MustCompile(`^AWS tunnel (processed|is sending) (request|response) \(id=(\d+)\) for ([A-Z_]+)$`)
	checked := map[string]int{}
	for name, data := range files {
		if !strings.HasSuffix(name, "-IKE.log") {
			continue
		}
		last := map[string]int{}
		answered := true
		for _, r := range parseStream(t, name, data) {
			if r.p1 != "established" {
				clear(last)
				continue
			}
			m := idRE.FindStringSubmatch(r.details)
			if m == nil {
				continue
			}
			// AWS-initiated: sending request / processed response.
			side := "aws"
			if (m[1] == "processed") == (m[2] == "request") {
				side = "cgw"
			}
			id, _ := strconv.Atoi(m[3])
			prev, seen := last[side]
			isRequest := (side == "aws") == (m[1] == "is sending")
			switch {
			case side == "cgw":
				if seen && (id < prev || id == prev && isRequest) {
					t.Errorf("%s:%d: cgw-side id %d after %d", name, r.line, id, prev)
				}
			case isRequest:
				if seen && id != prev+1 && !(id == prev && !answered) {
					t.Errorf("%s:%d: AWS request id %d after %d (answered: %v)", name, r.line, id, prev, answered)
				}
				answered = false
			default:
				if !seen || id != prev || answered {
					t.Errorf("%s:%d: AWS processed response id %d, its last request was %d (answered: %v)", name, r.line, id, prev, answered)
				}
				answered = true
			}
			last[side] = id
			checked[m[4]]++
		}
	}
	if checked["CREATE_CHILD_SA"] < 100 || checked["INFORMATIONAL"] < 49000 {
		t.Errorf("checked %v records by exchange, want 100 CREATE_CHILD_SA and 49,000 INFORMATIONAL at least", checked)
	}
}

// readDir reads every file of dir; gzipped files are inflated and listed
// without their .gz (the compressor's bytes may differ between Go releases,
// the logs inside may not).
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() {
			t.Errorf("%s: unexpected sub-directory %s", dir, e.Name())
			continue
		}
		name := e.Name()
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if base, ok := strings.CutSuffix(name, ".gz"); ok {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			name = base
		}
		out[name] = data
	}
	return out
}

// firstDifference describes where two files first differ, by line.
func firstDifference(got, want []byte) string {
	g := strings.Split(string(got), "\n")
	w := strings.Split(string(want), "\n")
	for i := 0; i < len(g) && i < len(w); i++ {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d: generated %q, committed %q", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("generated %d lines, committed %d", len(g), len(w))
}

// requireAWSCause finds an AWS-side cause in its side file at root: the
// CloudTrail event of a change on the incident's tunnel (its pre-shared
// key in the request, for vpnlens to hide), or the maintenance applied to
// the tunnel.
func requireAWSCause(t *testing.T, files map[string][]byte, in expectedIncident, root time.Time) {
	t.Helper()
	switch in.RootCause {
	case "aws.tunnel_options_changed":
		var trail struct {
			Events []struct {
				EventName, EventTime, CloudTrailEvent string
				Resources                             []struct{ ResourceName string }
			}
		}
		if err := json.Unmarshal(files["cloudtrail-events.json"], &trail); err != nil {
			t.Fatal(err)
		}
		for _, e := range trail.Events {
			if e.EventName == "ModifyVpnTunnelOptions" && e.EventTime == root.Format(time.RFC3339) && len(e.Resources) > 0 && e.Resources[0].ResourceName == in.VPNConnectionID &&
				strings.Contains(e.CloudTrailEvent, `"vpnTunnelOutsideIpAddress":"`+in.TunnelIP+`"`) && strings.Contains(e.CloudTrailEvent, `"PreSharedKey"`) {
				return
			}
		}
		t.Errorf("no ModifyVpnTunnelOptions on %s at %s in cloudtrail-events.json", in.TunnelIP, in.RootCauseAt)
	case "aws.tunnel_replaced":
		var statuses []struct {
			VpnConnectionID           string `json:"VpnConnectionId"`
			VpnTunnelOutsideIPAddress string `json:"VpnTunnelOutsideIpAddress"`
			MaintenanceDetails        struct{ LastMaintenanceApplied string }
		}
		if err := json.Unmarshal(files["tunnel-maintenance.json"], &statuses); err != nil {
			t.Fatal(err)
		}
		for _, st := range statuses {
			if st.VpnConnectionID == in.VPNConnectionID && st.VpnTunnelOutsideIPAddress == in.TunnelIP {
				if applied, err := time.Parse(time.RFC3339, st.MaintenanceDetails.LastMaintenanceApplied); err != nil || !applied.Equal(root) {
					t.Errorf("tunnel-maintenance.json: last applied %q, want %s", st.MaintenanceDetails.LastMaintenanceApplied, in.RootCauseAt)
				}
				return
			}
		}
		t.Errorf("%s %s is not in tunnel-maintenance.json", in.VPNConnectionID, in.TunnelIP)
	default:
		t.Errorf("unknown AWS-side cause %s", in.RootCause)
	}
}
