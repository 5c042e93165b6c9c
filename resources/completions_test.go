package resources_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/resources"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/watch"
)

func complete(t *testing.T, c *client.Client, ref any, name, value string, given map[string]string) *mcp.Completion {
	t.Helper()
	res, err := c.Complete(context.Background(), mcp.CompleteRequest{Params: mcp.CompleteParams{
		Ref: ref, Argument: mcp.CompleteArgument{Name: name, Value: value}, Context: mcp.CompleteContext{Arguments: given}}})
	if err != nil {
		t.Fatalf("complete %s %q: %v", name, value, err)
	}
	if len(res.Completion.Values) > 100 {
		t.Errorf("complete %s %q: %d values, more than 100", name, value, len(res.Completion.Values))
	}
	for _, v := range res.Completion.Values {
		if !strings.HasPrefix(strings.ToLower(v), strings.ToLower(value)) {
			t.Errorf("complete %s %q: %q does not start with what was typed", name, value, v)
		}
	}
	return &res.Completion
}

var (
	incidentRef = mcp.ResourceReference{Type: "ref/resource", URI: resources.IncidentTemplate}
	timelineRef = mcp.ResourceReference{Type: "ref/resource", URI: resources.TimelineTemplate}
	triageRef   = mcp.PromptReference{Type: "ref/prompt", Name: "triage_tunnel_drop"}
	healthRef   = mcp.PromptReference{Type: "ref/prompt", Name: "vpn_health_review"}
)

// Incident ids are completed from the last day of logs (newest first),
// filtered by what was typed, and every one names a real incident.
func TestCompleteIncidentIDs(t *testing.T) {
	c := servedClient(t, mcp.LATEST_PROTOCOL_VERSION)
	all := complete(t, c, incidentRef, "incident_id", "", nil)
	if len(all.Values) < 3 || all.Total != len(all.Values) {
		t.Fatalf("incident ids: %+v", all)
	}
	if !slices.Contains(all.Values, strings.TrimPrefix(hqDPD, "vpn://incident/")) {
		t.Errorf("the DPD incident of 03:10 is not offered: %q", all.Values)
	}
	var last time.Time
	for i, id := range all.Values {
		_, _, start, err := correlate.ParseIncidentID(id)
		if err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		if i > 0 && start.After(last) {
			t.Errorf("not newest first: %q after an older one", id)
		}
		last = start
	}
	for _, id := range all.Values[:3] {
		read(t, c, "vpn://incident/"+id) // fails the test if it names nothing
	}

	for prefix, want := range map[string]string{
		"vpn-0f":                       "vpn-0f9e8d7c6b5a40312_",
		hq + "_203.0.113.20":           hq + "_203.0.113.20_",
		"VPN-0A1B2C3D4E5F60718_203.0.": hq + "_203.0.113.",
	} {
		got := complete(t, c, incidentRef, "incident_id", prefix, nil)
		if len(got.Values) == 0 {
			t.Errorf("%q: nothing offered", prefix)
		}
		for _, v := range got.Values {
			if !strings.HasPrefix(v, want) || !slices.Contains(all.Values, v) {
				t.Errorf("%q: offered %q", prefix, v)
			}
		}
	}
	if got := complete(t, c, incidentRef, "incident_id", "vpn-nope", nil); len(got.Values) != 0 {
		t.Errorf("an unknown connection's incidents: %q", got.Values)
	}
}

// Once vpn://incidents has been read, its watch engine's incidents are the
// ones offered.
func TestCompleteIncidentIDsFromWatch(t *testing.T) {
	c := servedClient(t, mcp.LATEST_PROTOCOL_VERSION)
	var v watch.IncidentsView
	if err := json.Unmarshal([]byte(read(t, c, resources.IncidentsURI)), &v); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, in := range append(v.Open, v.Recent...) {
		want = append(want, in.ID)
	}
	got := complete(t, c, incidentRef, "incident_id", "", nil).Values
	slices.Sort(want)
	slices.Sort(got)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("offered %q,\nvpn://incidents lists %q", got, want)
	}
}

// tunnel: "1", "2" and the outside IPs (of the connection given), filtered.
func TestCompleteTunnel(t *testing.T) {
	c := servedClient(t, mcp.LATEST_PROTOCOL_VERSION)
	given := map[string]string{"vpn_connection_id": hq}
	for _, tc := range []struct {
		value string
		given map[string]string
		want  []string
	}{
		{"", given, []string{"1", "2", "203.0.113.10", "203.0.113.20"}},
		{"203.0.113.2", given, []string{"203.0.113.20"}},
		{"1", given, []string{"1"}},
		{"203.0.113.3", nil, []string{"203.0.113.30"}},
		{"7", given, []string{}},
	} {
		if got := complete(t, c, triageRef, "tunnel", tc.value, tc.given).Values; !slices.Equal(got, tc.want) {
			t.Errorf("tunnel %q (given %v): %q, want %q", tc.value, tc.given, got, tc.want)
		}
	}
}

// Times: forms counted back from the newest record, the newest record's
// time, and for `at` the starts of the connection's incidents; a resource
// address gets the compact form, and what is offered reads.
func TestCompleteTimes(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	local, err := source.OpenFS(source.HideFiles(os.DirFS("../testdata/demo"), "expected.json"), "demo", quiet)
	if err != nil {
		t.Fatal(err)
	}
	exts, _ := local.Extents(context.Background(), hq)
	var newest time.Time
	for _, e := range exts {
		if e.Last.After(newest) {
			newest = e.Last
		}
	}
	c := servedClient(t, mcp.LATEST_PROTOCOL_VERSION)
	given := map[string]string{"vpn_connection_id": hq}

	at := complete(t, c, triageRef, "at", "", given).Values
	for _, want := range []string{"latest", "latest-1h", "latest-24h", newest.UTC().Format(time.RFC3339), "2026-06-12T03:10:07Z"} {
		if !slices.Contains(at, want) {
			t.Errorf("at: %q lacks %q", at, want)
		}
	}
	if got := complete(t, c, triageRef, "at", "latest-2", given).Values; !slices.Equal(got, []string{"latest-24h"}) {
		t.Errorf("at latest-2: %q", got)
	}
	if got := complete(t, c, triageRef, "at", "2026-06-12T03", given).Values; !slices.Contains(got, "2026-06-12T03:10:07Z") {
		t.Errorf("at 2026-06-12T03: %q", got)
	}
	// Every `at` offered is one the prompt takes.
	for _, v := range at {
		if _, err := getPrompt(c, "triage_tunnel_drop", map[string]string{"vpn_connection_id": hq, "at": v}); err != nil {
			t.Errorf("at %q: %v", v, err)
		}
	}

	start := complete(t, c, timelineRef, "start", "", given).Values
	end := complete(t, c, timelineRef, "end", "", given).Values
	compactEnd := newest.Truncate(time.Second).Add(time.Second).UTC().Format("20060102T150405Z")
	if !slices.Contains(start, "latest-1h") || !slices.Contains(start, newest.Add(-time.Hour).UTC().Format("20060102T150405Z")) ||
		!slices.Equal(end, []string{"latest", compactEnd}) {
		t.Fatalf("start %q, end %q", start, end)
	}
	for _, s := range start[:2] {
		for _, e := range end {
			read(t, c, "vpn://timeline/"+hq+"/"+s+"/"+e)
		}
	}
	if got := complete(t, c, timelineRef, "start", "L", given).Values; !slices.Equal(got, []string{"latest-1h", "latest-24h", "latest-7d"}) {
		t.Errorf("start L: %q", got)
	}
}

// The other arguments follow the typed prefix too.
func TestCompleteFollowsPrefix(t *testing.T) {
	c := servedClient(t, mcp.LATEST_PROTOCOL_VERSION)
	if got := complete(t, c, healthRef, "window", "7", nil).Values; !slices.Equal(got, []string{"7d"}) {
		t.Errorf("window 7: %q", got)
	}
	if got := complete(t, c, healthRef, "vpn_connection_id", "vpn-0f", nil).Values; !slices.Equal(got, []string{"vpn-0f9e8d7c6b5a40312"}) {
		t.Errorf("vpn_connection_id vpn-0f: %q", got)
	}
	got := complete(t, c, mcp.ResourceReference{Type: "ref/resource", URI: resources.CatalogEntryTemplate}, "category", "ike.dpd", nil).Values
	if !slices.Contains(got, "ike.dpd_timeout") {
		t.Errorf("category ike.dpd: %q", got)
	}
}
