package aws_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
)

// callsQuestion is one question asked of a fresh source (an empty cache),
// with the most AWS calls of each operation it may make.
type callsQuestion struct {
	tool string
	args map[string]any
	max  map[string]int
}

// The AWS API calls each question makes on a cold source, by operation,
// through the real SDK clients and the fake: what one question costs in
// requests (the README lists them). Each is bounded, so a change that adds
// calls fails here and has to say why.
func TestAPICallsPerQuestion(t *testing.T) {
	questions := []callsQuestion{
		{"diagnose_tunnel_drop", map[string]any{"vpn_connection_id": hq, "tunnel": "2", "at": "2026-06-12 20:25"},
			map[string]int{"DescribeVpnConnections": 1, "DescribeDeliverySources": 1, "DescribeLogStreams": 2, "FilterLogEvents": 4,
				"LookupEvents": 3, "GetVpnTunnelReplacementStatus": 1, "GetMetricData": 1}},
		{"summarize_vpn_health", map[string]any{"vpn_connection_id": hq, "start": "2026-06-12T00:00:00Z", "end": "2026-06-13T00:00:00Z"},
			// The AWS-side causes of its drops: one change lookup for them
			// all (connection, customer gateway, VGW), each tunnel's
			// maintenance status (the pending maintenance is shown too).
			map[string]int{"DescribeVpnConnections": 1, "DescribeDeliverySources": 1, "DescribeLogStreams": 2, "FilterLogEvents": 6,
				"LookupEvents": 3, "GetVpnTunnelReplacementStatus": 2}},
		{"get_tunnel_options", map[string]any{"vpn_connection_id": hq},
			map[string]int{"DescribeVpnConnections": 1, "DescribeDeliverySources": 1, "GetVpnTunnelReplacementStatus": 2, "GetActiveVpnTunnelStatus": 2}},
		{"get_vpn_timeline", map[string]any{"vpn_connection_id": hq, "start": "2026-06-12T20:15:00Z", "end": "2026-06-12T21:50:00Z"},
			map[string]int{"DescribeVpnConnections": 1, "DescribeDeliverySources": 1, "DescribeLogStreams": 2, "FilterLogEvents": 8, "LookupEvents": 3}},
	}
	var table strings.Builder
	for _, q := range questions {
		f := newFake(t, fakeaws.Options{})
		src := newSource(t, f, nil)
		c := mcpClient(t, src, src)
		if _, msg := callJSON(t, c, q.tool, q.args); msg != "" {
			t.Fatalf("%s: %s", q.tool, msg)
		}
		counts := f.Counts()
		// The same question again (a follow-up on the same incident)
		// reads no metrics, changes, maintenance or negotiated status
		// again: they are cached.
		callJSON(t, c, q.tool, q.args)
		for _, op := range []string{"GetMetricData", "LookupEvents", "GetVpnTunnelReplacementStatus", "GetActiveVpnTunnelStatus"} {
			if n := f.Counts()[op] - counts[op]; n != 0 {
				t.Errorf("%s asked again: %d more %s calls, want none", q.tool, n, op)
			}
		}
		total := 0
		var parts []string
		for _, op := range slices.Sorted(maps.Keys(counts)) {
			n := counts[op]
			total += n
			parts = append(parts, fmt.Sprintf("%d %s", n, op))
			if limit, ok := q.max[op]; !ok || n > limit {
				t.Errorf("%s: %d %s calls, at most %d expected", q.tool, n, op, limit)
			}
		}
		fmt.Fprintf(&table, "| `%s` | %d: %s |\n", q.tool, total, strings.Join(parts, ", "))
	}
	t.Logf("API calls per question (cold cache):\n%s", table.String())
}
