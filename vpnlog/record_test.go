package vpnlog

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func msAt(s string) int64 {
	t, err := time.Parse("2006-01-02 15:04:05.000Z", s)
	if err != nil {
		panic(err)
	}
	return t.UnixMilli()
}

func TestParseRecordTime(t *testing.T) {
	tests := []struct {
		name string
		rec  string
		ms   int64
		prec Precision
	}{
		{"epoch seconds", `{"event_timestamp":1781295955,"details":"x"}`, msAt("2026-06-12 20:25:55.000Z"), PrecisionSeconds},
		{"epoch seconds as string", `{"event_timestamp":"1781295955","details":"x"}`, msAt("2026-06-12 20:25:55.000Z"), PrecisionSeconds},
		{"epoch ms", `{"event_timestamp":1781295955015,"details":"x"}`, msAt("2026-06-12 20:25:55.015Z"), PrecisionMillis},
		{"epoch us", `{"event_timestamp":1781295955015123,"details":"x"}`, msAt("2026-06-12 20:25:55.015Z"), PrecisionMillis},
		{"epoch float seconds", `{"event_timestamp":1781295955.25,"details":"x"}`, msAt("2026-06-12 20:25:55.250Z"), PrecisionMillis},
		{"seconds borrow ms from timestamp", `{"event_timestamp":1781295955,"timestamp":"2026-06-12 20:25:55.015Z"}`, msAt("2026-06-12 20:25:55.015Z"), PrecisionMillis},
		{"seconds and timestamp without ms", `{"event_timestamp":1781295955,"timestamp":"2026-06-12 20:25:55Z"}`, msAt("2026-06-12 20:25:55.000Z"), PrecisionSeconds},
		{"timestamp of another second is not borrowed", `{"event_timestamp":1781295955,"timestamp":"2026-06-12 20:25:58.015Z"}`, msAt("2026-06-12 20:25:55.000Z"), PrecisionSeconds},
		{"timestamp only", `{"timestamp":"2026-06-12 20:25:55.015Z","details":"x"}`, msAt("2026-06-12 20:25:55.015Z"), PrecisionMillis},
		{"RFC 3339 with zone", `{"timestamp":"2026-06-12T22:25:55.015+02:00"}`, msAt("2026-06-12 20:25:55.015Z"), PrecisionMillis},
		{"RFC 3339 nanoseconds", `{"timestamp":"2026-06-12T20:25:55.015999999Z"}`, msAt("2026-06-12 20:25:55.015Z"), PrecisionMillis},
		{"timestamp seconds", `{"timestamp":"2026-06-12T20:25:55Z"}`, msAt("2026-06-12 20:25:55.000Z"), PrecisionSeconds},
		{"unusable epoch falls back to timestamp", `{"event_timestamp":"soon","timestamp":"2026-06-12 20:25:55.015Z"}`, msAt("2026-06-12 20:25:55.015Z"), PrecisionMillis},
	}
	for _, tt := range tests {
		ev, err := ParseRecord([]byte(tt.rec), StreamID{})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if ev.TimeMs != tt.ms || ev.Precision != tt.prec {
			t.Errorf("%s: time %d (%s) precision %d; want %d (%s) precision %d", tt.name,
				ev.TimeMs, ev.Time().Format(time.RFC3339Nano), ev.Precision, tt.ms, time.UnixMilli(tt.ms).UTC().Format(time.RFC3339Nano), tt.prec)
		}
	}
}

func TestParseRecordNoTime(t *testing.T) {
	for _, rec := range []string{
		`{"details":"AWS tunnel is sending request (id=1) for CREATE_CHILD_SA"}`,
		`{"event_timestamp":null,"details":"x"}`,
		`{"event_timestamp":-5,"details":"x"}`,
		`{"timestamp":"yesterday","details":"x"}`,
		`AWS tunnel DPD timed out after 3 retransmits`,
	} {
		ev, err := ParseRecord([]byte(rec), StreamID{})
		if !errors.Is(err, ErrNoTime) {
			t.Errorf("%s: err = %v, want ErrNoTime", rec, err)
			continue
		}
		if !strings.Contains(err.Error(), "no usable time") {
			t.Errorf("%s: reason %q does not say what is missing", rec, err)
		}
		// The event is still decoded and classified for callers that can
		// date it themselves.
		if ev.Raw != rec || ev.Details == "" || ev.Category == "" {
			t.Errorf("%s: event not filled: %+v", rec, ev)
		}
	}
}

func TestParseRecordIKE(t *testing.T) {
	rec := `{"event_timestamp":1781295955,"details":"AWS tunnel is sending request (id=12) for CREATE_CHILD_SA","dpd_enabled":"True","nat_t_detected":false,"ike_phase1_state":"ESTABLISHED","ike_phase2_state":"rekeying","unknown":{"a":[1,"x",{"b":null}]}}`
	ev, err := ParseRecord([]byte(rec), StreamID{VPNConnectionID: "vpn-0abc", TunnelIP: "203.0.113.10"})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Raw != rec {
		t.Errorf("Raw = %q", ev.Raw)
	}
	if ev.Stream != StreamIKE {
		t.Errorf("Stream = %v, want IKE from the keys", ev.Stream)
	}
	if ev.VPNConnectionID != "vpn-0abc" || ev.TunnelIP != "203.0.113.10" {
		t.Errorf("stream = %s %s", ev.VPNConnectionID, ev.TunnelIP)
	}
	if ev.Details != "AWS tunnel is sending request (id=12) for CREATE_CHILD_SA" {
		t.Errorf("Details = %q", ev.Details)
	}
	if ev.DPDEnabled != TriTrue || ev.NATTDetected != TriFalse {
		t.Errorf("DPD %v NAT-T %v", ev.DPDEnabled, ev.NATTDetected)
	}
	if ev.Phase1State != IKEStateEstablished || ev.Phase2State != IKEStateRekeying {
		t.Errorf("phases %v %v", ev.Phase1State, ev.Phase2State)
	}
}

func TestParseRecordBGP(t *testing.T) {
	// The AWS documentation's example, pretty-printed as published.
	rec := `{
    "resource_id": "vpn-1234abcd_1.2.3.4",
    "event_timestamp": 1762579573243,
    "timestamp": "2025-11-08 05:26:13.243Z",
    "type": "RouteStatus",
    "status": "UPDATED",
    "message": {
        "prefix": "172.31.0.0/16",
        "asPath": "64512",
        "localPref": 100,
        "med": 100,
        "nextHopIp": "169.254.50.85",
        "weight": 32768,
        "details": "DENIED due to: as-path contains our own AS"
    }
}`
	ev, err := ParseRecord([]byte(rec), StreamID{})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Stream != StreamBGP || ev.VPNConnectionID != "vpn-1234abcd" || ev.TunnelIP != "1.2.3.4" {
		t.Errorf("stream %v %q %q", ev.Stream, ev.VPNConnectionID, ev.TunnelIP)
	}
	if ev.TimeMs != 1762579573243 || ev.Precision != PrecisionMillis {
		t.Errorf("time %d %v", ev.TimeMs, ev.Precision)
	}
	if ev.BGPType != "RouteStatus" || ev.BGPStatus != "UPDATED" {
		t.Errorf("type %q status %q", ev.BGPType, ev.BGPStatus)
	}
	if ev.Details != "DENIED due to: as-path contains our own AS" {
		t.Errorf("Details = %q", ev.Details)
	}
	r := ev.Route
	if r == nil || r.Prefix != "172.31.0.0/16" || r.ASPath != "64512" || r.NextHopIP != "169.254.50.85" ||
		r.LocalPref == nil || *r.LocalPref != 100 || r.MED == nil || *r.MED != 100 || r.Weight == nil || *r.Weight != 32768 {
		t.Errorf("Route = %+v", r)
	}

	// The hint (the stream name) wins over resource_id; the kind is filled.
	ev, err = ParseRecord([]byte(rec), StreamID{VPNConnectionID: "vpn-0def", TunnelIP: "198.51.100.1"})
	if err != nil {
		t.Fatal(err)
	}
	if ev.VPNConnectionID != "vpn-0def" || ev.TunnelIP != "198.51.100.1" || ev.Stream != StreamBGP {
		t.Errorf("hint lost: %q %q %v", ev.VPNConnectionID, ev.TunnelIP, ev.Stream)
	}
}

func TestParseRecordTolerance(t *testing.T) {
	tests := []struct {
		name  string
		rec   string
		check func(ev Event) bool
	}{
		{"message as a string", `{"resource_id":"vpn-0abc_203.0.113.10","event_timestamp":1781295955015,"type":"bgpstatus","status":"down","message":"AWS-side peer sent a Hold Timer Expired notification to neighbor 169.254.10.1"}`,
			func(ev Event) bool {
				return strings.HasPrefix(ev.Details, "AWS-side peer sent a Hold") && ev.BGPType == "BGPStatus" && ev.BGPStatus == "DOWN"
			}},
		{"numbers as strings", `{"event_timestamp":1781295955015,"type":"RouteStatus","status":"ADVERTISED","message":{"prefix":"10.0.0.0/8","asPath":65000,"localPref":"100","med":"0","weight":32768.0}}`,
			func(ev Event) bool {
				r := ev.Route
				return r != nil && r.ASPath == "65000" && *r.LocalPref == 100 && *r.MED == 0 && *r.Weight == 32768
			}},
		{"AS path as a list", `{"event_timestamp":1781295955015,"type":"RouteStatus","status":"ADVERTISED","message":{"prefix":"10.0.0.0/8","asPath":[65000,"65001"]}}`,
			func(ev Event) bool { return ev.Route != nil && ev.Route.ASPath == "65000 65001" }},
		{"escapes", `{"event_timestamp":1781295955,"details":"No Proposal Match Found. Notifying with \"No proposal chosen\" \u00e9"}`,
			func(ev Event) bool {
				return ev.Details == `No Proposal Match Found. Notifying with "No proposal chosen" é`
			}},
		{"duplicate key: last wins", `{"event_timestamp":1,"event_timestamp":1781295955,"details":"a","details":"b"}`,
			func(ev Event) bool { return ev.Details == "b" && ev.TimeMs == 1781295955000 }},
		{"bools in any case", `{"event_timestamp":1781295955,"dpd_enabled":"FALSE","nat_t_detected":"TrUe"}`,
			func(ev Event) bool {
				return ev.DPDEnabled == TriFalse && ev.NATTDetected == TriTrue && ev.Stream == StreamIKE
			}},
		{"CloudWatch event is unwrapped", `{"logStreamName":"vpn-0abc_203.0.113.11-BGP.log","timestamp":1781295955015,"message":"{\"type\":\"BGPStatus\",\"status\":\"UP\",\"message\":{\"details\":\"AWS-side peer sent an End-of-RIB message to neighbor 169.254.11.1\"}}","ingestionTime":1781295956000,"eventId":"1"}`,
			func(ev Event) bool {
				return ev.TunnelIP == "203.0.113.11" && ev.Stream == StreamBGP && ev.TimeMs == 1781295955015 &&
					strings.HasPrefix(ev.Raw, `{"type":"BGPStatus"`) && strings.HasPrefix(ev.Details, "AWS-side peer sent an End-of-RIB")
			}},
	}
	for _, tt := range tests {
		ev, err := ParseRecord([]byte(tt.rec), StreamID{})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !tt.check(ev) {
			t.Errorf("%s: unexpected event %+v route %+v", tt.name, ev, ev.Route)
		}
	}
}

func TestParseRecordMalformedJSON(t *testing.T) {
	for _, rec := range []string{
		`{"event_timestamp": 17812`,
		`{not json}`,
		`{"event_timestamp":1781295955,"details":"x"} trailing`,
		`{"event_timestamp":1781295955,"details":"x",}`,
		`{"event_timestamp":01781295955}`,
		"{\"details\":\"line\nbreak\",\"event_timestamp\":1781295955}",
	} {
		_, err := ParseRecord([]byte(rec), StreamID{})
		if err == nil || !strings.Contains(err.Error(), "invalid JSON") {
			t.Errorf("%q: err = %v, want an invalid JSON error", rec, err)
		}
	}
}

func TestParseRecordText(t *testing.T) {
	tests := []struct {
		name  string
		rec   string
		check func(ev Event) bool
	}{
		{"IKE", `2026-06-12 20:25:55Z ike_phase1_state=Established ike_phase2_state=Established dpd_enabled=True nat_t_detected=False details=AWS tunnel is sending request (id=12) for CREATE_CHILD_SA`,
			func(ev Event) bool {
				return ev.TimeMs == msAt("2026-06-12 20:25:55.000Z") && ev.Precision == PrecisionSeconds && ev.Stream == StreamIKE &&
					ev.Phase1State == IKEStateEstablished && ev.DPDEnabled == TriTrue && ev.NATTDetected == TriFalse &&
					ev.Details == "AWS tunnel is sending request (id=12) for CREATE_CHILD_SA"
			}},
		{"BGP", `2026-06-12 20:25:55.015Z resource_id=vpn-0abc_203.0.113.10 type=BGPStatus status=DOWN details=AWS-side peer sent a Hold Timer Expired notification to neighbor 169.254.10.1`,
			func(ev Event) bool {
				return ev.TimeMs == msAt("2026-06-12 20:25:55.015Z") && ev.Precision == PrecisionMillis && ev.Stream == StreamBGP &&
					ev.VPNConnectionID == "vpn-0abc" && ev.TunnelIP == "203.0.113.10" && ev.BGPStatus == "DOWN" &&
					ev.Details == "AWS-side peer sent a Hold Timer Expired notification to neighbor 169.254.10.1"
			}},
		{"route denied", `2026-06-12 20:25:55.015Z resource_id=vpn-0abc_203.0.113.10 type=RouteStatus status=ADVERTISED prefix=10.1.0.0/16 asPath=65000 64512 localPref=100 med=0 nextHopIp=169.254.10.1 weight=32768 details=DENIED due to: as-path contains our own AS`,
			func(ev Event) bool {
				r := ev.Route
				return r != nil && r.Prefix == "10.1.0.0/16" && r.ASPath == "65000 64512" && *r.LocalPref == 100 && *r.MED == 0 &&
					r.NextHopIP == "169.254.10.1" && *r.Weight == 32768 && ev.Details == "DENIED due to: as-path contains our own AS" &&
					ev.BGPType == "RouteStatus"
			}},
		{"key: value and quoted details", `1781295955 type: BGPStatus status: UP details="AWS-side peer sent an End-of-RIB message to neighbor 169.254.10.1" resource_id: vpn-0abc_203.0.113.10`,
			func(ev Event) bool {
				return ev.TimeMs == 1781295955000 && ev.BGPStatus == "UP" && ev.TunnelIP == "203.0.113.10" &&
					ev.Details == "AWS-side peer sent an End-of-RIB message to neighbor 169.254.10.1"
			}},
		{"timestamp key with a space", `timestamp=2026-06-12 20:25:55.015Z status=DOWN message=AWS-side peer sent a Hold Timer Expired notification to neighbor 169.254.10.1`,
			func(ev Event) bool {
				return ev.TimeMs == msAt("2026-06-12 20:25:55.015Z") && strings.HasPrefix(ev.Details, "AWS-side peer sent a Hold")
			}},
		{"bare message after a time", `2026-06-12T20:25:55Z AWS: Traffic Selector: TS_UNACCEPTABLE: received from responder`,
			func(ev Event) bool {
				return ev.TimeMs == msAt("2026-06-12 20:25:55.000Z") && ev.Details == "AWS: Traffic Selector: TS_UNACCEPTABLE: received from responder"
			}},
	}
	for _, tt := range tests {
		ev, err := ParseRecord([]byte(tt.rec), StreamID{})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if ev.Raw != tt.rec {
			t.Errorf("%s: Raw = %q", tt.name, ev.Raw)
		}
		if !tt.check(ev) {
			t.Errorf("%s: unexpected event %+v route %+v", tt.name, ev, ev.Route)
		}
	}
}

func TestScanLogTime(t *testing.T) {
	tests := []struct {
		in     string
		ms     int64
		millis bool
		n      int
		ok     bool
	}{
		{"2026-06-12 20:25:55.015Z", msAt("2026-06-12 20:25:55.015Z"), true, 24, true},
		{"2026-06-12T20:25:55Z rest", msAt("2026-06-12 20:25:55.000Z"), false, 20, true},
		{"2026-06-12 20:25:55", msAt("2026-06-12 20:25:55.000Z"), false, 19, true},
		{"2026-06-12 20:25:55.5-01:30", msAt("2026-06-12 21:55:55.500Z"), true, 27, true},
		{"2026-06-12 20:25:55 UTC", msAt("2026-06-12 20:25:55.000Z"), false, 23, true},
		{"2024-02-29 00:00:00Z", msAt("2024-02-29 00:00:00.000Z"), false, 20, true},
		{"2026-02-29 00:00:00Z", 0, false, 0, false},
		{"2026-13-01 00:00:00Z", 0, false, 0, false},
		{"2026-06-12 24:00:00Z", 0, false, 0, false},
		{"2026-06-12", 0, false, 0, false},
		{"12/06/2026 20:25:55", 0, false, 0, false},
	}
	for _, tt := range tests {
		ms, millis, n, ok := scanLogTime(tt.in)
		if ok != tt.ok || ok && (ms != tt.ms || millis != tt.millis || n != tt.n) {
			t.Errorf("scanLogTime(%q) = %d %v %d %v; want %d %v %d %v", tt.in, ms, millis, n, ok, tt.ms, tt.millis, tt.n, tt.ok)
		}
	}
}

// The fast JSON path must read every record exactly as encoding/json does.
func TestFastPathAgreesWithEncodingJSON(t *testing.T) {
	for _, rec := range fastPathSeeds {
		checkFastAgainstSlow(t, rec)
	}
}

var fastPathSeeds = []string{
	`{"event_timestamp":1781295955,"details":"AWS tunnel is sending request (id=12) for CREATE_CHILD_SA","dpd_enabled":true,"nat_t_detected":false,"ike_phase1_state":"Established","ike_phase2_state":"Established"}`,
	`{"resource_id":"vpn-0abc_203.0.113.10","event_timestamp":1781295960000,"timestamp":"2026-06-12 20:26:00.000Z","type":"RouteStatus","status":"WITHDRAWN","message":{"prefix":"10.1.0.0/16","asPath":"65000","localPref":100,"med":0,"nextHopIp":"169.254.10.1","weight":32768}}`,
	`{"message":{"details":"a"},"message":"b"}`,
	`{"message":"b","message":{"prefix":"p"}}`,
	`{"details":"\u00e9\ud83d\ude00 \"q\" \\ \/"}`,
	"{\"details\":\"caf\xc3\xa9\"}",
	"{\"details\":\"bad \xff utf8\"}",
	"{\"det\xffails\":\"x\"}",
	`{"det\u0061ils":"escaped key"}`,
	`{"event_timestamp":1e12,"localPref":1.5,"message":{"med":-0,"weight":1E+3,"localPref":9223372036854775808}}`,
	`{"a":[[[[{"b":[]}]]]],"c":{},"d":[],"e":null,"f":true,"g":false}`,
	`{"details":null,"details":1}`,
	`{"message":{"asPath":[65000,65001],"prefix":"x"}}`,
	`{"message":{"message":{"details":"deep"}}}`,
	`{}`,
	` { "event_timestamp" : 1781295955 , "details" : "spaces" } `,
	`{"event_timestamp":1781295955,}`,
	`{"event_timestamp":-}`,
	`{"x":"\q"}`,
	`{"x":tru}`,
	`{"x":1}{"y":2}`,
	"{\"x\":\"ctl\x01\"}",
}

func checkFastAgainstSlow(t *testing.T, rec string) {
	t.Helper()
	body := trimRecordSpace(rec)
	if body == "" || body[0] != '{' {
		return
	}
	var fast, slow recordFields
	fastOK := fastParseJSONRecord(body, &fast)
	slowErr := slowParseJSONRecord(body, &slow)
	if !fastOK {
		return // the fallback decides
	}
	if slowErr != nil {
		t.Fatalf("fast path accepted what encoding/json rejects (%v): %q", slowErr, rec)
	}
	if fast != slow {
		t.Fatalf("fast path and encoding/json disagree on %q:\nfast %+v\nslow %+v", rec, fast, slow)
	}
}

func FuzzParseRecord(f *testing.F) {
	for _, s := range fastPathSeeds {
		f.Add([]byte(s))
	}
	for _, s := range readerSeedLines(f) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkFastAgainstSlow(t, string(raw))
		ev, err := ParseRecord(raw, StreamID{})
		if ev.Raw != string(raw) {
			t.Fatalf("Raw = %q, want the input", ev.Raw)
		}
		if err == nil && (ev.TimeMs <= 0 || ev.Category == "") {
			t.Fatalf("accepted without time or category: %+v", ev)
		}
		body := trimRecordSpace(string(raw))
		if body != "" && body[0] != '{' && err != nil && !errors.Is(err, ErrNoTime) {
			t.Fatalf("text failed for another reason than time: %v", err)
		}
	})
}

func TestDecodeAllocations(t *testing.T) {
	line := []byte(`{"event_timestamp":1781295955,"details":"AWS tunnel is sending request (id=12) for CREATE_CHILD_SA","dpd_enabled":"True","nat_t_detected":"False","ike_phase1_state":"Established","ike_phase2_state":"Established"}`)
	var rf recordFields
	if n := testing.AllocsPerRun(100, func() { rf = recordFields{}; fastParseJSONRecord(string(line), &rf) }); n > 1 {
		// One is the string conversion of the test itself.
		t.Errorf("fast path allocates %.0f times per record", n)
	}
	var ev Event
	n := testing.AllocsPerRun(100, func() {
		ev = Event{}
		decodeRecord(&ev, string(line), StreamID{}, 0, envelopeAuto, nil)
	})
	if n > 1 {
		t.Errorf("decoding an IKE record allocates %.0f times, want only Raw", n)
	}
}

func TestSWARSpecial(t *testing.T) {
	plain := uint64(0)
	for i := 0; i < 8; i++ {
		plain |= uint64('a'+i) << (8 * i)
	}
	if swarSpecial(plain) {
		t.Fatal("plain ASCII flagged")
	}
	for pos := 0; pos < 8; pos++ {
		for c := 0; c < 256; c++ {
			x := plain&^(0xff<<(8*pos)) | uint64(c)<<(8*pos)
			want := c == '"' || c == '\\' || c < 0x20 || c >= 0x80
			if got := swarSpecial(x); got != want {
				t.Fatalf("byte %#x at %d: special %v, want %v", c, pos, got, want)
			}
		}
	}
}
