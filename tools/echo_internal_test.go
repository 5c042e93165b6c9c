package tools

import (
	"strings"
	"testing"
)

func TestShortenEchoes(t *testing.T) {
	long := strings.Repeat("A", 1<<20)
	multi := strings.Repeat("é", 300) // 2 bytes each
	for _, tc := range []struct{ in, want string }{
		{`unknown VPN connection "vpn-0abc"; known connections: …`, `unknown VPN connection "vpn-0abc"; known connections: …`},
		{`unknown VPN connection "` + long + `"; known connections: vpn-1`, `unknown VPN connection "` + strings.Repeat("A", 200) + `…" (1048576 bytes); known connections: vpn-1`},
		{`a "` + multi + `" b`, `a "` + strings.Repeat("é", 200) + `…" (600 bytes) b`},
		{`cannot read time "x\"` + long + `": use RFC 3339 ("2026-06-12T20:25:00Z")`, `cannot read time "x\"` + strings.Repeat("A", 198) + `…" (1048578 bytes): use RFC 3339 ("2026-06-12T20:25:00Z")`},
		{`unbalanced "` + long, `unbalanced "` + long},
		{`exactly "` + strings.Repeat("B", 200) + `" stays`, `exactly "` + strings.Repeat("B", 200) + `" stays`},
	} {
		if got := shortenEchoes(tc.in); got != tc.want {
			t.Errorf("shortenEchoes(%.80q…) = %.300q, want %.300q", tc.in, got, tc.want)
		}
	}
}
