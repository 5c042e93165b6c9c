package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vpnlens/vpnlens/internal/demogen/tunnelsim"
)

// file is one output file of the data set.
type file struct {
	name string
	data []byte
}

// build renders the whole data set in memory, in a fixed file order. Stream
// files are gzipped; renderREADME reads them before.
func build(density tunnelsim.Density) ([]file, error) {
	ds := scenario(density)
	var files []file
	for _, c := range ds.conns {
		if !c.Logging {
			continue
		}
		for _, tn := range c.Tunnels {
			ike, err := tn.RenderIKE()
			if err != nil {
				return nil, err
			}
			bgp, err := tn.RenderBGP()
			if err != nil {
				return nil, err
			}
			files = append(files, file{tn.StreamName("IKE"), ike}, file{tn.StreamName("BGP"), bgp})
		}
	}
	vpn, err := tunnelsim.RenderVPNConnections(ds.conns)
	if err != nil {
		return nil, err
	}
	files = append(files, file{"vpn-connections.json", vpn})
	metrics, err := renderMetrics(ds.conns)
	if err != nil {
		return nil, err
	}
	files = append(files, file{"tunnel-metrics.json", metrics})
	active, err := renderActiveStatus(vpn)
	if err != nil {
		return nil, err
	}
	files = append(files, file{"tunnel-active-status.json", active})
	trail, err := tunnelsim.RenderTrail(ds.trail)
	if err != nil {
		return nil, err
	}
	files = append(files, file{"cloudtrail-events.json", trail})
	maint, err := tunnelsim.RenderMaintenance(ds.conns, ds.maint)
	if err != nil {
		return nil, err
	}
	files = append(files, file{"tunnel-maintenance.json", maint})
	exp, err := renderExpected(ds.incidents)
	if err != nil {
		return nil, err
	}
	files = append(files, file{"expected.json", exp})
	files = append(files, file{"README.md", renderREADME(ds, files)})
	for i, f := range files {
		if strings.HasSuffix(f.name, ".log") {
			files[i] = file{f.name + ".gz", gz(f.data)}
		}
	}
	return files, nil
}

// gz compresses with no name and no time in the header, so the output
// depends on the input only.
func gz(data []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(data) // a bytes.Buffer does not fail
	w.Close()
	return buf.Bytes()
}

func renderExpected(incidents []incident) ([]byte, error) {
	b, err := json.MarshalIndent(incidents, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func renderREADME(ds *dataset, files []file) []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# vpnlens demo data set\n\n")
	w("One day (2026-06-12, UTC) of AWS Site-to-Site VPN logs for an account in eu-central-1, in the\n")
	w("`--logs-dir` layout: one file per CloudWatch Logs stream, one record per line, plus the output of\n")
	w("`aws ec2 describe-vpn-connections`. `vpnlens serve --demo` and `vpnlens diagnose --demo` read it.\n\n")
	w("Generated, do not edit: `go run ./internal/demogen -out testdata/demo` rewrites every file here\n")
	w("(fixed seed, no clock) and `go test ./internal/demogen` fails if this copy drifts from the generator.\n\n")
	if ds.density == tunnelsim.DensityReal {
		w("Density: real (liveness every ~10 s). Every tunnel logs its liveness exchange about every 10 s while its\n")
		w("IKE SA is up, as a real tunnel with DPD on does, so most records are routine (see\n")
		w("[Healthy background](#healthy-background)). `-density sparse` writes the same day without it.\n\n")
	} else {
		w("Density: sparse (written with `-density sparse`): no liveness exchange, about 50 times fewer IKE records\n")
		w("than a real tunnel logs.\n\n")
	}

	w("## Connections\n\n")
	w("| connection | name | gateway | routing | tunnels (outside IP, inside CIDR, IKE) | logs |\n")
	w("| --- | --- | --- | --- | --- | --- |\n")
	for _, c := range ds.conns {
		gw := "VGW " + c.VGWID
		if c.TGWID != "" {
			gw = "TGW " + c.TGWID
		}
		routing := fmt.Sprintf("BGP, CGW AS %d, AWS AS %d, CGW %s", c.CGWASN, c.AWSASN, c.CGWIP)
		if c.StaticOnly {
			routing = "static (" + strings.Join(c.StaticRoutes, ", ") + ")"
		}
		var tuns []string
		for _, tn := range c.Tunnels {
			tuns = append(tuns, fmt.Sprintf("%d: %s, %s, %s", tn.Num, tn.IP, tn.InsideCIDR, tn.IKEVersion))
		}
		logs := "IKE + BGP, json"
		switch {
		case !c.Logging:
			logs = "**disabled** (no log files)"
		case c.Tunnels[1].BGPText:
			logs = "IKE + BGP, json; tunnel 2 BGP in `text`"
		}
		w("| `%s` | %s | %s | %s | %s | %s |\n", c.ID, c.Name, gw, routing, strings.Join(tuns, "; "), logs)
	}
	w("\nBGP neighbors are the customer-gateway inside addresses (`.2` of each /30); the AWS side is `.1`.\n")
	w("In `vpn-connections.json` the VgwTelemetry of hq-datacenter is listed in the opposite order of its\n")
	w("TunnelOptions: pair telemetry with tunnels by outside IP, never by position. Telemetry shows the state\n")
	w("at the end of the day. dr-site's tunnel 2 has been DOWN since 2026-05-29 and, with logging disabled,\n")
	w("no log can say why. `tunnel-metrics.json` holds what CloudWatch metrics recorded for its tunnels\n")
	w("(AWS/VPN TunnelState, TunnelDataIn, TunnelDataOut per hour, 2026-05-22 to the end of the day, in the shape of\n")
	w("GetMetricData output): tunnel 2 down from 2026-05-29 08:14:51 with its traffic moved to tunnel 1, and both\n")
	w("tunnels down from 2026-06-03 01:52:10 to 02:17:44 while tunnel 1 was out too. `tunnel-active-status.json` holds\n")
	w("what AWS reports each tunnel negotiated at the end of the day (GetActiveVpnTunnelStatus): the allowed algorithms\n")
	w("for the tunnels that are up, nothing for dr-site's tunnel 2.\n\n")
	w("Two drops were caused on the AWS side, which the logs show only as a teardown: `cloudtrail-events.json`\n")
	w("(`aws cloudtrail lookup-events` output) holds the ModifyVpnTunnelOptions call that renegotiated branch\n")
	w("tunnel 1 (its request carries a pre-shared key, which vpnlens never shows), and `tunnel-maintenance.json`\n")
	w("(`aws ec2 get-vpn-tunnel-replacement-status` output for every tunnel) the endpoint replacement AWS applied\n")
	w("to hq tunnel 2, plus a replacement pending on branch tunnel 2. For these two incidents `expected.json` also\n")
	w("gives `logs_root_cause`, what the logs alone show.\n\n")

	w("## Files\n\n")
	w("The stream files are stored gzipped (`.log.gz`; the readers accept gzip); bytes are as inflated.\n\n")
	w("| file | bytes | records |\n| --- | ---: | ---: |\n")
	totalBytes, totalRecords := 0, 0
	for _, f := range files {
		recs, name := "-", f.name
		if strings.HasSuffix(f.name, ".log") {
			n := bytes.Count(f.data, []byte("\n"))
			recs, name = fmt.Sprint(n), f.name+".gz"
			totalBytes += len(f.data)
			totalRecords += n
		}
		w("| `%s` | %d | %s |\n", name, len(f.data), recs)
	}
	w("| all streams | %d | %d |\n", totalBytes, totalRecords)
	w("\nIKE (tunnel activity) records: `event_timestamp` in whole seconds; `timestamp` without milliseconds\n")
	w("on hq tunnel 1 and branch tunnel 1, with milliseconds on hq tunnel 2 and branch tunnel 2. BGP\n")
	w("records: `event_timestamp` in milliseconds, `timestamp` with milliseconds. Field order as in the AWS\n")
	w("user guide. The text-format BGP stream follows the project's guess of that format (`notes/common.md`).\n\n")

	w("## Incidents\n\n")
	w("`expected.json` holds the same list for tests: `root_cause` is a contract category id and\n")
	w("`root_cause_at` the time of the first causal record as it reads in its stream.\n\n")
	for i, in := range ds.incidents {
		w("### %d. `%s`: %s tunnel %d (%s)\n\n", i+1, in.ID, connName(ds, in.VPNConnectionID), in.Tunnel, in.TunnelIP)
		w("%s\n\n", in.Summary)
		w("- root cause `%s` at %s", in.RootCause, in.RootCauseAt)
		if in.StaysDownBecause != "" {
			w("; stays down because of `%s` (from %s)", in.StaysDownBecause, in.StaysDownBecauseAt)
		}
		if in.LogsRootCause != "" {
			w("; the logs alone show `%s` at %s", in.LogsRootCause, in.LogsRootCauseAt)
		}
		w("; recovered at %s; ask at %s\n", in.RecoveredAt, in.QuestionAt)
		for _, s := range in.story {
			w("- %s\n", s)
		}
		w("\n")
	}

	w("## Healthy background\n\n")
	if ds.density == tunnelsim.DensityReal {
		w("- The liveness exchange about every 10 s (small jitter) on every tunnel while its IKE SA is up, never\n")
		w("  during an outage: on IKEv2 `AWS tunnel is sending request (id=N) for INFORMATIONAL` then\n")
		w("  `AWS tunnel processed response (id=N) for INFORMATIONAL`, on IKEv1 (branch tunnel 2)\n")
		w("  `AWS tunnel is sending DPD R-U-THERE to peer` then `AWS tunnel received R-U-THERE-ACK`. AWS's\n")
		w("  message ids count every request it sends (these and its rekeys) and restart with each IKE_SA that\n")
		w("  follows a phase 1 outage. Before each DPD timeout the exchange stops for the tunnel's DPD timeout\n")
		w("  (30 s): AWS's probe and its retransmissions go unanswered until it declares the peer dead. AWS does\n")
		w("  not publish the wording of these records; these follow its documented messages.\n")
	}
	w("- IKE state records with empty `details` about every 10 minutes on every tunnel, reporting the\n")
	w("  phase states of the moment (down or negotiating during outages).\n")
	w("- IKEv2 tunnels: CREATE_CHILD_SA rekeys every 50–56 minutes (phase 2 lifetime 3600 s, margin 270 s,\n")
	w("  fuzz 100 %%), initiated by either side (all four message wordings), message ids increasing and\n")
	w("  restarting with each new IKE_SA; three of them collide with the CGW's own rekey\n")
	w("  (`(CHILD_REKEY) collision as CHILD_DELETE`, then the redundant SA is deleted).\n")
	w("- branch tunnel 2 (IKEv1): quick mode logs no CREATE_CHILD_SA lines; its hourly phase 2 rekeys show\n")
	w("  only as a state record with phase 2 `rekeying` followed by one with both phases established.\n")
	w("- BGP: routine `received update with attributes` with UPDATED routes every 35–100 minutes, and one\n")
	w("  short-lived prefix per connection (hq 192.168.99.0/24 07:12–07:58, branch 10.30.48.0/24\n")
	w("  15:03–15:40) advertised and withdrawn on both tunnels.\n")
	w("- hq's customer gateway sends its routes with MED 0 on tunnel 1 and MED 100 on tunnel 2 (tunnel 1\n")
	w("  preferred); it moves tunnel 2 to MED 0 while tunnel 1's BGP is down.\n")
	return b.Bytes()
}

func connName(ds *dataset, id string) string {
	for _, c := range ds.conns {
		if c.ID == id {
			return c.Name
		}
	}
	return id
}
