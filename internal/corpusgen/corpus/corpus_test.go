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
