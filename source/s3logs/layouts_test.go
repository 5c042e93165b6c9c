package s3logs_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/fakes3"
	"github.com/vpnlens/vpnlens/source"
)

// Both layouts AWS writes to S3 (CloudWatch's export task, vended log
// delivery in its plain and Hive paths), through the real SDK client and
// the fake S3, give the answers --logs-dir gives on the same demo day:
// every labelled incident diagnosed with its root cause, and the other
// tools equal. One export is cut into parts so small that its listing
// (over 1000 keys) takes several ListObjectsV2 pages.
func TestLayoutsAnswerAsLogsDir(t *testing.T) {
	exp := loadExpected(t)
	withInventory := localDemo(t)
	inferred := localDemo(t, "vpn-connections.json")
	// Parts small enough for well over 1000 keys, whatever the demo's density.
	perPart := max(1, int(withInventory.Report().Records/1500))
	cases := []struct {
		name  string
		url   string
		put   func(f *fakes3.Server) ([]string, error)
		local *source.Local
		pages int // ListObjectsV2 pages at least
	}{
		{"export task", "s3://vpn-logs/exports/2026-06-12", func(f *fakes3.Server) ([]string, error) {
			return f.PutExportTask("vpn-logs", "exports/2026-06-12", demoDir, "0f4c8a2e-5b1d-4e7a-9c3f-2d6b8e1a7c40", 0, "expected.json", "README.md")
		}, withInventory, 1},
		{"export task in small parts", "s3://vpn-logs/exportedlogs", func(f *fakes3.Server) ([]string, error) {
			return f.PutExportTask("vpn-logs", "exportedlogs", demoDir, "7d2e", perPart, "expected.json", "README.md")
		}, withInventory, 2},
		{"vended delivery", "s3://central-logs", func(f *fakes3.Server) ([]string, error) {
			return f.PutVendedDelivery("central-logs", "", demoDir, fakes3.Vended{Account: "111122223333", Service: "vpn", Region: "eu-central-1"},
				"expected.json", "README.md", "vpn-connections.json")
		}, inferred, 1},
		{"vended delivery, Hive path under a destination prefix", "s3://central-logs/network/vpn/", func(f *fakes3.Server) ([]string, error) {
			return f.PutVendedDelivery("central-logs", "network/vpn", demoDir, fakes3.Vended{Account: "111122223333", Service: "vpn", Region: "eu-central-1", Hive: true},
				"expected.json", "README.md", "vpn-connections.json")
		}, inferred, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			keys, err := tc.put(f)
			if err != nil {
				t.Fatal(err)
			}
			src := open(t, config(t, f, tc.url))
			if pages := f.Count("ListObjectsV2"); pages < tc.pages || pages != (len(keys)+999)/1000 {
				t.Errorf("%d keys listed in %d ListObjectsV2 pages, want %d", len(keys), pages, (len(keys)+999)/1000)
			}
			if st := src.Stats(); st.Listed != len(keys) {
				t.Errorf("listed %d objects, stored %d", st.Listed, len(keys))
			}
			rep := src.LoadReport()
			if rep.Report.MalformedCount != 0 || rep.Report.SkippedCount != 0 || rep.Unplaced != 0 || rep.Report.Records == 0 {
				t.Fatalf("load report: %d records, %d malformed %v, %d skipped %v, %d unplaced", rep.Report.Records, rep.Report.MalformedCount,
					rep.Report.Malformed, rep.Report.SkippedCount, rep.Report.Skipped, rep.Unplaced)
			}
			if want := tc.local.Report(); rep.Report.Records != want.Records {
				t.Errorf("%d records indexed, --logs-dir %d", rep.Report.Records, want.Records)
			}
			got, want := mcpClient(t, src, src), mcpClient(t, tc.local, tc.local)
			for _, e := range exp {
				ans := sameAnswer(t, tc.name, got, want, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": e.VPNConnectionID, "tunnel": strconv.Itoa(e.Tunnel), "at": e.QuestionAt}, "path")
				rc, _ := ans["root_cause"].(map[string]any)
				if rc["category"] != e.RootCause || rc["at"] != e.RootCauseAt || rc["tunnel"] != e.TunnelIP {
					t.Errorf("%s: root cause %v at %v on %v, want %s at %s on %s", e.ID, rc["category"], rc["at"], rc["tunnel"], e.RootCause, e.RootCauseAt, e.TunnelIP)
				}
			}
			sameAnswer(t, tc.name, got, want, "list_vpn_connections", map[string]any{})
			sameAnswer(t, tc.name, got, want, "get_vpn_timeline", map[string]any{"vpn_connection_id": branch, "start": "2026-06-12T06:00:00Z", "end": "2026-06-12T07:00:00Z"}, "path")
			sameAnswer(t, tc.name, got, want, "fetch_vpn_logs", map[string]any{"vpn_connection_id": hq, "tunnel": "2", "start": "2026-06-12T09:30:00Z", "end": "2026-06-12T10:30:00Z", "limit": 50}, "path")
			sameAnswer(t, tc.name, got, want, "summarize_vpn_health", map[string]any{"start": "2026-06-12T00:00:00Z", "end": "2026-06-13T00:00:00Z"}, "path")
		})
	}
}

// Vended delivery whose object names do not tell the tunnel: BGP records
// name theirs (resource_id) and are read; tunnel-activity records name
// none, so they are counted as unplaced and every answer says so rather
// than attributing them to a guess.
func TestVendedIKERecordsWithoutTunnelAreReported(t *testing.T) {
	f := newFake(t)
	if _, err := f.PutVendedDelivery("central-logs", "", demoDir, fakes3.Vended{Account: "111122223333", Service: "vpn", Region: "eu-central-1",
		Name: func(stream string, hour time.Time) string {
			vpn, _, _ := strings.Cut(stream, "_")
			kind := "connection"
			if strings.HasSuffix(stream, "-BGP.log") {
				kind = "event"
			}
			return "111122223333_vpn_" + vpn + "_" + kind + "_" + hour.Format("20060102T1504Z") + "_" + strconv.Itoa(len(stream)) + ".log.gz"
		}}, "expected.json", "README.md"); err != nil {
		t.Fatal(err)
	}
	src := open(t, config(t, f, "s3://central-logs"))
	rep := src.LoadReport()
	if rep.Unplaced == 0 || rep.Report.Records == 0 {
		t.Fatalf("unplaced %d of %d records, want the IKE records unplaced", rep.Unplaced, rep.Report.Records)
	}
	c := mcpClient(t, src, src)
	out, errText := callJSON(t, c, "fetch_vpn_logs", map[string]any{"vpn_connection_id": hq, "tunnel": "2", "start": "2026-06-12T20:20:00Z", "end": "2026-06-12T20:30:00Z", "limit": 50})
	if errText != "" {
		t.Fatal(errText)
	}
	recs, _ := out["records"].([]any)
	if len(recs) == 0 {
		t.Fatalf("no BGP records read: %v", out)
	}
	for _, r := range recs {
		if s, _ := r.(map[string]any)["stream"].(string); s != "" && s != "BGP" {
			t.Errorf("record of stream %q: IKE records name no tunnel here", s)
		}
	}
	notes, _ := out["notes"].([]any)
	said := false
	for _, n := range notes {
		s, _ := n.(string)
		said = said || strings.Contains(s, "name no VPN connection")
	}
	if !said {
		t.Errorf("no note about the unplaced records: %v", notes)
	}
}
