package corpus_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/internal/corpusgen/corpus"
	"github.com/vpnlens/vpnlens/vpnlog"
)

func TestLinesDeterministic(t *testing.T) {
	a := corpus.Lines(corpus.Options{Seed: 7}, 1<<20)
	b := corpus.Lines(corpus.Options{Seed: 7}, 1<<20)
	c := corpus.Lines(corpus.Options{Seed: 8}, 1<<20)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed, different bytes")
	}
	if bytes.Equal(a, c) {
		t.Fatal("different seeds, same bytes")
	}
	if len(a) < 1<<20 || a[len(a)-1] != '\n' {
		t.Fatalf("%d bytes, last %q: want whole lines, at least the size asked", len(a), a[len(a)-1])
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"1GB", 1 << 30}, {"200MB", 200 << 20}, {"512kb", 512 << 10}, {"1.5G", 3 << 29}, {"1048576", 1 << 20}, {"10MiB", 10 << 20}, {"64B", 64},
	}
	for _, tt := range tests {
		got, err := corpus.ParseSize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "GB", "-1MB", "ten", "1TB"} {
		if _, err := corpus.ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

// The corpus must be what the readers expect: every record decodes, every
// message is a known one, each file holds one stream in time order.
func TestWriteDirReadsBack(t *testing.T) {
	for _, opt := range []corpus.Options{
		{Connections: 3, Seed: 1},
		{Connections: 2, Seed: 2, Text: true},
		{Connections: 2, Seed: 3, Gzip: true},
		{Connections: 2, Seed: 4, Sparse: true},
	} {
		dir := t.TempDir()
		sum, err := corpus.WriteDir(dir, 4<<20, opt)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Files != 4*opt.Connections || sum.Bytes < 4<<20 {
			t.Fatalf("%+v: summary %+v", opt, sum)
		}
		var rep vpnlog.Report
		lastMs := map[string]int64{}
		categories := map[catalog.Category]bool{}
		err = vpnlog.ReadDir(dir, &rep, func(ev *vpnlog.Event) error {
			want, ok := vpnlog.ParseStreamName(filepath.Base(ev.File))
			got := vpnlog.StreamID{VPNConnectionID: ev.VPNConnectionID, TunnelIP: ev.TunnelIP, Kind: ev.Stream}
			if !ok || got != want {
				t.Fatalf("event of %s in %s", got, ev.File)
			}
			if ev.TimeMs < lastMs[ev.File] {
				t.Fatalf("%s line %d goes back in time", ev.File, ev.Line)
			}
			lastMs[ev.File] = ev.TimeMs
			categories[ev.Category] = true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Records != sum.Records || rep.MalformedCount != 0 || rep.UnknownCount != 0 || rep.Bytes != sum.Bytes {
			t.Fatalf("%+v: generated %+v, read %+v", opt, sum, rep)
		}
		for _, c := range []catalog.Category{catalog.IKENegotiation, catalog.RouteUpdated, catalog.BGPUpdateReceived} {
			if !categories[c] {
				t.Errorf("%+v: no %s records", opt, c)
			}
		}
	}
}

// Incidents (a drop and its recovery) must show up in a corpus of a few
// hundred MB; a smaller one with many tunnels shows at least the layers.
func TestLinesHaveIncidents(t *testing.T) {
	data := corpus.Lines(corpus.Options{Seed: 1, Connections: 10}, 32<<20)
	for _, want := range []string{"Hold Timer Expired", "from Established to Idle", "from OpenConfirm to Established", "End-of-RIB", `"status":"WITHDRAWN"`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("no %q in 32 MB", want)
		}
	}
}

// Real density: each tunnel's IKE stream is the liveness exchange about
// every 10 s (request, then its response with the same id), with rekeys in
// between; the sparse mix has none of it.
func TestRealDensityLiveness(t *testing.T) {
	dir := t.TempDir()
	if _, err := corpus.WriteDir(dir, 8<<20, corpus.Options{Connections: 2, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	var rep vpnlog.Report
	type tunnelState struct {
		lastProbe int64
		open      string // the request id awaiting its response
		probes    int
		rekeys    int
	}
	tunnels := map[string]*tunnelState{}
	err := vpnlog.ReadDir(dir, &rep, func(ev *vpnlog.Event) error {
		if ev.Stream != vpnlog.StreamIKE {
			return nil
		}
		st := tunnels[ev.TunnelIP]
		if st == nil {
			st = &tunnelState{}
			tunnels[ev.TunnelIP] = st
		}
		switch {
		case vpnlog.IsLiveness(ev) && ev.Direction == vpnlog.DirSent:
			if st.lastProbe != 0 {
				if gap := ev.TimeMs - st.lastProbe; gap < 9_000 || gap > 11_000 {
					t.Errorf("%s line %d: %d ms since the last probe, want about 10 s", ev.File, ev.Line, gap)
				}
			}
			st.lastProbe, st.open = ev.TimeMs, ev.Fields.RequestID
			st.probes++
		case vpnlog.IsLiveness(ev):
			if ev.Fields.RequestID != st.open {
				t.Errorf("%s line %d: response id %s, the open request is %q", ev.File, ev.Line, ev.Fields.RequestID, st.open)
			}
			st.open = ""
		default:
			// Rekeys, errors and outages take the place of probes: the
			// cadence is checked between probes only.
			st.lastProbe = 0
			if ev.Category == catalog.IKENegotiation && ev.Fields.Exchange == "CREATE_CHILD_SA" {
				st.rekeys++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(tunnels) != 4 {
		t.Fatalf("%d tunnels", len(tunnels))
	}
	for ip, st := range tunnels {
		hours := float64(st.probes) / 360
		if st.probes < 1000 || st.rekeys == 0 || float64(st.rekeys)/2 > hours+2 {
			t.Errorf("%s: %d probes (%.1f h), %d rekey records: want the liveness exchange every ~10 s and a rekey about hourly", ip, st.probes, hours, st.rekeys)
		}
	}
	sparse := corpus.Lines(corpus.Options{Seed: 9, Sparse: true}, 1<<20)
	if strings.Contains(string(sparse), "INFORMATIONAL") {
		t.Error("the sparse mix has the liveness exchange")
	}
}
