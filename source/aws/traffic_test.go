package aws_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
)

// hqTraffic is a tunnel-metrics.json for hq-datacenter on the demo day, at
// 5-minute periods: tunnel 2 (203.0.113.20) carries the traffic (6 MB in,
// 3 MB out a period) and tunnel 1 a trickle (60 kB in, 30 kB out) until
// tunnel 2 drops at 20:25:12; during its outage (to 21:40:12) tunnel 2
// carries nothing and tunnel 1 carries failoverIn a period (and half as
// much out). The periods the drop and the recovery fall in hold a share of
// each.
func hqTraffic(t *testing.T, failoverIn float64) []byte {
	t.Helper()
	const t1, t2 = "203.0.113.10", "203.0.113.20"
	down := time.Date(2026, 6, 12, 20, 25, 12, 0, time.UTC)
	up := time.Date(2026, 6, 12, 21, 40, 12, 0, time.UTC)
	p := 5 * time.Minute
	var results []source.MetricsFileResult
	for _, ip := range []string{t1, t2} {
		series := map[string]*source.MetricsFileResult{}
		for _, m := range source.TunnelMetricNames {
			series[m] = &source.MetricsFileResult{ID: fmt.Sprintf("%s_%s", m, ip), MetricName: m, Period: int(p.Seconds()),
				Dimensions: map[string]string{"VpnId": hq, "TunnelIpAddress": ip}, StatusCode: "Complete"}
		}
		for at := day; at.Before(day.Add(24 * time.Hour)); at = at.Add(p) {
			// the share of the period tunnel 2 was down
			from, to := at, at.Add(p)
			if from.Before(down) {
				from = down
			}
			if to.After(up) {
				to = up
			}
			downShare := max(to.Sub(from), 0).Seconds() / p.Seconds()
			state, in := 1.0, 60e3
			if ip == t2 {
				state, in = 1-downShare, 6e6*(1-downShare)
			} else {
				in = 60e3*(1-downShare) + failoverIn*downShare
			}
			for m, v := range map[string]float64{source.MetricTunnelState: state, source.MetricDataIn: in, source.MetricDataOut: in / 2} {
				series[m].Timestamps = append(series[m].Timestamps, at)
				series[m].Values = append(series[m].Values, v)
			}
		}
		for _, m := range source.TunnelMetricNames {
			results = append(results, *series[m])
		}
	}
	b, err := json.Marshal(source.MetricsFile{MetricDataResults: results})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// demoFolderWith is a copy of the demo folder whose tunnel-metrics.json
// also holds extra's series.
func demoFolderWith(t *testing.T, extra []byte) *source.Local {
	t.Helper()
	dir := t.TempDir()
	ents, err := os.ReadDir(demoDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() == "expected.json" || e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(demoDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == source.MetricsFileName {
			var have, more source.MetricsFile
			if json.Unmarshal(b, &have) != nil || json.Unmarshal(extra, &more) != nil {
				t.Fatal("cannot merge the metrics files")
			}
			have.MetricDataResults = append(have.MetricDataResults, more.MetricDataResults...)
			b, _ = json.Marshal(have)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l, err := source.OpenDir(dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// diagnose_tunnel_drop on hq's tunnel 2 at 20:25 (the customer gateway
// deleted the IKE SA; down 75 minutes) says where the traffic went, from
// the tunnels' TunnelDataIn/Out: moved to tunnel 1, with the bytes before
// and during at 5-minute resolution; through CloudWatch (the real SDK
// client, one GetMetricData for both tunnels and the three metrics) and
// from the logs folder's tunnel-metrics.json alike, in the structured
// answer and the text. With no traffic on tunnel 1 during the outage,
// total loss.
func TestDiagnoseTrafficBesideLoggedDrop(t *testing.T) {
	args := map[string]any{"vpn_connection_id": hq, "tunnel": "2", "at": "2026-06-12 20:25"}
	for _, tc := range []struct {
		name       string
		failoverIn float64
		verdict    string
		t1During   float64 // tunnel 1's bytes in during the outage
	}{
		{"moved", 6e6, "traffic moved to tunnel 1 (203.0.113.10) during the outage", 14 * 6e6},
		{"lost", 0, "no traffic on either tunnel during the outage: total loss", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			metrics := hqTraffic(t, tc.failoverIn)
			f := newFake(t, fakeaws.Options{})
			if err := f.LoadMetricsJSON(metrics); err != nil {
				t.Fatal(err)
			}
			src := newSource(t, f, nil)
			folder := demoFolderWith(t, metrics)
			var answers []map[string]any
			for _, c := range []struct {
				name string
				svc  source.LogSource
				inv  source.Inventory
			}{{"aws", src, src}, {"folder", folder, folder}} {
				cl := mcpClient(t, c.inv, c.svc)
				got, msg := callJSON(t, cl, "diagnose_tunnel_drop", args)
				if msg != "" {
					t.Fatalf("%s: %s", c.name, msg)
				}
				tr, _ := got["traffic"].(map[string]any)
				if tr == nil {
					t.Fatalf("%s: no traffic part: %v", c.name, got)
				}
				if v, _ := tr["verdict"].(string); !strings.HasPrefix(v, tc.verdict) {
					t.Errorf("%s: verdict %q, want %q", c.name, v, tc.verdict)
				}
				// 20:30 to 21:40: the whole 5-minute periods of the
				// outage; as long before 20:25, the period of the drop.
				if tr["during_from"] != "2026-06-12T20:30:00Z" || tr["during_to"] != "2026-06-12T21:40:00Z" || tr["before_from"] != "2026-06-12T19:15:00Z" || tr["before_to"] != "2026-06-12T20:25:00Z" {
					t.Errorf("%s: spans %v", c.name, tr)
				}
				if r, _ := tr["resolution"].(string); !strings.Contains(r, "5m periods") {
					t.Errorf("%s: resolution %q does not say the 5-minute periods", c.name, r)
				}
				tuns, _ := tr["tunnels"].([]any)
				if len(tuns) != 2 {
					t.Fatalf("%s: tunnels %v", c.name, tuns)
				}
				t1, t2 := tuns[0].(map[string]any), tuns[1].(map[string]any)
				if t1["tunnel"] != "203.0.113.10" || t1["dropped"] != nil || t2["dropped"] != true ||
					t2["before_in_bytes"] != 14*6e6 || t2["before_out_bytes"] != 14*3e6 || t2["during_in_bytes"] != 0.0 ||
					t1["before_in_bytes"] != 14*60e3 || t1["during_in_bytes"] != tc.t1During || t1["during_out_bytes"] != tc.t1During/2 {
					t.Errorf("%s: tunnels %v", c.name, tuns)
				}
				// The text opens with the answer; the traffic comes after
				// the cause (view's tests pin the structured order).
				txt := textOf(t, cl, "diagnose_tunnel_drop", args)
				if strings.Index(txt, "Root cause:") > strings.Index(txt, "Traffic:") {
					t.Errorf("%s: the text gives the traffic before the cause:\n%s", c.name, txt)
				}
				for _, want := range []string{"Traffic: " + tc.verdict, "tunnel 2 (203.0.113.20, dropped): before 84.0 MB in, 42.0 MB out; during 0 B in, 0 B out", "before 2026-06-12T19:15:00Z to 2026-06-12T20:25:00Z, during 2026-06-12T20:30:00Z to 2026-06-12T21:40:00Z"} {
					if !strings.Contains(txt, want) {
						t.Errorf("%s: text lacks %q:\n%s", c.name, want, txt)
					}
				}
				if c.name == "aws" {
					b, _ := json.Marshal(tr)
					t.Logf("the traffic part: %d characters of structured content", len(b))
				}
				answers = append(answers, tr)
			}
			// the same facts from either source but where they were read
			for _, a := range answers {
				r, _ := a["resolution"].(string)
				a["resolution"] = strings.NewReplacer("CloudWatch GetMetricData", "", source.MetricsFileName, "").Replace(r)
			}
			ab, _ := json.Marshal(answers[0])
			fb, _ := json.Marshal(answers[1])
			if string(ab) != string(fb) {
				t.Errorf("traffic differs:\naws    %s\nfolder %s", ab, fb)
			}
			// Asked twice through AWS: one call, the second answer cached.
			if n := f.Counts()["GetMetricData"]; n != 1 {
				t.Errorf("GetMetricData calls = %d for the question asked twice, want 1", n)
			}
		})
	}
}

// textOf calls a tool and returns its text content.
func textOf(t *testing.T, c *client.Client, name string, args map[string]any) string {
	t.Helper()
	res, err := c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args}})
	if err != nil || res.IsError {
		t.Fatalf("%s: %v %v", name, err, res)
	}
	var b strings.Builder
	for _, ct := range res.Content {
		if tc, ok := ct.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// Without metrics for the connection (the demo's CloudWatch has hq's
// none) the diagnosis has no traffic part and no note about it; when
// GetMetricData is denied, a short note names the permission and the rest
// of the answer stands.
func TestDiagnoseTrafficUnavailable(t *testing.T) {
	args := map[string]any{"vpn_connection_id": hq, "tunnel": "2", "at": "2026-06-12 20:25"}
	f := newFake(t, fakeaws.Options{})
	src := newSource(t, f, nil)
	got, msg := callJSON(t, mcpClient(t, src, src), "diagnose_tunnel_drop", args)
	if msg != "" {
		t.Fatal(msg)
	}
	b, _ := json.Marshal(got)
	if got["traffic"] != nil || strings.Contains(string(b), "TunnelData") {
		t.Errorf("traffic said without metrics: %s", b)
	}
	f = newFake(t, fakeaws.Options{})
	f.Deny("GetMetricData")
	src = newSource(t, f, nil)
	got, msg = callJSON(t, mcpClient(t, src, src), "diagnose_tunnel_drop", args)
	if msg != "" {
		t.Fatal(msg)
	}
	rc, _ := got["root_cause"].(map[string]any)
	notes, _ := json.Marshal(got["notes"])
	if got["traffic"] != nil || rc["category"] != "ike.cgw_delete_ike_sa" || !strings.Contains(string(notes), "could not be read") || !strings.Contains(string(notes), "cloudwatch:GetMetricData") {
		t.Errorf("denied: traffic %v, root cause %v, notes %s", got["traffic"], rc["category"], notes)
	}
}
