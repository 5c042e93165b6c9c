package aws

import "testing"

func TestSplitSeconds(t *testing.T) {
	for _, tc := range []struct {
		start, end int64
		n          int
		min        int64
		parts      int
	}{
		{0, 7*86400 - 1, 10, 6 * 3600, 10},
		{0, 86400, 10, 6 * 3600, 4},
		{100, 200, 10, 6 * 3600, 1},
		{5, 5, 10, 6 * 3600, 1},
		{0, 99, 3, 1, 3},
	} {
		got := splitSeconds(tc.start, tc.end, tc.n, tc.min)
		if len(got) != tc.parts {
			t.Errorf("%+v: %d parts, want %d", tc, len(got), tc.parts)
		}
		next := tc.start
		for _, p := range got {
			if p.lo != next || p.hi < p.lo {
				t.Errorf("%+v: parts %v leave a gap, overlap or are empty", tc, got)
				break
			}
			next = p.hi + 1
		}
		if next != tc.end+1 {
			t.Errorf("%+v: parts %v do not end at %d", tc, got, tc.end)
		}
	}
}
