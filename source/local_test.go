package source_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

var quiet = slog.New(slog.DiscardHandler)

const (
	ikeLine = `{"event_timestamp":1781295912,"timestamp":"2026-06-12 20:25:12.418Z","dpd_enabled":true,"nat_t_detected":false,"ike_phase1_state":"down","ike_phase2_state":"down","details":"AWS tunnel received DELETE for IKE_SA from CGW"}`
	bgpLine = `{"resource_id":"vpn-0123456789abcdef0_203.0.113.20","event_timestamp":1781295914090,"timestamp":"2026-06-12 20:25:14.090Z","type":"BGPStatus","status":"DOWN","message":{"details":"AWS-side peer BGP session state has changed from Established to Idle with neighbor 169.254.11.2"}}`
)

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A directory with the stream named by the file, by an S3-export folder and
// by the record itself; one malformed line; no inventory file.
func TestOpenDirInfersStreamsAndReportsMalformed(t *testing.T) {
	dir := t.TempDir()
	write := func(rel string, data []byte) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("vpn-0123456789abcdef0_203.0.113.20-IKE.log", []byte(ikeLine+"\n{not json\n"+ikeLine+"\n"))
	write("export/4f1c/vpn-0123456789abcdef0_203.0.113.20-BGP.log/000000.gz", gz(t, "2026-06-12T20:25:14.090Z "+bgpLine+"\n"))
	write("misc/unnamed.log", []byte(strings.Replace(bgpLine, "203.0.113.20", "203.0.113.10", 1)+"\n"))
	write("notes.md", []byte("# not logs\n"))

	l, err := source.OpenDir(dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	rep := l.Report()
	if rep.Records != 4 || rep.MalformedCount != 1 {
		t.Fatalf("records %d malformed %d, want 4 and 1", rep.Records, rep.MalformedCount)
	}
	if m := rep.Malformed[0]; m.Line != 2 || !strings.HasSuffix(m.File, "-IKE.log") {
		t.Errorf("malformed located at %s:%d", m.File, m.Line)
	}
	conns, _ := l.Connections(context.Background())
	if len(conns) != 1 || conns[0].ID != "vpn-0123456789abcdef0" || len(conns[0].Tunnels) != 2 {
		t.Fatalf("synthesized inventory = %+v", conns)
	}
	// Without vpn-connections.json tunnels are numbered by outside IP.
	if conns[0].Tunnels[0].OutsideIP != "203.0.113.10" || !conns[0].Tunnels[1].Logging.IKEEnabled || !conns[0].Tunnels[1].Logging.BGPEnabled {
		t.Errorf("tunnels = %+v", conns[0].Tunnels)
	}
	res, err := l.Logs(context.Background(), source.LogQuery{VPNConnectionID: "vpn-0123456789abcdef0", TunnelIPs: []string{"203.0.113.20"},
		Start: time.Date(2026, 6, 12, 20, 0, 0, 0, time.UTC), End: time.Date(2026, 6, 12, 21, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 3 || res.Events[0].Category != catalog.IKECGWDeleteIKESA || res.Events[2].Stream != vpnlog.StreamBGP {
		t.Fatalf("events = %+v", res.Events)
	}
	if len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "malformed") {
		t.Errorf("notes do not mention the malformed record: %v", res.Notes)
	}
	// The window is half-open and kinds filter.
	res, _ = l.Logs(context.Background(), source.LogQuery{VPNConnectionID: "vpn-0123456789abcdef0", Kinds: []vpnlog.StreamKind{vpnlog.StreamBGP},
		Start: time.UnixMilli(1781295914090), End: time.UnixMilli(1781295914091)})
	if len(res.Events) != 2 {
		t.Errorf("BGP records at exactly 20:25:14.090: %d, want 2", len(res.Events))
	}
	exts, _ := l.Extents(context.Background(), "vpn-0123456789abcdef0")
	if len(exts) != 3 {
		t.Errorf("extents = %+v", exts)
	}
}

func TestOpenDirErrors(t *testing.T) {
	if _, err := source.OpenDir(filepath.Join(t.TempDir(), "missing"), quiet); err == nil || !strings.Contains(err.Error(), "cannot open logs directory") {
		t.Errorf("missing dir: %v", err)
	}
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, source.InventoryFileName), []byte("{oops"), 0o644)
	if _, err := source.OpenDir(dir, quiet); err == nil || !strings.Contains(err.Error(), "describe-vpn-connections") {
		t.Errorf("bad inventory: %v", err)
	}
}

// Telemetry pairs by outside IP; tunnel numbers follow TunnelOptions; the
// pre-shared key is never kept.
func TestParseDescribeVpnConnections(t *testing.T) {
	in := `{"VpnConnections":[{"VpnConnectionId":"vpn-0aa","State":"available","Options":{"StaticRoutesOnly":false,"TunnelOptions":[
	 {"OutsideIpAddress":"198.51.100.1","PreSharedKey":"secret","IkeVersions":[{"Value":"ikev2"}],"Phase1DHGroupNumbers":[{"Value":20}],
	  "LogOptions":{"CloudWatchLogOptions":{"LogEnabled":true,"LogGroupArn":"arn:aws:logs:eu-west-1:1:log-group:g:*","LogOutputFormat":"text","BgpLogEnabled":false}}},
	 {"OutsideIpAddress":"198.51.100.2"}]},
	 "VgwTelemetry":[{"OutsideIpAddress":"198.51.100.2","Status":"DOWN","LastStatusChange":"2026-06-12T21:40:12+00:00"},{"OutsideIpAddress":"198.51.100.1","Status":"UP","AcceptedRouteCount":7}],
	 "Tags":[{"Key":"Name","Value":"office"}]}]}`
	conns, err := source.ParseDescribeVpnConnections(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	c := conns[0]
	if c.Name != "office" || c.Routing() != "bgp" || len(c.Tunnels) != 2 {
		t.Fatalf("%+v", c)
	}
	t1, t2 := c.Tunnels[0], c.Tunnels[1]
	if t1.Number != 1 || t1.Telemetry.Status != "UP" || t1.Telemetry.AcceptedRouteCount != 7 || t2.Telemetry.Status != "DOWN" || t2.Telemetry.LastStatusChange.Hour() != 21 {
		t.Errorf("telemetry paired wrongly: %+v / %+v", t1.Telemetry, t2.Telemetry)
	}
	if !t1.Options.PreSharedKeyIsSet || t1.Options.IKEVersions[0] != "ikev2" || t1.Options.Phase1DHGroups[0] != 20 {
		t.Errorf("options = %+v", t1.Options)
	}
	if !t1.Logging.IKEEnabled || t1.Logging.IKEFormat != "text" || t1.Logging.BGPEnabled {
		t.Errorf("logging = %+v", t1.Logging)
	}
	if js, _ := json.Marshal(conns); strings.Contains(string(js), "secret") {
		t.Error("the pre-shared key leaked into the inventory")
	}
}

func TestHideFilesAndStreamFromPath(t *testing.T) {
	fsys := fstest.MapFS{
		"expected.json":             {Data: []byte(`[{"not":"logs"}]`)},
		"vpn-0aa_192.0.2.1-IKE.log": {Data: []byte(ikeLine + "\n")},
	}
	l, err := source.OpenFS(source.HideFiles(fsys, "expected.json"), "mem", quiet)
	if err != nil {
		t.Fatal(err)
	}
	if rep := l.Report(); rep.Records != 1 || rep.MalformedCount != 0 {
		t.Errorf("hidden file was read: %+v", rep)
	}
	for p, want := range map[string]string{
		"a/b/vpn-0aa_192.0.2.1-BGP.log/000001.gz": "vpn-0aa_192.0.2.1-BGP",
		"vpn-0aa_192.0.2.1-IKE.log":               "vpn-0aa_192.0.2.1-IKE",
	} {
		id, ok := vpnlog.StreamFromPath(p)
		if !ok || id.String() != want {
			t.Errorf("%s → %v %v, want %s", p, id, ok, want)
		}
	}
	if _, ok := vpnlog.StreamFromPath("logs/000000.gz"); ok {
		t.Error("a path with no stream name must not yield one")
	}
}
