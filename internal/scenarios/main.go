// Command scenarios writes the labelled scenario set: one directory per
// incident in the --logs-dir layout (log files in one of the container
// formats the contract accepts, usually with vpn-connections.json) and an
// expected.json beside the logs holding the question to ask
// diagnose_tunnel_drop and the answer an experienced network engineer would
// give, with the reasoning in one line.
//
// It writes real density by default: besides each incident, state records,
// rekeys and route refreshes, every tunnel logs the liveness exchange about
// every 10 s while its IKE SA is up, as a real tunnel with DPD on does.
// -density sparse leaves that exchange out (about 50 times fewer IKE
// records). Every log file is written gzipped (the format names what is
// inside), as the readers accept them.
//
// The output is deterministic (each scenario seeded from its name, no wall
// clock) so the committed copy in testdata/scenarios is checked against the
// generator:
//
//	go run ./internal/scenarios -out testdata/scenarios
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/internal/demogen/tunnelsim"
)

func main() {
	out := flag.String("out", "testdata/scenarios", "directory to write the scenario set into")
	density := tunnelsim.DensityReal
	flag.Func("density", "routine traffic: real (the liveness exchange every ~10 s while a tunnel is up, as AWS logs it; default) or sparse (without it)", func(s string) error {
		d, err := tunnelsim.ParseDensity(s)
		density = d
		return err
	})
	flag.Parse()
	if err := generate(*out, density); err != nil {
		fmt.Fprintln(os.Stderr, "scenarios:", err)
		os.Exit(1)
	}
}

// scenarioOut is one rendered scenario.
type scenarioOut struct {
	spec     *spec
	expected expected
	files    []file // log files and vpn-connections.json, then expected.json
	records  int
	conns    []*tunnelsim.Connection // the model the files were rendered from
	answer   answer
}

// generate writes every scenario into dir. Each scenario directory is
// replaced as a whole so no file of an older version lingers.
func generate(dir string, density tunnelsim.Density) error {
	set, err := build(density)
	if err != nil {
		return err
	}
	for _, s := range set {
		sdir := filepath.Join(dir, s.spec.name)
		if err := os.RemoveAll(sdir); err != nil {
			return err
		}
		for _, f := range s.files {
			p := filepath.Join(sdir, filepath.FromSlash(f.name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, f.data, 0o644); err != nil {
				return err
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "README.md"), renderREADME(set, density), 0o644)
}

// build renders every scenario in memory.
func build(density tunnelsim.Density) ([]scenarioOut, error) {
	var out []scenarioOut
	seen := map[string]bool{}
	day := map[string]int{} // data key -> day index of its first scenario
	for i := range specs {
		sp := &specs[i]
		if seen[sp.name] {
			return nil, fmt.Errorf("scenario name %q used twice", sp.name)
		}
		seen[sp.name] = true
		if _, ok := day[sp.dataKey()]; !ok {
			day[sp.dataKey()] = i
		}
		s, err := buildOne(sp, day[sp.dataKey()], density)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sp.name, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func buildOne(sp *spec, index int, density tunnelsim.Density) (scenarioOut, error) {
	b := newBuilder(sp, index)
	ans := sp.script(b)
	b.background(density)
	applyFormat(sp.format, b.conns)
	s1, _ := seedOf(sp.dataKey())
	files, err := render(sp.format, b.conns, s1)
	if err != nil {
		return scenarioOut{}, err
	}
	records := 0
	for _, c := range b.conns {
		for _, tn := range c.Tunnels {
			records += len(tn.IKE) + len(tn.BGP)
		}
	}
	if !sp.noInventory {
		inv, err := tunnelsim.RenderVPNConnections(b.conns)
		if err != nil {
			return scenarioOut{}, err
		}
		files = append(files, file{"vpn-connections.json", inv})
	}
	if len(b.trail) > 0 {
		trail, err := tunnelsim.RenderTrail(b.trail)
		if err != nil {
			return scenarioOut{}, err
		}
		files = append(files, file{"cloudtrail-events.json", trail})
	}
	if b.maint != nil {
		maint, err := tunnelsim.RenderMaintenance(b.conns, b.maint)
		if err != nil {
			return scenarioOut{}, err
		}
		files = append(files, file{"tunnel-maintenance.json", maint})
	}
	metrics, err := b.renderMetrics()
	if err != nil {
		return scenarioOut{}, err
	}
	if metrics != nil {
		files = append(files, file{"tunnel-metrics.json", metrics})
	}
	exp, err := expectedOf(sp, b, &ans)
	if err != nil {
		return scenarioOut{}, err
	}
	data, err := json.MarshalIndent(exp, "", "  ")
	if err != nil {
		return scenarioOut{}, err
	}
	files = append(files, file{"expected.json", append(data, '\n')})
	return scenarioOut{spec: sp, expected: exp, files: files, records: records, conns: b.conns, answer: ans}, nil
}

func expectedOf(sp *spec, b *builder, a *answer) (expected, error) {
	if a.fromMetrics != nil && a.root == "" {
		// No log, no AWS-side cause: the answer is when the metrics say
		// it went down.
		a.rootAt = a.fromMetrics.down.Round(time.Minute)
	}
	if a.rootTunnel == nil || a.root == "" && a.fromMetrics == nil || a.rootAt.IsZero() || a.at.IsZero() || a.why == "" {
		return expected{}, fmt.Errorf("incomplete answer %+v", a)
	}
	loc := time.UTC
	if a.tz != "" {
		var err error
		if loc, err = time.LoadLocation(a.tz); err != nil {
			return expected{}, err
		}
	}
	at := a.at.UTC().Format(time.RFC3339)
	switch a.atForm {
	case atLocal:
		at = a.at.In(loc).Format("2006-01-02 15:04")
	case atClock:
		at = a.at.In(loc).Format("15:04")
	}
	if !a.at.Equal(a.at.Truncate(time.Minute)) && a.atForm != atRFC3339 {
		return expected{}, fmt.Errorf("question time %s has seconds its form cannot carry", a.at)
	}
	recovered := ""
	if !a.recoveredAt.IsZero() {
		recovered = formatUTC(a.recoveredAt)
	}
	logsRootAt := ""
	var fromMetrics *expectedMetrics
	if a.fromMetrics != nil {
		fromMetrics = expectedFromMetrics(a.fromMetrics)
	} else if strings.HasPrefix(a.root, "aws.") {
		if a.logsRoot == "" || a.logsRootAt.IsZero() {
			return expected{}, fmt.Errorf("a drop AWS caused needs what the logs alone show: %+v", a)
		}
		logsRootAt = formatUTC(a.logsRootAt)
	}
	return expected{
		LogsRootCause: a.logsRoot, LogsRootCauseAt: logsRootAt,
		RecoveredAt: recovered, FromMetrics: fromMetrics,
		VPNConnectionID: b.conns[0].ID, Tunnel: a.tunnelArg, At: at, Timezone: a.tz, WindowMinutes: a.window,
		RootCause: a.root, RootCauseAt: formatUTC(a.rootAt), RootCauseTunnel: a.rootTunnel.IP,
		StaysDownBecause: a.staysDown, SharedCause: a.shared, Format: string(sp.format), IKEVersion: a.rootTunnel.IKEVersion, Why: a.why,
	}, nil
}

// renderREADME lists the scenarios for people.
func renderREADME(set []scenarioOut, density tunnelsim.Density) []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Labelled diagnosis scenarios\n\n")
	w("Each directory is one incident in the `--logs-dir` layout (log files, usually `vpn-connections.json`)\n")
	w("with `expected.json` beside the logs: the question for `diagnose_tunnel_drop` (`vpn_connection_id`,\n")
	w("`tunnel`, `at`, `timezone`) and the answer an experienced network engineer would give (`root_cause`,\n")
	w("`root_cause_at` — the first causal record —, `root_cause_tunnel`, `stays_down_because`, `shared_cause`,\n")
	w("and for long incidents `recovered_at`, the record that brought the tunnel back),\n")
	w("with, for a drop AWS caused (`aws.*`: a change in `cloudtrail-events.json`, maintenance in\n")
	w("`tunnel-maintenance.json`), `logs_root_cause`, what the logs alone show,\n")
	w("and, for a connection whose logging is off (no log files for it; `tunnel-metrics.json` holds its AWS/VPN\n")
	w("TunnelState, TunnelDataIn and TunnelDataOut per 5 minutes, as GetMetricData returns them), `from_metrics`:\n")
	w("`down_from` (to the minute, from the share of the period it was still up), `down_within` (that period),\n")
	w("`up_at` or `still_down_at` (where the metrics end) and `traffic_moved_to_other_tunnel`; `root_cause` is then\n")
	w("the AWS-side cause or empty (no log says why), `root_cause_at` the change or maintenance, or `down_from`;\n")
	w("with the reasoning in `why`. `tools/scenarios_test.go` asks every question through MCP and requires every\n")
	w("answer; `correlate/property_test.go` checks that shuffling, noise and renaming never change them.\n\n")
	w("Generated, do not edit: `go run ./internal/scenarios -out testdata/scenarios` (seeded per scenario,\n")
	w("no clock); `go test ./internal/scenarios` fails if this copy drifts from the generator.\n\n")
	if density == tunnelsim.DensityReal {
		w("Density: real (liveness every ~10 s): every tunnel logs its liveness exchange about every 10 s while\n")
		w("its IKE SA is up (IKEv2 INFORMATIONAL request and response, IKEv1 R-U-THERE and its ACK), never during\n")
		w("an outage; before a DPD timeout the exchange stops for the tunnel's DPD timeout and AWS's probes go\n")
		w("unanswered. `-density sparse` writes the same set without it. Every log file is stored gzipped (`.gz`\n")
		w("added to its name; the format column names what is inside).\n\n")
	} else {
		w("Density: sparse (written with `-density sparse`): no liveness exchange, about 50 times fewer IKE\n")
		w("records than a real tunnel logs. Every log file is stored gzipped.\n\n")
	}
	w("Every scenario also carries healthy background on every stream: IKE state snapshots about every 10\n")
	w("minutes, phase 2 rekeys (IKEv2 CREATE_CHILD_SA exchanges, one of them a collision; IKEv1 as state\n")
	w("records) with the gateway's DELETE of the old phase 2 SA after the rekeys it starts (phase 2 stays\n")
	w("established: routine, never a cause), and routine BGP route refreshes. Times in `root_cause_at` are\n")
	w("as the record's stream logs them (whole seconds on most IKE streams).\n\n")
	w("| scenario | format | question | root cause | stays down because | records |\n")
	w("| --- | --- | --- | --- | --- | ---: |\n")
	for _, s := range set {
		e := s.expected
		q := "tunnel " + e.Tunnel
		if e.Tunnel == "" {
			q = "either tunnel"
		}
		q += " at " + e.At
		if e.Timezone != "" {
			q += " (" + e.Timezone + ")"
		}
		fmtName := e.Format
		if s.spec.noInventory {
			fmtName += ", no vpn-connections.json"
		}
		if s.spec.secondConn {
			fmtName += ", 2nd connection"
		}
		root := "`" + e.RootCause + "` at " + e.RootCauseAt
		if e.FromMetrics != nil {
			fmtName += ", no logs: metrics"
			if e.RootCause == "" {
				root = "none in any log: down from about " + e.FromMetrics.DownFrom
			}
		}
		w("| `%s` | %s | %s | %s | %s | %d |\n", s.spec.name, fmtName, q, root, orDash(e.StaysDownBecause), s.records)
	}
	w("\n## Why\n\n")
	for _, s := range set {
		w("- `%s`: %s\n", s.spec.name, s.expected.Why)
	}
	return b.Bytes()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return "`" + s + "`"
}
