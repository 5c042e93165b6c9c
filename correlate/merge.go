package correlate

import "github.com/vpnlens/vpnlens/vpnlog"

// MergeSorted appends to out the records of runs, each already in
// SortEvents order, in the order SortEvents would give their
// concatenation, and returns it. Each record is copied once, straight to
// its place: records are large, and sorting the concatenation would move
// most of them again when the runs interleave (the streams of a
// connection do, all the time).
//
// It matches SortEvents because that sort is stable by second first:
// within a second the records keep their order in the concatenation (run
// by run), and only then are they ordered inside the second, which is
// done here to the same group.
func MergeSorted(out []vpnlog.Event, runs ...[]vpnlog.Event) []vpnlog.Event {
	pos := make([]int, len(runs))
	for {
		sec, any := int64(0), false
		for r, run := range runs {
			if pos[r] < len(run) {
				if s := floorSec(run[pos[r]].TimeMs); !any || s < sec {
					sec, any = s, true
				}
			}
		}
		if !any {
			return out
		}
		start := len(out)
		for r, run := range runs {
			i := pos[r]
			for i < len(run) && floorSec(run[i].TimeMs) == sec {
				i++
			}
			out = append(out, run[pos[r]:i]...)
			pos[r] = i
		}
		if len(out)-start > 1 {
			SortEvents(out[start:])
		}
	}
}
