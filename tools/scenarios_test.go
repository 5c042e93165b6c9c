package tools_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/view"
)

// scenarioExpected is a scenario's expected.json: the question to ask
// diagnose_tunnel_drop and the answer an experienced engineer would give.
type scenarioExpected struct {
	VPNConnectionID  string `json:"vpn_connection_id"`
	Tunnel           string `json:"tunnel"`
	At               string `json:"at"`
	Timezone         string `json:"timezone"`
	WindowMinutes    int    `json:"window_minutes"`
	RootCause        string `json:"root_cause"`
	RootCauseAt      string `json:"root_cause_at"`
	RootCauseTunnel  string `json:"root_cause_tunnel"`
	StaysDownBecause string `json:"stays_down_because"`
	SharedCause      bool   `json:"shared_cause"`
	RecoveredAt      string `json:"recovered_at"`
	// LogsRootCause is, for a drop AWS caused, what the logs alone show:
	// it ranks just below the AWS-side cause.
	LogsRootCause string `json:"logs_root_cause"`
	// FromMetrics is, for a tunnel that logs nothing, what its tunnel
	// metrics must say (root_cause is then empty, or the AWS-side cause).
	FromMetrics *scenarioMetrics `json:"from_metrics"`
	Format      string           `json:"format"`
	Why         string           `json:"why"`
}

// scenarioMetrics is expected.json's from_metrics.
type scenarioMetrics struct {
	DownFrom                  string   `json:"down_from"`
	DownWithin                []string `json:"down_within"`
	UpAt                      string   `json:"up_at"`
	StillDownAt               string   `json:"still_down_at"`
	TrafficMovedToOtherTunnel bool     `json:"traffic_moved_to_other_tunnel"`
}

const scenariosDir = "../testdata/scenarios"

// question is the scenario's question as diagnose_tunnel_drop arguments.
func (exp *scenarioExpected) question() map[string]any {
	args := map[string]any{"vpn_connection_id": exp.VPNConnectionID, "at": exp.At}
	if exp.Tunnel != "" {
		args["tunnel"] = exp.Tunnel
	}
	if exp.Timezone != "" {
		args["timezone"] = exp.Timezone
	}
	if exp.WindowMinutes != 0 {
		args["window_minutes"] = exp.WindowMinutes
	}
	return args
}

func loadScenarios(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(scenariosDir)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	sort.Strings(dirs)
	if len(dirs) < 30 {
		t.Fatalf("only %d scenarios in %s, want at least 30", len(dirs), scenariosDir)
	}
	return dirs
}

// scenarioDeps serves one scenario directory as --logs-dir would, with its
// expected.json hidden from the log reader.
func scenarioDeps(t *testing.T, dir string) (*investigate.Service, string) {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	local, err := source.OpenFS(source.HideFiles(os.DirFS(dir), "expected.json"), dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	rep := local.Report()
	note := ""
	if rep.MalformedCount != 0 || rep.Records == 0 {
		note = fmt.Sprintf("%d records, %d malformed", rep.Records, rep.MalformedCount)
	}
	return &investigate.Service{Inventory: local, Logs: local, Limits: investigate.DefaultLimits, Logger: quiet,
		Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }}, note
}

func sameInstant(a, b string) bool {
	ta, err1 := time.Parse(time.RFC3339Nano, a)
	tb, err2 := time.Parse(time.RFC3339Nano, b)
	return err1 == nil && err2 == nil && ta.Equal(tb)
}

// Every labelled scenario must be diagnosed right through MCP: category,
// time of the first causal record, tunnel, and what keeps it down when the
// label says. The accuracy table is printed either way.
func TestDiagnoseScenarios(t *testing.T) {
	var table strings.Builder
	fmt.Fprintf(&table, "%-40s %-18s %-34s %-34s %s\n", "scenario", "format", "expected", "got", "result")
	right, total, withPSK := 0, 0, 0
	byLayer := map[string][2]int{}
	for _, name := range loadScenarios(t) {
		dir := filepath.Join(scenariosDir, name)
		b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var exp scenarioExpected
		if err := json.Unmarshal(b, &exp); err != nil {
			t.Errorf("%s: expected.json: %v", name, err)
			continue
		}
		total++
		deps, note := scenarioDeps(t, dir)
		if note != "" {
			t.Errorf("%s: the logs did not read cleanly: %s", name, note)
		}
		c := mcpClient(t, deps)
		got, res := call[view.Diagnosis](t, c, "diagnose_tunnel_drop", exp.question())
		layer := strings.SplitN(exp.RootCause, ".", 2)[0]
		if layer == "" {
			layer = "metrics only"
		}
		tally := byLayer[layer]
		tally[1]++
		gotDesc := ""
		var wrong []string
		if res.IsError {
			wrong = append(wrong, "isError: "+resultText(res))
			gotDesc = "ERROR"
		} else {
			rc := got.RootCause
			gotDesc = rc.Category
			if rc.Category != exp.RootCause {
				wrong = append(wrong, fmt.Sprintf("category %s, want %s", rc.Category, exp.RootCause))
			}
			if !sameInstant(rc.At, exp.RootCauseAt) {
				wrong = append(wrong, fmt.Sprintf("at %s, want %s", rc.At, exp.RootCauseAt))
			}
			if rc.Tunnel != exp.RootCauseTunnel {
				wrong = append(wrong, fmt.Sprintf("tunnel %s, want %s", rc.Tunnel, exp.RootCauseTunnel))
			}
			// The structured answer opens with a summary that states the
			// root cause, its tunnel and its time: what a model reading
			// JSON.stringify(structuredContent) sees first.
			if at, err := time.Parse(time.RFC3339Nano, exp.RootCauseAt); err == nil {
				for _, fact := range []string{exp.RootCause, exp.RootCauseTunnel, at.UTC().Format("15:04:05")} {
					if !strings.Contains(got.Summary, fact) {
						wrong = append(wrong, fmt.Sprintf("summary lacks %q: %s", fact, got.Summary))
					}
				}
			}
			if exp.StaysDownBecause != "" {
				switch {
				case got.StaysDownBecause == nil:
					wrong = append(wrong, "no stays_down_because, want "+exp.StaysDownBecause)
				case got.StaysDownBecause.Category != exp.StaysDownBecause:
					wrong = append(wrong, fmt.Sprintf("stays_down_because %s, want %s", got.StaysDownBecause.Category, exp.StaysDownBecause))
				default:
					gotDesc += " / " + got.StaysDownBecause.Category
				}
			}
			if exp.RecoveredAt != "" {
				switch r := got.Incident.RecoveredAt; {
				case r == "":
					wrong = append(wrong, fmt.Sprintf("not recovered (%s, end %s), want recovered at %s", got.Incident.Status, got.Incident.End, exp.RecoveredAt))
				case !sameInstant(r, exp.RecoveredAt):
					wrong = append(wrong, fmt.Sprintf("recovered at %s, want %s", r, exp.RecoveredAt))
				}
			}
			if exp.LogsRootCause != "" && (len(got.RankedLower) == 0 || got.RankedLower[0].Category != exp.LogsRootCause) {
				wrong = append(wrong, fmt.Sprintf("ranked lower %+v, want %s first (what the logs show)", got.RankedLower, exp.LogsRootCause))
			}
			if exp.SharedCause && got.SharedCause == "" {
				wrong = append(wrong, "no shared_cause although every tunnel went down")
			}
			if exp.FromMetrics != nil {
				wrong = append(wrong, fromMetricsWrong(exp.FromMetrics, got, resultText(res))...)
			}
			structured, _ := json.Marshal(res.StructuredContent)
			keys := scenarioPSKs(t, dir)
			if len(keys) > 0 {
				withPSK++
			}
			for _, key := range keys {
				if strings.Contains(resultText(res), key) || strings.Contains(string(structured), key) {
					wrong = append(wrong, "a pre-shared key from cloudtrail-events.json is shown")
				}
			}
			if exp.RootCause == "" && exp.FromMetrics != nil {
				// No log and no AWS-side cause: nothing to quote.
			} else if len(rc.Evidence) == 0 || rc.Evidence[0].Raw == "" {
				wrong = append(wrong, "no evidence")
			} else if !evidenceHasRoot(rc) {
				wrong = append(wrong, "evidence does not quote the root cause record")
			}
		}
		result := "ok"
		if len(wrong) > 0 {
			result = "WRONG: " + strings.Join(wrong, "; ")
			t.Errorf("%s: %s (why it should be %s: %s)", name, strings.Join(wrong, "; "), exp.RootCause, exp.Why)
		} else {
			right++
			tally[0]++
		}
		byLayer[layer] = tally
		want := exp.RootCause
		if exp.StaysDownBecause != "" {
			want += " / " + exp.StaysDownBecause
		}
		fmt.Fprintf(&table, "%-40s %-18s %-34s %-34s %s\n", name, exp.Format, want, gotDesc, result)
	}
	if withPSK < 2 {
		t.Errorf("%d scenarios change a pre-shared key in CloudTrail, want at least 2 (one without logs) to check it is never shown", withPSK)
	}
	var layers []string
	for l, n := range byLayer {
		layers = append(layers, fmt.Sprintf("%s %d/%d", l, n[0], n[1]))
	}
	sort.Strings(layers)
	t.Logf("diagnosis accuracy on the scenario set: %d/%d (%s)\n%s", right, total, strings.Join(layers, ", "), table.String())
}

// evidenceHasRoot: the first causal record itself is quoted.
func evidenceHasRoot(rc view.Cause) bool {
	for _, e := range rc.Evidence {
		if e.Category == rc.Category && sameInstant(e.At, rc.At) && e.Raw != "" {
			return true
		}
	}
	return false
}

// fromMetricsWrong checks a diagnosis of a tunnel without logs against its
// from_metrics label, in both channels: the structured from_metrics (and
// what it says of the other tunnel), and the text, which must give the
// outage's times and how to turn logging on, one tunnel at a time.
func fromMetricsWrong(exp *scenarioMetrics, got view.Diagnosis, text string) []string {
	m := got.FromMetrics
	if m == nil {
		return []string{"no from_metrics"}
	}
	var wrong []string
	if m.DownFrom == nil || !sameInstant(m.DownFrom.UTC, exp.DownFrom) {
		wrong = append(wrong, fmt.Sprintf("down_from %+v, want %s", m.DownFrom, exp.DownFrom))
	}
	if len(m.DownWithin) != 2 || len(exp.DownWithin) != 2 || !sameInstant(m.DownWithin[0].UTC, exp.DownWithin[0]) || !sameInstant(m.DownWithin[1].UTC, exp.DownWithin[1]) {
		wrong = append(wrong, fmt.Sprintf("down_within %+v, want %v", m.DownWithin, exp.DownWithin))
	}
	ends := exp.UpAt
	switch {
	case exp.UpAt != "" && (m.UpAt == nil || !sameInstant(m.UpAt.UTC, exp.UpAt) || m.StillDownAt != nil):
		wrong = append(wrong, fmt.Sprintf("up_at %+v (still down at %+v), want %s", m.UpAt, m.StillDownAt, exp.UpAt))
	case exp.StillDownAt != "":
		ends = exp.StillDownAt
		if m.UpAt != nil || m.StillDownAt == nil || !sameInstant(m.StillDownAt.UTC, exp.StillDownAt) {
			wrong = append(wrong, fmt.Sprintf("still_down_at %+v (up at %+v), want %s", m.StillDownAt, m.UpAt, exp.StillDownAt))
		}
	}
	moved := strings.Contains(strings.Join(m.OtherTunnels, "\n"), "traffic moved to it")
	if moved != exp.TrafficMovedToOtherTunnel {
		wrong = append(wrong, fmt.Sprintf("other tunnels %q, want the traffic moved to it: %v", m.OtherTunnels, exp.TrafficMovedToOtherTunnel))
	}
	for _, want := range []string{exp.DownFrom, exp.DownWithin[0], ends, "modify-vpn-tunnel-options", "one tunnel at a time"} {
		if !strings.Contains(text, want) {
			wrong = append(wrong, fmt.Sprintf("text lacks %q", want))
		}
	}
	return wrong
}

// scenarioPSKs are the pre-shared keys the changes in a scenario's
// cloudtrail-events.json set: what no answer may show.
func scenarioPSKs(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "cloudtrail-events.json"))
	if os.IsNotExist(err) {
		return nil
	}
	var trail struct {
		Events []struct{ CloudTrailEvent string }
	}
	if err != nil || json.Unmarshal(b, &trail) != nil {
		t.Fatalf("%s: cloudtrail-events.json unreadable: %v", dir, err)
	}
	var keys []string
	for _, e := range trail.Events {
		var rec struct {
			RequestParameters struct {
				TunnelOptions struct{ PreSharedKey string }
			}
		}
		if json.Unmarshal([]byte(e.CloudTrailEvent), &rec) == nil && rec.RequestParameters.TunnelOptions.PreSharedKey != "" {
			keys = append(keys, rec.RequestParameters.TunnelOptions.PreSharedKey)
		}
	}
	return keys
}
