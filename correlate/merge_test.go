package correlate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// TestMergeSortedIsSortEvents: merging sorted runs gives exactly what
// sorting their concatenation gives, with seconds shared between runs,
// second- and millisecond-precision records and ties.
func TestMergeSortedIsSortEvents(t *testing.T) {
	cats := []catalog.Category{catalog.IKENegotiation, catalog.IKEStateReport, catalog.BGPHoldTimerExpired, catalog.IKEDPDTimeout, catalog.RouteWithdrawn, catalog.BGPStateChange, catalog.BGPEstablished}
	for seed := uint64(0); seed < 300; seed++ {
		r := rand.New(rand.NewPCG(seed, 0x3e26e))
		runs := make([][]vpnlog.Event, 1+r.IntN(5))
		var all []vpnlog.Event
		for k := range runs {
			n := r.IntN(60)
			ms := int64(1_781_222_000_000)
			for i := 0; i < n; i++ {
				ms += int64(r.IntN(3)) * int64(r.IntN(700))
				e := vpnlog.Event{TimeMs: ms, Precision: vpnlog.PrecisionMillis, Category: cats[r.IntN(len(cats))], Raw: fmt.Sprintf("run %d record %d", k, i)}
				if r.IntN(3) == 0 {
					e.TimeMs -= e.TimeMs % 1000
					e.Precision = vpnlog.PrecisionSeconds
				}
				runs[k] = append(runs[k], e)
			}
			SortEvents(runs[k])
			all = append(all, runs[k]...)
		}
		want := slices.Clone(all)
		SortEvents(want)
		got := MergeSorted(nil, runs...)
		if len(got) != len(want) {
			t.Fatalf("seed %d: %d records, want %d", seed, len(got), len(want))
		}
		for i := range want {
			if got[i].Raw != want[i].Raw {
				t.Fatalf("seed %d: record %d is %q, SortEvents puts %q there", seed, i, got[i].Raw, want[i].Raw)
			}
		}
	}
}
