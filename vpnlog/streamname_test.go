package vpnlog

import (
	"path/filepath"
	"testing"
)

func TestParseStreamName(t *testing.T) {
	tests := []struct {
		name string
		want StreamID
		ok   bool
	}{
		{"vpn-0abc_203.0.113.10-IKE.log", StreamID{"vpn-0abc", "203.0.113.10", StreamIKE}, true},
		{"vpn-0abc_203.0.113.10-BGP.log", StreamID{"vpn-0abc", "203.0.113.10", StreamBGP}, true},
		{"vpn-0abc_203.0.113.10-bgp.LOG", StreamID{"vpn-0abc", "203.0.113.10", StreamBGP}, true},
		{"vpn-0abc_203.0.113.10-Ike", StreamID{"vpn-0abc", "203.0.113.10", StreamIKE}, true},
		{"vpn-0abc_203.0.113.10-IKE.log.gz", StreamID{"vpn-0abc", "203.0.113.10", StreamIKE}, true},
		{"/var/logs/task/vpn-0abc_203.0.113.10-IKE.log", StreamID{"vpn-0abc", "203.0.113.10", StreamIKE}, true},
		{`C:\logs\vpn-0abc_203.0.113.10-BGP.log`, StreamID{"vpn-0abc", "203.0.113.10", StreamBGP}, true},
		{"vpn-1234abcd_1.2.3.4", StreamID{"vpn-1234abcd", "1.2.3.4", StreamUnknown}, true},
		{"vpn-1234abcd_1.2.3.4.json", StreamID{"vpn-1234abcd", "1.2.3.4", StreamUnknown}, true},
		{"VPN-0ABC_203.0.113.10-IKE.log", StreamID{"vpn-0abc", "203.0.113.10", StreamIKE}, true},
		{"vpn-0abc_2001:db8::1-BGP.log", StreamID{"vpn-0abc", "2001:db8::1", StreamBGP}, true},
		{"export-vpn-0abc_203.0.113.10-IKE.log", StreamID{"vpn-0abc", "203.0.113.10", StreamIKE}, true},
		{"vpn-0abc_203.0.113.10-tunnel.log", StreamID{"vpn-0abc", "203.0.113.10", StreamIKE}, true},
		{"vpn-0abc_203.0.113.10-other.log", StreamID{"vpn-0abc", "203.0.113.10", StreamUnknown}, true},
		{"vpn-0abc.json", StreamID{"vpn-0abc", "", StreamUnknown}, true},
		{"vpn-0abc_notanip", StreamID{"vpn-0abc", "", StreamUnknown}, true},
		{"vpn-0abc-BGP.log", StreamID{"vpn-0abc", "", StreamBGP}, true},
		{"000000.gz", StreamID{}, false},
		{"vpn-logs", StreamID{}, false},
		{"vpn-cafe-logs", StreamID{}, false},
		{"myvpn-0abc_1.2.3.4-IKE.log", StreamID{}, false},
		{"vpn-", StreamID{}, false},
		{"", StreamID{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseStreamName(tt.name)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseStreamName(%q) = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestStreamIDString(t *testing.T) {
	tests := []struct {
		id   StreamID
		want string
	}{
		{StreamID{"vpn-0abc", "203.0.113.10", StreamIKE}, "vpn-0abc_203.0.113.10-IKE"},
		{StreamID{"vpn-0abc", "203.0.113.10", StreamBGP}, "vpn-0abc_203.0.113.10-BGP"},
		{StreamID{"vpn-0abc", "203.0.113.10", StreamUnknown}, "vpn-0abc_203.0.113.10"},
		{StreamID{"vpn-0abc", "", StreamUnknown}, "vpn-0abc"},
		{StreamID{"", "", StreamBGP}, "BGP"},
		{StreamID{}, ""},
	}
	for _, tt := range tests {
		if got := tt.id.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.id, got, tt.want)
		}
		if tt.id.VPNConnectionID != "" {
			back, ok := ParseStreamName(tt.id.String() + ".log")
			if !ok || back != tt.id {
				t.Errorf("round trip of %q: %+v, %v", tt.id.String(), back, ok)
			}
		}
	}
}

func TestStreamFromPath(t *testing.T) {
	tests := []struct {
		path string
		want string
	}{
		{"logs/vpn-0abc_203.0.113.10-IKE.log", "vpn-0abc_203.0.113.10-IKE"},
		// CloudWatch export to S3: <task-id>/<stream-name>/000000.gz
		{"exports/3f2a-task/vpn-0abc_203.0.113.10-BGP.log/000000.gz", "vpn-0abc_203.0.113.10-BGP"},
		{"exports/3f2a-task/vpn-0abc_203.0.113.10-BGP/000001.gz", "vpn-0abc_203.0.113.10-BGP"},
		// The file name wins; folders fill what it lacks.
		{"vpn-0abc_203.0.113.10-BGP/vpn-0abc_203.0.113.10.json", "vpn-0abc_203.0.113.10-BGP"},
		{"vpn-0abc/tunnel-1/vpn-0abc_203.0.113.10-IKE.log", "vpn-0abc_203.0.113.10-IKE"},
		// A folder about another connection lends nothing.
		{"vpn-0def_198.51.100.1-BGP/vpn-0abc_203.0.113.10.json", "vpn-0abc_203.0.113.10"},
		{"logs/all.json", ""},
	}
	for _, tt := range tests {
		if got := streamFromPath(filepath.FromSlash(tt.path)).String(); got != tt.want {
			t.Errorf("streamFromPath(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}
