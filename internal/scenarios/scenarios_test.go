package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/internal/demogen/tunnelsim"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// committedDir is the checked-in copy of the scenario set.
const committedDir = "../../testdata/scenarios"

// TestCommittedScenariosMatchGenerator keeps testdata/scenarios equal to
// what the generator writes. Gzipped files are compared after
// decompression: the compressor's bytes may differ between Go releases,
// the logs inside may not.
func TestCommittedScenariosMatchGenerator(t *testing.T) {
	dir := t.TempDir()
	if err := generate(dir, tunnelsim.DensityReal); err != nil {
		t.Fatal(err)
	}
	got, want := readTree(t, dir), readTree(t, committedDir)
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s is generated but not committed in testdata/scenarios", name)
		}
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("testdata/scenarios/%s is committed but no longer generated", name)
			continue
		}
		if !bytes.Equal(g, w) {
			t.Errorf("testdata/scenarios/%s differs from the generator output; run `go run ./internal/scenarios -out testdata/scenarios`", name)
		}
	}
}

// readTree reads every file under dir, gunzipping .gz files.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				return err
			}
			if data, err = io.ReadAll(zr); err != nil {
				return err
			}
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGeneratorIsDeterministic(t *testing.T) {
	a, err := build(tunnelsim.DensityReal)
	if err != nil {
		t.Fatal(err)
	}
	b, err := build(tunnelsim.DensityReal)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if len(a[i].files) != len(b[i].files) {
			t.Fatalf("%s: %d then %d files", a[i].spec.name, len(a[i].files), len(b[i].files))
		}
		for j := range a[i].files {
			if a[i].files[j].name != b[i].files[j].name || !bytes.Equal(a[i].files[j].data, b[i].files[j].data) {
				t.Errorf("%s/%s differs between two builds", a[i].spec.name, a[i].files[j].name)
			}
		}
	}
}

// recordCategory classifies a generated record the way the reader will.
func recordCategory(r tunnelsim.Record, ike bool) catalog.Category {
	ev := vpnlog.Event{Details: r.Details, Phase1State: vpnlog.ParseIKEState(r.P1), Phase2State: vpnlog.ParseIKEState(r.P2),
		BGPType: r.BGPType, BGPStatus: r.Status}
	if ike {
		ev.Stream = vpnlog.StreamIKE
	} else {
		ev.Stream = vpnlog.StreamBGP
	}
	if r.Route != nil {
		ev.Details = r.Route.Details
		ev.Route = &vpnlog.RouteAttrs{Prefix: r.Route.Prefix, ASPath: r.Route.ASPath, NextHopIP: r.Route.NextHop}
	}
	vpnlog.Classify(&ev)
	return ev.Category
}

// The label of every scenario points at a record of its logs: on the named
// tunnel, at the named time, of the named class; the question comes after
// it, within the tool's default look-back.
func TestExpectedPointsAtRecords(t *testing.T) {
	set, err := build(tunnelsim.DensityReal)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range set {
		a := s.answer
		tn := a.rootTunnel
		// A drop AWS caused: its cause is in a side file, the logs hold
		// their own cause a little later.
		root, rootAt := a.root, a.rootAt
		if a.fromMetrics != nil {
			// A connection without logs: the label holds in its metrics,
			// and an AWS-side cause in the side file, just before the drop.
			for _, msg := range metricsLabelWrong(s, a) {
				t.Errorf("%s: %s", s.spec.name, msg)
			}
			if a.root != "" {
				if !awsCauseInSideFile(s, a) {
					t.Errorf("%s: no %s on %s at %s in the side files", s.spec.name, a.root, tn.IP, formatUTC(a.rootAt))
				}
				if d := a.fromMetrics.down.Sub(a.rootAt); d <= 0 || d > 5*time.Minute {
					t.Errorf("%s: the tunnel went down %s after the AWS cause, want within 5 minutes", s.spec.name, d)
				}
			}
			if d := a.at.Sub(a.rootAt); d <= 0 || d > 60*time.Minute {
				t.Errorf("%s: asked %s after the drop, want within 60 min", s.spec.name, d)
			}
			continue
		}
		if strings.HasPrefix(a.root, "aws.") {
			if !awsCauseInSideFile(s, a) {
				t.Errorf("%s: no %s on %s at %s in the side files", s.spec.name, a.root, tn.IP, formatUTC(a.rootAt))
			}
			if d := a.logsRootAt.Sub(a.rootAt); d <= 0 || d > 5*time.Minute {
				t.Errorf("%s: the logs' cause comes %s after the AWS cause, want within 5 minutes", s.spec.name, d)
			}
			root, rootAt = a.logsRoot, a.logsRootAt
		}
		found := false
		for _, r := range tn.IKE {
			if tn.IKETime(r.T).Equal(rootAt) && string(recordCategory(r, true)) == root {
				found = true
			}
		}
		for _, r := range tn.BGP {
			if r.T.Equal(rootAt) && string(recordCategory(r, false)) == root {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no %s record on %s at %s", s.spec.name, root, tn.IP, formatUTC(rootAt))
		}
		// People ask a few minutes after the drop, sometimes a few minutes
		// before it (clocks and memories differ).
		if d := a.at.Sub(a.rootAt); d < -10*time.Minute || d > 60*time.Minute || d == 0 {
			t.Errorf("%s: asked %s after the root cause, want within [-10 min, 60 min]", s.spec.name, d)
		}
		if a.staysDown != "" {
			n := 0
			for _, r := range append(append([]tunnelsim.Record{}, tn.IKE...), tn.BGP...) {
				if string(recordCategory(r, r.BGPType == "")) == a.staysDown && !r.T.Before(a.rootAt) {
					n++
				}
			}
			if n < 2 {
				t.Errorf("%s: stays_down_because %s is logged %d times after the root cause, want a loop", s.spec.name, a.staysDown, n)
			}
		}
		if s.expected.Why == "" || strings.Contains(s.expected.Why, "\n") {
			t.Errorf("%s: why must be one line", s.spec.name)
		}
	}
}

// The set covers what the brief asks for.
func TestSetCoversTheBrief(t *testing.T) {
	set, err := build(tunnelsim.DensityReal)
	if err != nil {
		t.Fatal(err)
	}
	if len(set) < 30 {
		t.Errorf("%d scenarios, want at least 30", len(set))
	}
	roots := map[string]bool{}
	formats := map[format]bool{}
	tunnels := map[int]bool{}
	ikeVersions := map[string]bool{}
	ceaseDirs := map[string]bool{}
	var zones, noInventory, secondConn, staysDown, shared, noTunnel, bgpFirst int
	var metricsStillDown, metricsBackUp, metricsAWSCause, metricsOneTunnel int
	for _, s := range set {
		a := s.answer
		if m := a.fromMetrics; m != nil {
			if a.root != "" {
				metricsAWSCause++
			}
			if a.rootTunnel.Conn.Logging {
				metricsOneTunnel++ // the other tunnel logs
			}
			if m.upAt.IsZero() {
				metricsStillDown++
			} else {
				metricsBackUp++
			}
		}
		roots[a.root] = true
		formats[s.spec.format] = true
		tunnels[a.rootTunnel.Num] = true
		if strings.HasPrefix(a.root, "ike.") {
			ikeVersions[a.rootTunnel.IKEVersion] = true
			// The BGP session fell before the IKE failure was logged.
			for _, r := range a.rootTunnel.BGP {
				if r.T.Before(a.rootAt) && r.Status == "DOWN" && strings.Contains(r.Details, "Established to Idle") &&
					a.rootAt.Sub(r.T) < 5*time.Minute {
					bgpFirst++
					break
				}
			}
		}
		for _, r := range a.rootTunnel.BGP {
			if r.T.Equal(a.rootAt) && strings.Contains(r.Details, "notification 6/") {
				sub := r.Details[strings.Index(r.Details, "6/") : strings.Index(r.Details, "6/")+3]
				if strings.Contains(r.Details, " sent ") {
					ceaseDirs[sub+" sent"] = true
				} else {
					ceaseDirs[sub+" received"] = true
				}
			}
		}
		if a.tz != "" && a.atForm != atRFC3339 {
			zones++
		}
		if s.spec.noInventory {
			noInventory++
		}
		if s.spec.secondConn {
			secondConn++
		}
		if a.staysDown != "" {
			staysDown++
		}
		if a.shared {
			shared++
		}
		if a.tunnelArg == "" {
			noTunnel++
		}
	}
	for _, c := range []catalog.Category{
		catalog.IKEPSKMismatch, catalog.IKEAuthFailed, catalog.IKEProposalMismatch, catalog.IKETSUnacceptable,
		catalog.IKEPhase2Failed, catalog.IKEDPDTimeout, catalog.IKEPhase1Timeout, catalog.IKECGWDeleteIKESA,
		catalog.IKECGWDeleteChildSA, catalog.IKEStateReport,
		catalog.BGPStateChange, catalog.BGPConnectActive, catalog.BGPBadOpenASN, catalog.BGPHoldTimerExpired,
		catalog.BGPPrefixLimitExceed, catalog.BGPCeaseMaxPrefixes, catalog.BGPCeaseAdminShut, catalog.BGPCeasePeerDeconf,
		catalog.BGPCeaseAdminReset, catalog.BGPCeaseConnRejected, catalog.BGPCeaseConfigChange, catalog.BGPCeaseCollision,
		catalog.RouteDeniedASLoop, catalog.RouteDeniedNextHop, catalog.RouteDeniedOther,
	} {
		if !roots[string(c)] {
			t.Errorf("no scenario has root cause %s", c)
		}
	}
	for _, f := range allFormats {
		if !formats[f] {
			t.Errorf("no scenario in format %s", f)
		}
	}
	for sub := 2; sub <= 7; sub++ {
		for _, d := range []string{"sent", "received"} {
			if k := "6/" + string(rune('0'+sub)) + " " + d; !ceaseDirs[k] {
				t.Errorf("no scenario starts with Cease %s", k)
			}
		}
	}
	if !ceaseDirs["6/1 received"] {
		t.Error("no scenario starts with Cease 6/1 received")
	}
	if !tunnels[1] || !tunnels[2] {
		t.Errorf("root causes on tunnels %v, want both", tunnels)
	}
	if !ikeVersions["ikev1"] || !ikeVersions["ikev2"] {
		t.Errorf("IKE root causes on %v, want both IKE versions", ikeVersions)
	}
	for what, n := range map[string]int{"asked in another zone's local time": zones, "without vpn-connections.json": noInventory,
		"with a second connection": secondConn, "with a retry loop (stays_down_because)": staysDown, "with a shared cause": shared,
		"asked without a tunnel": noTunnel, "with BGP falling before the IKE failure is logged": bgpFirst,
		"without logs, answered from metrics, still down": metricsStillDown, "without logs, back up": metricsBackUp, "without logs on one tunnel only": metricsOneTunnel, "without logs, with an AWS-side cause": metricsAWSCause} {
		if n < 1 {
			t.Errorf("no scenario %s", what)
		}
	}
}

// awsCauseInSideFile: the scenario's cloudtrail-events.json holds a
// ModifyVpnTunnelOptions on the root tunnel at the root time, or its
// tunnel-maintenance.json maintenance applied to it then.
func awsCauseInSideFile(s scenarioOut, a answer) bool {
	for _, f := range s.files {
		switch {
		case f.name == "cloudtrail-events.json" && a.root == string(catalog.AWSTunnelOptionsChanged):
			var out struct {
				Events []struct{ EventName, EventTime, CloudTrailEvent string }
			}
			if json.Unmarshal(f.data, &out) != nil {
				return false
			}
			for _, e := range out.Events {
				if e.EventName == "ModifyVpnTunnelOptions" && e.EventTime == a.rootAt.UTC().Format(time.RFC3339) && strings.Contains(e.CloudTrailEvent, `"vpnTunnelOutsideIpAddress":"`+a.rootTunnel.IP+`"`) {
					return true
				}
			}
		case f.name == "tunnel-maintenance.json" && a.root == string(catalog.AWSTunnelReplaced):
			var out []struct {
				VpnTunnelOutsideIPAddress string `json:"VpnTunnelOutsideIpAddress"`
				MaintenanceDetails        struct{ LastMaintenanceApplied string }
			}
			if json.Unmarshal(f.data, &out) != nil {
				return false
			}
			for _, st := range out {
				applied, err := time.Parse(time.RFC3339, st.MaintenanceDetails.LastMaintenanceApplied)
				if st.VpnTunnelOutsideIPAddress == a.rootTunnel.IP && err == nil && applied.Equal(a.rootAt) {
					return true
				}
			}
		}
	}
	return false
}

// metricsLabelWrong checks a from-metrics label against the scenario's
// files: the tunnel has no log file, and its tunnel-metrics.json has
// the tunnel's TunnelState between 0 and 1 in the period the label says
// the outage began in, up the period before and, for an outage longer
// than a period, down the one after.
func metricsLabelWrong(s scenarioOut, a answer) []string {
	var wrong []string
	m, conn := a.fromMetrics, a.rootTunnel.Conn
	if a.rootTunnel.Logs() {
		wrong = append(wrong, "the tunnel answered from metrics logs")
	}
	var metrics []byte
	for _, f := range s.files {
		if strings.HasPrefix(f.name, conn.ID+"_"+a.rootTunnel.IP+"-") {
			wrong = append(wrong, "log file "+f.name+" of a connection without logs")
		}
		if f.name == "tunnel-metrics.json" {
			metrics = f.data
		}
	}
	var out struct {
		MetricDataResults []struct {
			MetricName string
			Dimensions map[string]string
			Timestamps []time.Time
			Values     []float64
		}
	}
	if err := json.Unmarshal(metrics, &out); err != nil {
		return append(wrong, "tunnel-metrics.json: "+err.Error())
	}
	state := map[time.Time]float64{}
	for _, r := range out.MetricDataResults {
		if r.MetricName == "TunnelState" && r.Dimensions["VpnId"] == conn.ID && r.Dimensions["TunnelIpAddress"] == a.rootTunnel.IP {
			for i, ts := range r.Timestamps {
				state[ts] = r.Values[i]
			}
		}
	}
	p := m.down.Truncate(m.period)
	if v, ok := state[p]; !ok || v <= 0 || v >= 1 {
		wrong = append(wrong, fmt.Sprintf("TunnelState %v in the period from %s, want partly up", v, formatUTC(p)))
	}
	if v := state[p.Add(-m.period)]; v != 1 {
		wrong = append(wrong, fmt.Sprintf("TunnelState %v the period before the drop, want 1", v))
	}
	if end := m.upAt; end.IsZero() || end.Sub(p) >= 3*m.period {
		if v, ok := state[p.Add(m.period)]; !ok || v != 0 {
			wrong = append(wrong, fmt.Sprintf("TunnelState %v the period after the drop, want 0", v))
		}
	}
	return wrong
}
