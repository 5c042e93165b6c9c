package vpnlog

import "testing"

// benchmarkMix approximates a day of logs from a busy connection: mostly route
// records and routine IKE negotiation, some BGP session chatter, a few errors.
func benchmarkMix() []Event {
	route := &RouteAttrs{Prefix: "10.1.0.0/16", ASPath: "65000 65001", NextHopIP: "169.254.10.1"}
	ike := func(d string) Event {
		return Event{Stream: StreamIKE, Phase1State: IKEStateEstablished, Phase2State: IKEStateEstablished, Details: d}
	}
	bgp := func(status, d string) Event {
		return Event{Stream: StreamBGP, BGPType: "BGPStatus", BGPStatus: status, Details: d}
	}
	rt := func(status string) Event {
		return Event{Stream: StreamBGP, BGPType: "RouteStatus", BGPStatus: status, Route: route}
	}
	var mix []Event
	add := func(n int, e Event) {
		for i := 0; i < n; i++ {
			mix = append(mix, e)
		}
	}
	add(20, rt("ADVERTISED"))
	add(10, rt("UPDATED"))
	add(5, rt("WITHDRAWN"))
	add(10, ike("AWS tunnel processed request (id=12) for CREATE_CHILD_SA"))
	add(10, ike("AWS tunnel is sending response (id=12) for CREATE_CHILD_SA"))
	add(8, ike("AWS tunnel is sending request (id=13) for CREATE_CHILD_SA"))
	add(8, ike("AWS tunnel processed response (id=13) for CREATE_CHILD_SA"))
	add(8, Event{Stream: StreamIKE, Phase1State: IKEStateEstablished, Phase2State: IKEStateRekeying})
	add(4, bgp("UP", "AWS-side peer BGP session state has changed from OpenConfirm to Established with neighbor 169.254.10.1"))
	add(3, bgp("DOWN", "AWS-side peer BGP session state has changed from Idle to Connect with neighbor 169.254.10.1"))
	add(2, bgp("DOWN", "AWS-side peer sent an OPEN message to neighbor 169.254.10.1 - version 4, AS 64512, holdtime 30, router-id 203.0.113.10"))
	add(2, bgp("UP", "AWS-side peer sent an End-of-RIB message to neighbor 169.254.10.1"))
	add(2, bgp("UP", "AWS-side peer received update with attributes from neighbor 169.254.10.1 - AS path: 65000 65001"))
	add(2, ike("AWS tunnel detected a (CHILD_REKEY) collision as CHILD_DELETE"))
	add(1, Event{Stream: StreamIKE, Phase1State: IKEStateDown, Phase2State: IKEStateDown, Details: "AWS tunnel DPD timed out after 3 retransmits"})
	add(1, bgp("DOWN", "AWS-side peer sent a notification 6/1 (Cease/Maximum Number of Prefixes Reached) to neighbor 169.254.10.1"))
	add(1, bgp("DOWN", "AWS-side peer sent a Hold Timer Expired notification to neighbor 169.254.10.1"))
	add(1, Event{Stream: StreamBGP, BGPType: "RouteStatus", BGPStatus: "ADVERTISED", Route: route, Details: "DENIED due to: as-path contains our own AS"})
	add(1, ike("AWS tunnel received DELETE for Phase 2 SA with SPI: c0ffee42"))
	add(1, ike("AWS tunnel is sending AUTHENTICATION_FAILED as the response"))
	return mix
}

func BenchmarkClassify(b *testing.B) {
	mix := benchmarkMix()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Classify(&mix[i])
		i++
		if i == len(mix) {
			i = 0
		}
	}
}

// BenchmarkClassifyByKind shows the cost of each path separately.
func BenchmarkClassifyByKind(b *testing.B) {
	mix := benchmarkMix()
	seen := map[string]bool{}
	for _, ev := range mix {
		e := ev
		Classify(&e)
		name := string(e.Category)
		if seen[name] {
			continue
		}
		seen[name] = true
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Classify(&e)
			}
		})
	}
}

// BenchmarkClassifyDetailsSlowPath covers texts no fast path or head takes:
// the full rule scan. Rare in real logs, but it bounds the worst case.
func BenchmarkClassifyDetailsSlowPath(b *testing.B) {
	for _, c := range []struct{ name, text string }{
		{"unknown", "AWS tunnel reports that something entirely new happened to the tunnel with cgw 198.51.100.7 at this time"},
		{"reworded-dpd", "Declaring peer dead: peer is not responsive"},
		{"lower-case-open", "aws-side peer   received an open message from neighbor 169.254.10.1, version 4, as 65000, holdtime 30, router-id 192.0.2.1"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ClassifyDetails(c.text)
			}
		})
	}
}
