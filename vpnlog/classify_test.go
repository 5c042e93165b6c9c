package vpnlog

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/catalog"
)

// textCase is one documented message (with realistic placeholder values) and
// what the classifier must make of it. A "%s" in text marks where AWS's table
// shows a line break ("<br>•"); the real log has some separator there, and
// every separator in docSeparators is tried.
type textCase struct {
	name string
	text string
	cat  catalog.Category
	dir  Direction
	f    Fields
}

var docSeparators = []string{" - ", ", ", " • ", "•", " ", "<br>• ", " -  "}

const (
	testNbIP  = "169.254.10.1"
	testCGWIP = "198.51.100.7"
)

func documentedMessages() []textCase {
	cs := []textCase{
		// IKEv1 error messages.
		{"ikev1 dpd", "Peer is not responsive%sDeclaring peer dead", catalog.IKEDPDTimeout, DirNone, Fields{IKEVersion: 1}},
		{"ikev1 psk", "AWS tunnel payload decryption was unsuccessful due to invalid Pre-shared Key", catalog.IKEPSKMismatch, DirNone, Fields{Phase: 1, IKEVersion: 1}},
		{"proposal by aws", "No Proposal Match Found by AWS", catalog.IKEProposalMismatch, DirNone, Fields{Phase: 1}},
		{"proposal notify", `No Proposal Match Found. Notifying with "No proposal chosen"`, catalog.IKEProposalMismatch, DirSent, Fields{Phase: 2}},
		{"ikev1 delete child", "AWS tunnel received DELETE for Phase 2 SA with SPI: c0ffee42", catalog.IKECGWDeleteChildSA, DirReceived, Fields{Phase: 2, SPI: "c0ffee42"}},
		{"delete ike sa", "AWS tunnel received DELETE for IKE_SA from CGW", catalog.IKECGWDeleteIKESA, DirReceived, Fields{Phase: 1}},
		// IKEv2 error messages.
		{"ikev2 dpd", "AWS tunnel DPD timed out after 3%sretransmits", catalog.IKEDPDTimeout, DirNone, Fields{RetryCount: 3, IKEVersion: 2}},
		{"ikev2 delete child", "AWS tunnel received DELETE for Phase 2 SA with SPI:%sc0ffee42", catalog.IKECGWDeleteChildSA, DirReceived, Fields{Phase: 2, SPI: "c0ffee42"}},
		{"rekey collision", "AWS tunnel detected a (CHILD_REKEY) collision as CHILD_DELETE", catalog.IKERekeyCollision, DirNone, Fields{Phase: 2, IKEVersion: 2}},
		{"redundant sa", "AWS tunnel (CHILD_SA) redundant SA is being deleted due to detected collision", catalog.IKERekeyCollision, DirNone, Fields{Phase: 2, IKEVersion: 2}},
		{"phase2 failed", "AWS tunnel Phase 2 was unable to establish while keeping Phase 1", catalog.IKEPhase2Failed, DirNone, Fields{Phase: 2, IKEVersion: 2}},
		{"ts unacceptable", "AWS: Traffic Selector: TS_UNACCEPTABLE: received from responder", catalog.IKETSUnacceptable, DirReceived, Fields{Phase: 2, IKEVersion: 2}},
		{"auth failed", "AWS tunnel is sending AUTHENTICATION_FAILED as the response", catalog.IKEAuthFailed, DirSent, Fields{Phase: 1, IKEVersion: 2}},
		{"ikev2 psk", "AWS tunnel detected a pre-shared key mismatch with cgw: " + testCGWIP, catalog.IKEPSKMismatch, DirNone, Fields{Phase: 1, IKEVersion: 2, CGWIP: testCGWIP}},
		{"phase1 timeout", "AWS tunnel Timeout: deleting un-established Phase 1 IKE_SA with cgw: " + testCGWIP, catalog.IKEPhase1Timeout, DirNone, Fields{Phase: 1, IKEVersion: 2, CGWIP: testCGWIP}},
		// IKEv2 negotiation messages, and the other exchanges.
		{"processed request", "AWS tunnel processed request (id=12) for CREATE_CHILD_SA", catalog.IKENegotiation, DirReceived, Fields{RequestID: "12", Exchange: "CREATE_CHILD_SA", IKEVersion: 2}},
		{"sending response", "AWS tunnel is sending response (id=12) for CREATE_CHILD_SA", catalog.IKENegotiation, DirSent, Fields{RequestID: "12", Exchange: "CREATE_CHILD_SA", IKEVersion: 2}},
		{"sending request", "AWS tunnel is sending request (id=13) for CREATE_CHILD_SA", catalog.IKENegotiation, DirSent, Fields{RequestID: "13", Exchange: "CREATE_CHILD_SA", IKEVersion: 2}},
		{"processed response", "AWS tunnel processed response (id=13) for CREATE_CHILD_SA", catalog.IKENegotiation, DirReceived, Fields{RequestID: "13", Exchange: "CREATE_CHILD_SA", IKEVersion: 2}},
		{"ike_sa_init", "AWS tunnel is sending request (id=0) for IKE_SA_INIT", catalog.IKENegotiation, DirSent, Fields{RequestID: "0", Exchange: "IKE_SA_INIT", IKEVersion: 2}},
		{"ike_auth", "AWS tunnel processed response (id=1) for IKE_AUTH", catalog.IKENegotiation, DirReceived, Fields{RequestID: "1", Exchange: "IKE_AUTH", IKEVersion: 2}},
		{"informational", "AWS tunnel processed request (id=4711) for INFORMATIONAL", catalog.IKENegotiation, DirReceived, Fields{RequestID: "4711", Exchange: "INFORMATIONAL", IKEVersion: 2}},
		{"r-u-there", "AWS tunnel is sending DPD R-U-THERE to peer", catalog.IKENegotiation, DirSent, Fields{IKEVersion: 1}},
		{"r-u-there-ack", "AWS tunnel received R-U-THERE-ACK", catalog.IKENegotiation, DirReceived, Fields{IKEVersion: 1}},
		{"dpd keepalive", "AWS tunnel sent DPD request", catalog.IKENegotiation, DirSent, Fields{}},

		// BGP status messages.
		{"idle to connect", "AWS-side peer BGP session state has changed from Idle to Connect with neighbor " + testNbIP, catalog.BGPStateChange, DirNone, Fields{FromState: "Idle", ToState: "Connect", NeighborIP: testNbIP}},
		{"connect to opensent", "AWS-side peer BGP session state has changed from Connect to OpenSent with neighbor " + testNbIP, catalog.BGPStateChange, DirNone, Fields{FromState: "Connect", ToState: "OpenSent", NeighborIP: testNbIP}},
		{"opensent to openconfirm", "AWS-side peer BGP session state has changed from OpenSent to OpenConfirm with neighbor " + testNbIP, catalog.BGPStateChange, DirNone, Fields{FromState: "OpenSent", ToState: "OpenConfirm", NeighborIP: testNbIP}},
		{"to established", "AWS-side peer BGP session state has changed from OpenConfirm to Established with neighbor " + testNbIP, catalog.BGPEstablished, DirNone, Fields{FromState: "OpenConfirm", ToState: "Established", NeighborIP: testNbIP}},
		{"established to idle", "AWS-side peer BGP session state has changed from Established to Idle with neighbor " + testNbIP, catalog.BGPStateChange, DirNone, Fields{FromState: "Established", ToState: "Idle", NeighborIP: testNbIP}},
		{"connect to active", "AWS-side peer BGP session state has changed from Connect to Active with neighbor " + testNbIP, catalog.BGPConnectActive, DirNone, Fields{FromState: "Connect", ToState: "Active", NeighborIP: testNbIP}},
		{"prefix warning", "AWS-side peer is reporting a maximum prefix limit warning%sreceived 90 prefixes from neighbor " + testNbIP + ", limit is 100", catalog.BGPPrefixLimitWarn, DirNone, Fields{Prefixes: 90, Limit: 100, NeighborIP: testNbIP}},
		{"prefix exceeded", "AWS-side peer detected the maximum prefix limit was exceeded%sreceived 101 prefixes from neighbor " + testNbIP + ", limit is 100", catalog.BGPPrefixLimitExceed, DirNone, Fields{Prefixes: 101, Limit: 100, NeighborIP: testNbIP}},
		{"hold timer", "AWS-side peer sent a Hold Timer Expired notification to neighbor " + testNbIP, catalog.BGPHoldTimerExpired, DirSent, Fields{NeighborIP: testNbIP}},
		{"bad open", "AWS-side peer detected a bad OPEN message from neighbor " + testNbIP + "%sremote AS is 65010, expected 65000", catalog.BGPBadOpenASN, DirReceived, Fields{RemoteAS: 65010, ExpectedAS: 65000, NeighborIP: testNbIP}},
		// AWS's table has a stray "}" after the received OPEN's router id.
		{"open received", "AWS-side peer received an OPEN message from neighbor " + testNbIP + "%sversion 4, AS 65000, holdtime 30, router-id 192.0.2.1}", catalog.BGPOpen, DirReceived, Fields{BGPVersion: 4, AS: 65000, HoldTime: 30, RouterID: "192.0.2.1", NeighborIP: testNbIP}},
		{"open sent", "AWS-side peer sent an OPEN message to neighbor " + testNbIP + "%sversion 4, AS 64512, holdtime 30, router-id 203.0.113.10", catalog.BGPOpen, DirSent, Fields{BGPVersion: 4, AS: 64512, HoldTime: 30, RouterID: "203.0.113.10", NeighborIP: testNbIP}},
		{"connecting", "AWS-side peer is initiating a connection (via Connect) to neighbor " + testNbIP, catalog.BGPConnecting, DirNone, Fields{NeighborIP: testNbIP}},
		{"end of rib", "AWS-side peer sent an End-of-RIB message to neighbor " + testNbIP, catalog.BGPEndOfRIB, DirSent, Fields{NeighborIP: testNbIP}},
		{"update received", "AWS-side peer received update with attributes from neighbor " + testNbIP + "%sAS path: 65000 65001", catalog.BGPUpdateReceived, DirReceived, Fields{ASPath: "65000 65001", NeighborIP: testNbIP}},

		// Route status details.
		{"denied as loop", "DENIED due to: as-path contains our own AS", catalog.RouteDeniedASLoop, DirNone, Fields{DenyReason: "as-path contains our own AS"}},
		{"denied next hop", "DENIED due to: non-connected next-hop", catalog.RouteDeniedNextHop, DirNone, Fields{DenyReason: "non-connected next-hop"}},
		{"denied other", "DENIED due to: prefix is a martian", catalog.RouteDeniedOther, DirNone, Fields{DenyReason: "prefix is a martian"}},
	}
	ceases := []struct {
		sub  int
		name string
		cat  catalog.Category
	}{
		{1, "Maximum Number of Prefixes Reached", catalog.BGPCeaseMaxPrefixes},
		{2, "Administrative Shutdown", catalog.BGPCeaseAdminShut},
		{3, "Peer Unconfigured", catalog.BGPCeasePeerDeconf},
		{3, "Peer De-configured", catalog.BGPCeasePeerDeconf},
		{4, "Administrative Reset", catalog.BGPCeaseAdminReset},
		{5, "Connection Rejected", catalog.BGPCeaseConnRejected},
		{6, "Other Configuration Change", catalog.BGPCeaseConfigChange},
		{7, "Connection Collision Resolution", catalog.BGPCeaseCollision},
	}
	for _, c := range ceases {
		code := fmt.Sprintf("6/%d", c.sub)
		cs = append(cs,
			textCase{"cease sent " + code + " " + c.name,
				fmt.Sprintf("AWS-side peer sent a notification %s (Cease/%s) to neighbor %s", code, c.name, testNbIP),
				c.cat, DirSent, Fields{CeaseCode: code, NeighborIP: testNbIP}},
			textCase{"cease received " + code + " " + c.name,
				fmt.Sprintf("AWS-side peer received notification %s (Cease/%s) from neighbor %s", code, c.name, testNbIP),
				c.cat, DirReceived, Fields{CeaseCode: code, NeighborIP: testNbIP}},
		)
	}
	return cs
}

// variant is a way of writing a message that the classifier must tolerate.
// fold says extracted strings may differ in case and whitespace runs.
type variant struct {
	name string
	fn   func(string) string
	fold bool
}

var variants = []variant{
	{"as documented", func(s string) string { return s }, false},
	{"upper case", strings.ToUpper, true},
	{"lower case", strings.ToLower, true},
	{"trailing period", func(s string) string { return s + "." }, false},
	{"extra whitespace", func(s string) string { return "  " + strings.ReplaceAll(s, " ", "  \t") + " \n" }, true},
}

func normalise(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

func fieldsEqual(got, want Fields, fold bool) bool {
	if !fold {
		return got == want
	}
	g, w := got, want
	for _, p := range [][2]*string{
		{&g.NeighborIP, &w.NeighborIP}, {&g.FromState, &w.FromState}, {&g.ToState, &w.ToState},
		{&g.RouterID, &w.RouterID}, {&g.ASPath, &w.ASPath}, {&g.CeaseCode, &w.CeaseCode}, {&g.SPI, &w.SPI},
		{&g.CGWIP, &w.CGWIP}, {&g.RequestID, &w.RequestID}, {&g.Exchange, &w.Exchange}, {&g.DenyReason, &w.DenyReason},
	} {
		*p[0], *p[1] = normalise(*p[0]), normalise(*p[1])
	}
	return g == w
}

func TestClassifyDetailsDocumentedMessages(t *testing.T) {
	for _, tc := range documentedMessages() {
		seps := []string{""}
		if strings.Contains(tc.text, "%s") {
			seps = docSeparators
		}
		for _, sep := range seps {
			text := tc.text
			if sep != "" {
				text = strings.ReplaceAll(text, "%s", sep)
			}
			for _, v := range variants {
				in := v.fn(text)
				t.Run(tc.name+"/"+fmt.Sprintf("%q", sep)+"/"+v.name, func(t *testing.T) {
					cat, f, dir := ClassifyDetails(in)
					if cat != tc.cat {
						t.Fatalf("ClassifyDetails(%q) category = %s, want %s", in, cat, tc.cat)
					}
					if dir != tc.dir {
						t.Errorf("ClassifyDetails(%q) direction = %s, want %s", in, dir, tc.dir)
					}
					if !fieldsEqual(f, tc.f, v.fold) {
						t.Errorf("ClassifyDetails(%q) fields =\n %+v\nwant\n %+v", in, f, tc.f)
					}
				})
			}
		}
	}
}

func TestClassifyDetailsToleratesMissingPlaceholders(t *testing.T) {
	cases := []struct {
		in  string
		cat catalog.Category
		dir Direction
	}{
		{"AWS-side peer sent a Hold Timer Expired notification to neighbor", catalog.BGPHoldTimerExpired, DirSent},
		{"AWS-side peer received notification 6/4 (Cease/Administrative Reset) from neighbor", catalog.BGPCeaseAdminReset, DirReceived},
		{"AWS-side peer sent a notification (Cease/Administrative Shutdown) to neighbor 169.254.10.1", catalog.BGPCeaseAdminShut, DirSent},
		{"AWS tunnel DPD timed out after retransmits", catalog.IKEDPDTimeout, DirNone},
		{"AWS tunnel received DELETE for Phase 2 SA with SPI:", catalog.IKECGWDeleteChildSA, DirReceived},
		{"AWS tunnel detected a pre-shared key mismatch with cgw:", catalog.IKEPSKMismatch, DirNone},
		{"AWS tunnel processed request (id=) for CREATE_CHILD_SA", catalog.IKENegotiation, DirReceived},
		{"AWS tunnel processed request for IKE_AUTH", catalog.IKENegotiation, DirReceived},
		{"DENIED", catalog.RouteDeniedOther, DirNone},
		{"AWS tunnel received DELETE for IKE_SA from CGW (inspired by a spike)", catalog.IKECGWDeleteIKESA, DirReceived},
		{"AWS tunnel received DELETE for CHILD_SA", catalog.IKECGWDeleteChildSA, DirReceived},
		{"AWS-side peer BGP session state has changed from Connect to Active", catalog.BGPConnectActive, DirNone},
		{"AWS-side peer detected a bad OPEN message", catalog.BGPBadOpenASN, DirReceived},
		// The doc's literal templates, placeholders and all.
		{"AWS-side peer is reporting a maximum prefix limit warning • received {prefixes (count): xxx} prefixes from neighbor {ip: xxx}, limit is {limit (numeric): xxx}", catalog.BGPPrefixLimitWarn, DirNone},
		{"AWS tunnel DPD timed out after {retry_count}<br>retransmits", catalog.IKEDPDTimeout, DirNone},
	}
	for _, c := range cases {
		cat, _, dir := ClassifyDetails(c.in)
		if cat != c.cat || dir != c.dir {
			t.Errorf("ClassifyDetails(%q) = %s/%s, want %s/%s", c.in, cat, dir, c.cat, c.dir)
		}
	}
}

// Without its "6/N" code a Cease is still named by its subcode text, in
// AWS's wording or RFC 4486's.
func TestClassifyDetailsCeaseByNameOnly(t *testing.T) {
	for _, c := range []struct {
		name string
		cat  catalog.Category
		code string
	}{
		{"Maximum Number of Prefixes Reached", catalog.BGPCeaseMaxPrefixes, "6/1"},
		{"Administrative Shutdown", catalog.BGPCeaseAdminShut, "6/2"},
		{"Peer Unconfigured", catalog.BGPCeasePeerDeconf, "6/3"},
		{"Peer De-configured", catalog.BGPCeasePeerDeconf, "6/3"},
		{"Administrative Reset", catalog.BGPCeaseAdminReset, "6/4"},
		{"Connection Rejected", catalog.BGPCeaseConnRejected, "6/5"},
		{"Other Configuration Change", catalog.BGPCeaseConfigChange, "6/6"},
		{"Connection Collision Resolution", catalog.BGPCeaseCollision, "6/7"},
	} {
		in := "AWS-side peer received notification (Cease/" + c.name + ") from neighbor " + testNbIP
		cat, f, dir := ClassifyDetails(in)
		if cat != c.cat || f.CeaseCode != c.code || dir != DirReceived || f.NeighborIP != testNbIP {
			t.Errorf("ClassifyDetails(%q) = %s code %q dir %s neighbor %q, want %s %s", in, cat, f.CeaseCode, dir, f.NeighborIP, c.cat, c.code)
		}
	}
}

func TestClassifyDetailsPlaceholderForms(t *testing.T) {
	// A placeholder kept in the doc's "{ip: value}" form still yields the value.
	_, f, _ := ClassifyDetails("AWS-side peer sent a Hold Timer Expired notification to neighbor {ip: 169.254.10.1}")
	if f.NeighborIP != testNbIP {
		t.Errorf("NeighborIP = %q, want %q", f.NeighborIP, testNbIP)
	}
	_, f, _ = ClassifyDetails("AWS-side peer sent an OPEN message to neighbor 169.254.10.1 - version 4, AS {asn: 64512}, holdtime {holdtime (seconds): 90}, router-id {id: 10.0.0.1}")
	if f.AS != 64512 || f.RouterID != "10.0.0.1" {
		t.Errorf("OPEN fields = %+v", f)
	}
	// IPv6 neighbours keep their colons.
	_, f, _ = ClassifyDetails("AWS-side peer BGP session state has changed from Established to Idle with neighbor fd00:10::1")
	if f.NeighborIP != "fd00:10::1" {
		t.Errorf("IPv6 NeighborIP = %q", f.NeighborIP)
	}
	// A prefix such as 172.16/12 is not a Cease code.
	cat, f, _ := ClassifyDetails("AWS-side peer received update with attributes from neighbor 169.254.10.1 - AS path: 65000 for 172.16/12")
	if cat != catalog.BGPUpdateReceived || f.CeaseCode != "" {
		t.Errorf("got %s with CeaseCode %q", cat, f.CeaseCode)
	}
}

func TestClassifyDetailsCeaseOutsideContract(t *testing.T) {
	// Subcode 8 (Out of Resources) has no contract id: the bgp.cease.other
	// extension, with the code kept, counted as trouble.
	ev := Event{Stream: StreamBGP, BGPType: "BGPStatus", BGPStatus: "UP",
		Details: "AWS-side peer received notification 6/8 (Cease/Out of Resources) from neighbor 169.254.10.1"}
	Classify(&ev)
	if ev.Category != catalog.BGPCeaseOther || ev.Fields.CeaseCode != "6/8" || ev.Direction != DirReceived || !ev.Anomaly {
		t.Errorf("got %s code %q dir %s anomaly %v", ev.Category, ev.Fields.CeaseCode, ev.Direction, ev.Anomaly)
	}
}

func TestClassifyDetailsUnknown(t *testing.T) {
	for _, in := range []string{
		"", "   ", "hello world", "AWS tunnel is doing something new", "AWS-side peer frobnicated the neighbor",
		"AWS tunnel", "AWS-side peer", "{}", "6/", "•••", "\x00\xff\xfe",
	} {
		cat, f, dir := ClassifyDetails(in)
		if cat != catalog.Unknown || dir != DirNone || f != (Fields{}) {
			t.Errorf("ClassifyDetails(%q) = %s %s %+v, want unknown with no fields", in, cat, dir, f)
		}
	}
}

// expectedAnomaly is the issue's list, kept independent of the catalogue so
// that a wrong catalogue flag fails here.
var expectedAnomaly = map[catalog.Category]bool{
	catalog.IKEPSKMismatch: true, catalog.IKEAuthFailed: true, catalog.IKEProposalMismatch: true, catalog.IKETSUnacceptable: true,
	catalog.IKEPhase2Failed: true, catalog.IKEDPDTimeout: true, catalog.IKEPhase1Timeout: true, catalog.IKECGWDeleteIKESA: true,
	catalog.IKECGWDeleteChildSA: true, catalog.BGPConnectActive: true, catalog.BGPBadOpenASN: true, catalog.BGPHoldTimerExpired: true,
	catalog.BGPPrefixLimitWarn: true, catalog.BGPPrefixLimitExceed: true,
	catalog.BGPCeaseMaxPrefixes: true, catalog.BGPCeaseAdminShut: true, catalog.BGPCeasePeerDeconf: true, catalog.BGPCeaseAdminReset: true,
	catalog.BGPCeaseConnRejected: true, catalog.BGPCeaseConfigChange: true, catalog.BGPCeaseCollision: true, catalog.BGPCeaseOther: true,
	catalog.RouteDeniedASLoop: true, catalog.RouteDeniedNextHop: true, catalog.RouteDeniedOther: true,
}

var expectedSeverity = map[catalog.Category]catalog.Severity{
	catalog.IKEPSKMismatch: catalog.SevError, catalog.IKEAuthFailed: catalog.SevError, catalog.IKEProposalMismatch: catalog.SevError, catalog.IKETSUnacceptable: catalog.SevError,
	catalog.IKEPhase2Failed: catalog.SevError, catalog.IKEDPDTimeout: catalog.SevCritical, catalog.IKEPhase1Timeout: catalog.SevError, catalog.IKECGWDeleteIKESA: catalog.SevCritical,
	catalog.IKECGWDeleteChildSA: catalog.SevError, catalog.IKERekeyCollision: catalog.SevInfo, catalog.IKENegotiation: catalog.SevInfo, catalog.IKEStateReport: catalog.SevNotice,
	catalog.BGPEstablished: catalog.SevInfo, catalog.BGPStateChange: catalog.SevInfo, catalog.BGPConnectActive: catalog.SevWarning, catalog.BGPConnecting: catalog.SevInfo,
	catalog.BGPOpen: catalog.SevInfo, catalog.BGPBadOpenASN: catalog.SevError, catalog.BGPHoldTimerExpired: catalog.SevCritical, catalog.BGPPrefixLimitWarn: catalog.SevWarning,
	catalog.BGPPrefixLimitExceed: catalog.SevCritical, catalog.BGPCeaseMaxPrefixes: catalog.SevCritical, catalog.BGPCeaseAdminShut: catalog.SevCritical,
	catalog.BGPCeasePeerDeconf: catalog.SevCritical, catalog.BGPCeaseAdminReset: catalog.SevCritical, catalog.BGPCeaseConnRejected: catalog.SevCritical,
	catalog.BGPCeaseConfigChange: catalog.SevCritical, catalog.BGPCeaseCollision: catalog.SevWarning, catalog.BGPEndOfRIB: catalog.SevInfo, catalog.BGPUpdateReceived: catalog.SevInfo,
	catalog.RouteAdvertised: catalog.SevInfo, catalog.RouteUpdated: catalog.SevInfo, catalog.RouteWithdrawn: catalog.SevNotice,
	catalog.RouteDeniedASLoop: catalog.SevError, catalog.RouteDeniedNextHop: catalog.SevError, catalog.RouteDeniedOther: catalog.SevError, catalog.Unknown: catalog.SevInfo,
	catalog.BGPCeaseOther: catalog.SevCritical, catalog.AWSTunnelOptionsChanged: catalog.SevWarning, catalog.AWSTunnelReplaced: catalog.SevWarning,
}

func TestCatalogDefaultsMatchIssue(t *testing.T) {
	for _, e := range catalog.Entries() {
		if e.Anomaly != expectedAnomaly[e.Category] {
			t.Errorf("%s: catalogue anomaly = %v, want %v", e.Category, e.Anomaly, expectedAnomaly[e.Category])
		}
		want, ok := expectedSeverity[e.Category]
		if !ok {
			t.Errorf("%s: no expected severity in the test", e.Category)
		}
		if e.Severity != want {
			t.Errorf("%s: catalogue severity = %s, want %s", e.Category, e.Severity, want)
		}
	}
}

// docEvent wraps a documented message in the record AWS would log it in.
func docEvent(tc textCase) Event {
	text := strings.ReplaceAll(tc.text, "%s", " - ")
	switch tc.cat[0] {
	case 'i':
		return Event{Stream: StreamIKE, Details: text, Phase1State: IKEStateEstablished, Phase2State: IKEStateEstablished, Raw: "raw:" + text}
	case 'r':
		return Event{Stream: StreamBGP, BGPType: "RouteStatus", BGPStatus: "ADVERTISED", Details: text,
			Route: &RouteAttrs{Prefix: "10.1.0.0/16", ASPath: "64512", NextHopIP: testNbIP}, Raw: "raw:" + text}
	}
	return Event{Stream: StreamBGP, BGPType: "BGPStatus", BGPStatus: "DOWN", Details: text, Raw: "raw:" + text}
}

func TestClassifyDocumentedRecords(t *testing.T) {
	for _, tc := range documentedMessages() {
		ev := docEvent(tc)
		raw := ev.Raw
		Classify(&ev)
		if ev.Category != tc.cat {
			t.Errorf("%s: category %s, want %s", tc.name, ev.Category, tc.cat)
			continue
		}
		if ev.Raw != raw {
			t.Errorf("%s: Raw changed", tc.name)
		}
		wantAnomaly := expectedAnomaly[tc.cat]
		wantSev := expectedSeverity[tc.cat]
		if tc.cat == catalog.BGPStateChange && ev.Fields.FromState == "Established" {
			wantAnomaly, wantSev = true, catalog.SevError // the session dropped
		}
		if ev.Anomaly != wantAnomaly || IsAnomaly(&ev) != wantAnomaly {
			t.Errorf("%s: anomaly %v / IsAnomaly %v, want %v", tc.name, ev.Anomaly, IsAnomaly(&ev), wantAnomaly)
		}
		if ev.Severity != wantSev {
			t.Errorf("%s: severity %s, want %s", tc.name, ev.Severity, wantSev)
		}
	}
}

func TestClassifyRouteRecords(t *testing.T) {
	route := &RouteAttrs{Prefix: "10.1.0.0/16", ASPath: "65000", NextHopIP: testNbIP}
	cases := []struct {
		name    string
		ev      Event
		cat     catalog.Category
		sev     catalog.Severity
		anomaly bool
		reason  string
	}{
		{"advertised", Event{BGPType: "RouteStatus", BGPStatus: "ADVERTISED", Route: route}, catalog.RouteAdvertised, catalog.SevInfo, false, ""},
		{"updated", Event{BGPType: "RouteStatus", BGPStatus: "UPDATED", Route: route}, catalog.RouteUpdated, catalog.SevInfo, false, ""},
		{"withdrawn", Event{BGPType: "RouteStatus", BGPStatus: "WITHDRAWN", Route: route}, catalog.RouteWithdrawn, catalog.SevNotice, false, ""},
		{"lower-case status and type", Event{BGPType: "routestatus", BGPStatus: "withdrawn", Route: route}, catalog.RouteWithdrawn, catalog.SevNotice, false, ""},
		{"no type, route attributes", Event{BGPStatus: "Advertised", Route: route}, catalog.RouteAdvertised, catalog.SevInfo, false, ""},
		{"no type, no attributes", Event{BGPStatus: "UPDATED"}, catalog.RouteUpdated, catalog.SevInfo, false, ""},
		{"denied loop", Event{BGPType: "RouteStatus", BGPStatus: "UPDATED", Route: route, Details: "DENIED due to: as-path contains our own AS"}, catalog.RouteDeniedASLoop, catalog.SevError, true, "as-path contains our own AS"},
		{"denied next hop", Event{BGPType: "RouteStatus", BGPStatus: "ADVERTISED", Route: route, Details: "DENIED due to: non-connected next-hop."}, catalog.RouteDeniedNextHop, catalog.SevError, true, "non-connected next-hop"},
		{"denied other", Event{BGPType: "RouteStatus", BGPStatus: "ADVERTISED", Route: route, Details: "  denied due to:   max-med exceeded "}, catalog.RouteDeniedOther, catalog.SevError, true, "max-med exceeded"},
		{"unknown details on a route", Event{BGPType: "RouteStatus", BGPStatus: "ADVERTISED", Route: route, Details: "something new went wrong"}, catalog.Unknown, catalog.SevWarning, true, ""},
		{"no status", Event{BGPType: "RouteStatus", Route: route}, catalog.Unknown, catalog.SevInfo, false, ""},
	}
	for _, c := range cases {
		ev := c.ev
		Classify(&ev)
		if ev.Category != c.cat || ev.Severity != c.sev || ev.Anomaly != c.anomaly || ev.Fields.DenyReason != c.reason {
			t.Errorf("%s: got %s/%s/anomaly=%v/reason=%q, want %s/%s/%v/%q", c.name,
				ev.Category, ev.Severity, ev.Anomaly, ev.Fields.DenyReason, c.cat, c.sev, c.anomaly, c.reason)
		}
		if ev.Stream != StreamBGP {
			t.Errorf("%s: stream %s, want BGP (inferred)", c.name, ev.Stream)
		}
	}
}

func TestClassifyIKEStateRecords(t *testing.T) {
	cases := []struct {
		name    string
		ev      Event
		cat     catalog.Category
		sev     catalog.Severity
		anomaly bool
	}{
		{"both up", Event{Stream: StreamIKE, Phase1State: IKEStateEstablished, Phase2State: IKEStateEstablished}, catalog.IKEStateReport, catalog.SevNotice, false},
		{"stream inferred from states", Event{Phase1State: IKEStateRekeying, Phase2State: IKEStateEstablished}, catalog.IKEStateReport, catalog.SevNotice, false},
		{"whitespace details", Event{Stream: StreamIKE, Details: " \t", Phase1State: IKEStateNegotiating}, catalog.IKEStateReport, catalog.SevNotice, false},
		{"no states at all", Event{Stream: StreamIKE}, catalog.IKEStateReport, catalog.SevNotice, false},
		{"phase 2 down", Event{Stream: StreamIKE, Phase1State: IKEStateEstablished, Phase2State: IKEStateDown}, catalog.IKEStateReport, catalog.SevWarning, true},
		{"phase 1 down", Event{Phase1State: IKEStateDown, Phase2State: IKEStateDown}, catalog.IKEStateReport, catalog.SevWarning, true},
		{"negotiation while phase 1 down", Event{Stream: StreamIKE, Phase1State: IKEStateDown, Details: "AWS tunnel is sending request (id=0) for IKE_SA_INIT"}, catalog.IKENegotiation, catalog.SevWarning, true},
		{"error keeps its severity", Event{Stream: StreamIKE, Phase1State: IKEStateDown, Details: "AWS tunnel DPD timed out after 3 retransmits"}, catalog.IKEDPDTimeout, catalog.SevCritical, true},
		{"unknown text, phase down", Event{Stream: StreamIKE, Phase2State: IKEStateDown, Details: "brand new message"}, catalog.Unknown, catalog.SevWarning, true},
		{"unknown text, phases up", Event{Stream: StreamIKE, Phase1State: IKEStateEstablished, Details: "brand new message"}, catalog.Unknown, catalog.SevInfo, false},
	}
	for _, c := range cases {
		ev := c.ev
		Classify(&ev)
		if ev.Category != c.cat || ev.Severity != c.sev || ev.Anomaly != c.anomaly {
			t.Errorf("%s: got %s/%s/anomaly=%v, want %s/%s/%v", c.name, ev.Category, ev.Severity, ev.Anomaly, c.cat, c.sev, c.anomaly)
		}
		if ev.Stream != StreamIKE {
			t.Errorf("%s: stream %s, want IKE", c.name, ev.Stream)
		}
	}
}

func TestClassifyProposalPhase(t *testing.T) {
	cases := []struct {
		details string
		p1      IKEState
		phase   int
	}{
		{"No Proposal Match Found by AWS", IKEStateUnset, 1},
		{"No Proposal Match Found by AWS", IKEStateNegotiating, 1},
		{"No Proposal Match Found by AWS", IKEStateEstablished, 2}, // phase 1 is up: phase 2 failed
		{`No Proposal Match Found. Notifying with "No proposal chosen"`, IKEStateUnset, 2},
		{`No Proposal Match Found. Notifying with "No proposal chosen"`, IKEStateEstablished, 2},
		{"AWS tunnel received NO_PROPOSAL_CHOSEN", IKEStateUnset, 0},
		{"AWS tunnel received NO_PROPOSAL_CHOSEN", IKEStateDown, 0},
		{"AWS tunnel received NO_PROPOSAL_CHOSEN", IKEStateEstablished, 2},
	}
	for _, c := range cases {
		ev := Event{Stream: StreamIKE, Details: c.details, Phase1State: c.p1}
		Classify(&ev)
		if ev.Category != catalog.IKEProposalMismatch || ev.Fields.Phase != c.phase {
			t.Errorf("%q with phase 1 %q: got %s phase %d, want phase %d", c.details, c.p1, ev.Category, ev.Fields.Phase, c.phase)
		}
	}
}

func TestClassifyBGPStateAnomalies(t *testing.T) {
	cases := []struct {
		from, to string
		cat      catalog.Category
		sev      catalog.Severity
		anomaly  bool
	}{
		{"Idle", "Connect", catalog.BGPStateChange, catalog.SevInfo, false},
		{"Active", "OpenSent", catalog.BGPStateChange, catalog.SevInfo, false},
		{"Active", "Connect", catalog.BGPStateChange, catalog.SevInfo, false},
		{"OpenConfirm", "Established", catalog.BGPEstablished, catalog.SevInfo, false},
		{"Established", "Idle", catalog.BGPStateChange, catalog.SevError, true},
		{"Established", "Clearing", catalog.BGPStateChange, catalog.SevError, true},
		{"OpenSent", "Idle", catalog.BGPStateChange, catalog.SevWarning, true},
		{"OpenConfirm", "Active", catalog.BGPStateChange, catalog.SevWarning, true},
		{"Connect", "Active", catalog.BGPConnectActive, catalog.SevWarning, true},
		{"Clearing", "Idle", catalog.BGPStateChange, catalog.SevInfo, false},
	}
	for _, c := range cases {
		ev := Event{Stream: StreamBGP, BGPType: "BGPStatus", BGPStatus: "DOWN",
			Details: "AWS-side peer BGP session state has changed from " + c.from + " to " + c.to + " with neighbor " + testNbIP}
		Classify(&ev)
		if ev.Category != c.cat || ev.Severity != c.sev || ev.Anomaly != c.anomaly {
			t.Errorf("%s -> %s: got %s/%s/%v, want %s/%s/%v", c.from, c.to, ev.Category, ev.Severity, ev.Anomaly, c.cat, c.sev, c.anomaly)
		}
	}
}

func TestClassifyUnknownRecords(t *testing.T) {
	cases := []struct {
		name    string
		ev      Event
		anomaly bool
		stream  StreamKind
	}{
		{"status DOWN", Event{BGPType: "BGPStatus", BGPStatus: "DOWN", Details: "AWS-side peer frobnicated"}, true, StreamBGP},
		{"status UP", Event{BGPType: "BGPStatus", BGPStatus: "UP", Details: "AWS-side peer frobnicated"}, false, StreamBGP},
		{"empty BGP details", Event{BGPType: "BGPStatus", BGPStatus: "UP"}, false, StreamBGP},
		{"mentions Cease", Event{Details: "something about a CEASE we do not know"}, true, StreamUnknown},
		{"status down, lower case", Event{BGPType: "BGPStatus", BGPStatus: "down", Details: "AWS-side peer frobnicated"}, true, StreamBGP},
		{"plain text", Event{Details: "nothing to see"}, false, StreamUnknown},
		{"nothing at all", Event{}, false, StreamUnknown},
	}
	for _, c := range cases {
		ev := c.ev
		Classify(&ev)
		if ev.Category != catalog.Unknown || ev.Anomaly != c.anomaly || ev.Stream != c.stream {
			t.Errorf("%s: got %s anomaly=%v stream=%s, want unknown anomaly=%v stream=%s", c.name, ev.Category, ev.Anomaly, ev.Stream, c.anomaly, c.stream)
		}
	}
}

func TestClassifyInfersStreamFromText(t *testing.T) {
	cases := []struct {
		details string
		stream  StreamKind
	}{
		{"AWS tunnel processed request (id=3) for CREATE_CHILD_SA", StreamIKE},
		{"Peer is not responsive - Declaring peer dead", StreamIKE},
		{"AWS-side peer sent an End-of-RIB message to neighbor 169.254.10.1", StreamBGP},
		{"DENIED due to: non-connected next-hop", StreamBGP},
		{"who knows", StreamUnknown},
	}
	for _, c := range cases {
		ev := Event{Details: c.details}
		Classify(&ev)
		if ev.Stream != c.stream {
			t.Errorf("%q: stream %s, want %s", c.details, ev.Stream, c.stream)
		}
	}
	// A known stream is never overwritten.
	ev := Event{Stream: StreamBGP, Details: "AWS tunnel processed request (id=3) for CREATE_CHILD_SA"}
	Classify(&ev)
	if ev.Stream != StreamBGP {
		t.Errorf("stream overwritten: %s", ev.Stream)
	}
}

func TestClassifyResetsPreviousResult(t *testing.T) {
	ev := Event{Stream: StreamBGP, BGPType: "BGPStatus", BGPStatus: "DOWN",
		Details: "AWS-side peer received notification 6/2 (Cease/Administrative Shutdown) from neighbor 169.254.10.1"}
	Classify(&ev)
	first := ev
	Classify(&ev)
	if ev.Category != first.Category || ev.Fields != first.Fields || ev.Direction != first.Direction || ev.Severity != first.Severity {
		t.Fatalf("second Classify differs: %+v vs %+v", ev, first)
	}
	ev.Details = "AWS-side peer is initiating a connection (via Connect) to neighbor 169.254.10.2"
	Classify(&ev)
	if ev.Category != catalog.BGPConnecting || ev.Fields != (Fields{NeighborIP: "169.254.10.2"}) || ev.Direction != DirNone || ev.Anomaly {
		t.Errorf("stale result kept: %s %+v %s anomaly=%v", ev.Category, ev.Fields, ev.Direction, ev.Anomaly)
	}
}

func TestIsAnomalyWithoutClassify(t *testing.T) {
	if IsAnomaly(nil) {
		t.Error("IsAnomaly(nil) = true")
	}
	Classify(nil) // must not panic
	ev := Event{Stream: StreamBGP, BGPType: "RouteStatus", BGPStatus: "ADVERTISED", Details: "DENIED due to: as-path contains our own AS"}
	if !IsAnomaly(&ev) {
		t.Error("unclassified denied route: IsAnomaly = false")
	}
	if ev.Category != "" {
		t.Error("IsAnomaly classified the caller's event in place")
	}
	ok := Event{Stream: StreamIKE, Details: "AWS tunnel processed request (id=3) for CREATE_CHILD_SA", Phase1State: IKEStateEstablished}
	if IsAnomaly(&ok) {
		t.Error("routine negotiation: IsAnomaly = true")
	}
}

// routineEvents are the records that dominate real logs; classifying them
// must not allocate.
func routineEvents() []Event {
	route := &RouteAttrs{Prefix: "10.1.0.0/16", ASPath: "65000", NextHopIP: testNbIP}
	return []Event{
		{Stream: StreamBGP, BGPType: "RouteStatus", BGPStatus: "ADVERTISED", Route: route},
		{Stream: StreamBGP, BGPType: "RouteStatus", BGPStatus: "UPDATED", Route: route},
		{Stream: StreamBGP, BGPType: "RouteStatus", BGPStatus: "WITHDRAWN", Route: route},
		{Stream: StreamIKE, Phase1State: IKEStateEstablished, Phase2State: IKEStateEstablished, Details: "AWS tunnel processed request (id=12) for CREATE_CHILD_SA"},
		{Stream: StreamIKE, Phase1State: IKEStateEstablished, Phase2State: IKEStateEstablished, Details: "AWS tunnel is sending response (id=12) for CREATE_CHILD_SA"},
		{Stream: StreamIKE, Phase1State: IKEStateEstablished, Phase2State: IKEStateRekeying},
		{Stream: StreamBGP, BGPType: "BGPStatus", BGPStatus: "UP", Details: "AWS-side peer BGP session state has changed from OpenConfirm to Established with neighbor 169.254.10.1"},
		{Stream: StreamBGP, BGPType: "BGPStatus", BGPStatus: "UP", Details: "AWS-side peer sent an End-of-RIB message to neighbor 169.254.10.1"},
		{Stream: StreamBGP, BGPType: "BGPStatus", BGPStatus: "DOWN", Details: "AWS-side peer sent an OPEN message to neighbor 169.254.10.1 - version 4, AS 64512, holdtime 30, router-id 203.0.113.10"},
		{Stream: StreamBGP, BGPType: "RouteStatus", BGPStatus: "ADVERTISED", Route: route, Details: "DENIED due to: as-path contains our own AS"},
		{Stream: StreamIKE, Phase1State: IKEStateDown, Details: "AWS tunnel DPD timed out after 3 retransmits"},
		{Stream: StreamBGP, BGPType: "BGPStatus", BGPStatus: "DOWN", Details: "AWS-side peer sent a notification 6/1 (Cease/Maximum Number of Prefixes Reached) to neighbor 169.254.10.1"},
	}
}

func TestClassifyAllocatesNothing(t *testing.T) {
	for _, ev := range routineEvents() {
		e := ev
		allocs := testing.AllocsPerRun(100, func() { Classify(&e) })
		if allocs != 0 {
			t.Errorf("Classify(%s %q) allocates %.1f times per record", e.Category, e.Details, allocs)
		}
	}
}

// Every documented message template in the catalogue must classify to its
// own entry, placeholders and all: the catalogue and the classifier agree.
func TestCatalogMessagesClassifyToTheirEntry(t *testing.T) {
	n := 0
	for _, e := range catalog.Entries() {
		for _, m := range e.Messages {
			n++
			if cat, _, _ := ClassifyDetails(m); cat != e.Category {
				t.Errorf("ClassifyDetails(%q) = %s, catalogue lists it under %s", m, cat, e.Category)
			}
		}
	}
	if n < 50 {
		t.Errorf("only %d documented messages in the catalogue", n)
	}
}
