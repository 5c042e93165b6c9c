package vpnlog

import (
	"strings"

	"github.com/vpnlens/vpnlens/catalog"
)

// The classifier maps one record to one contract category and pulls the
// values AWS filled into the message's placeholders.
//
// It runs on every record read (hundreds of thousands per second), so it uses
// no regexp and allocates nothing. Three tiers, cheapest first:
//   - strict fast paths for the routine messages (IKEv2 negotiation steps,
//     BGP state changes), parsed by hand;
//   - "heads": the opening words of each documented message select the one
//     rule that decides it;
//   - the ordered keyword rules, for anything worded differently. They ignore
//     case and whitespace runs and tolerate the separators that AWS's table
//     shows as "<br>•" (" - ", ", ", "•" or a plain space), trailing periods
//     and missing placeholders.
//
// Extracted values are substrings of the details text, never copies.

// Classify sets ev.Category, ev.Severity, ev.Direction, ev.Anomaly and
// ev.Fields from ev.Details, ev.Stream, ev.BGPType, ev.BGPStatus, ev.Route,
// ev.Phase1State and ev.Phase2State. It never panics; a record that matches
// nothing gets Unknown (ev.Raw is untouched). If ev.Stream is StreamUnknown it
// is inferred from the record's fields, else from the text.
func Classify(ev *Event) {
	if ev == nil {
		return
	}
	ev.Fields = Fields{}
	ev.Direction = DirNone
	cat := catalog.Unknown
	details := trimText(ev.Details)
	switch {
	case isRouteRecord(ev):
		cat = classifyRoute(ev, details)
	case details != "":
		cat, ev.Direction = classifyText(details, &ev.Fields)
	case ev.Stream == StreamIKE ||
		(ev.Stream == StreamUnknown && !hasBGPFields(ev) &&
			(ev.Phase1State != IKEStateUnset || ev.Phase2State != IKEStateUnset)):
		// A tunnel status record without details: its news is the phase states.
		cat = catalog.IKEStateReport
	}
	if ev.Stream == StreamUnknown {
		ev.Stream = inferStream(ev, cat)
	}
	if cat == catalog.IKEProposalMismatch && ev.Phase1State == IKEStateEstablished {
		// With phase 1 up, the proposal that failed can only be a phase 2
		// (CHILD_SA / quick mode) one. The record's state is direct evidence,
		// so it wins over the IKEv1 table's reading of the text.
		ev.Fields.Phase = 2
	}
	ev.Category = cat
	ev.Severity, ev.Anomaly = assess(ev)
}

// ClassifyDetails classifies a bare message text (just the details string,
// no record around it).
func ClassifyDetails(details string) (catalog.Category, Fields, Direction) {
	var f Fields
	cat, dir := classifyText(trimText(details), &f)
	return cat, f, dir
}

// IsAnomaly reports whether an event marks trouble (used by fetch filters and
// incidents). It is a function of the record alone, so it gives the same
// answer whether or not ev was classified before (an unclassified event is
// classified on a copy).
func IsAnomaly(ev *Event) bool {
	if ev == nil {
		return false
	}
	if ev.Category == "" {
		c := *ev
		Classify(&c)
		return c.Anomaly
	}
	_, anomaly := assess(ev)
	return anomaly
}

// assess gives a classified event its severity and anomaly flag: the
// catalogue's defaults, adjusted where the record itself says more (which way
// a BGP state moved, a phase that is down, an unknown text that the
// CloudWatch subscription filter would still catch).
func assess(ev *Event) (catalog.Severity, bool) {
	sev, anomaly, _ := catalog.Defaults(ev.Category)
	switch ev.Category {
	case catalog.BGPStateChange:
		sev, anomaly = assessStateChange(ev.Fields.FromState, ev.Fields.ToState)
	case catalog.Unknown:
		if unknownLooksBad(ev) {
			sev, anomaly = catalog.SevWarning, true
		}
	}
	if ev.Phase1State == IKEStateDown || ev.Phase2State == IKEStateDown {
		anomaly = true
		if sev < catalog.SevWarning {
			sev = catalog.SevWarning
		}
	}
	return sev, anomaly
}

// bgpStateRank orders the BGP FSM states (RFC 4271 §8.2.2) by how close they
// are to Established; -1 for names outside the FSM.
func bgpStateRank(s string) int {
	switch {
	case eqFold(s, "idle"):
		return 0
	case eqFold(s, "connect"), eqFold(s, "active"):
		return 1
	case eqFold(s, "opensent"):
		return 2
	case eqFold(s, "openconfirm"):
		return 3
	case eqFold(s, "established"):
		return 4
	}
	return -1
}

// assessStateChange: leaving Established is the session dropping; any other
// step away from Established (OpenSent -> Idle, ...) is a failed set-up.
// Steps towards Established are routine.
func assessStateChange(from, to string) (catalog.Severity, bool) {
	fr, tr := bgpStateRank(from), bgpStateRank(to)
	switch {
	case fr == 4 && tr != 4:
		return catalog.SevError, true
	case fr >= 0 && tr >= 0 && tr < fr:
		return catalog.SevWarning, true
	}
	return catalog.SevInfo, false
}

// unknownLooksBad applies the CloudWatch subscription filter to records the
// classifier could not name: a DOWN status, a Cease, a prefix limit or a
// denial stays visible as trouble even when the wording is new. A RouteStatus
// record carries details only on an error (AWS doc), so any details there count.
func unknownLooksBad(ev *Event) bool {
	if eqFold(ev.BGPStatus, "down") || ev.Fields.CeaseCode != "" {
		return true
	}
	d := ev.Details
	if d == "" {
		return false
	}
	if isRouteRecord(ev) {
		return true
	}
	for _, p := range [...]string{"cease", "prefix limit", "denied"} {
		if i, _ := indexFold(d, p, 0); i >= 0 {
			return true
		}
	}
	return false
}

func hasBGPFields(ev *Event) bool {
	return ev.BGPType != "" || ev.BGPStatus != "" || ev.Route != nil
}

func inferStream(ev *Event, cat catalog.Category) StreamKind {
	switch {
	case hasBGPFields(ev):
		return StreamBGP
	case ev.Phase1State != IKEStateUnset || ev.Phase2State != IKEStateUnset:
		return StreamIKE
	case len(cat) > 0 && cat[0] == 'i':
		return StreamIKE
	case len(cat) > 0 && (cat[0] == 'b' || cat[0] == 'r'):
		return StreamBGP
	}
	return StreamUnknown
}

func isRouteStatus(s string) bool {
	return eqFold(s, "advertised") || eqFold(s, "updated") || eqFold(s, "withdrawn")
}

// isRouteRecord: type says so, or (no type) the record has route attributes
// or a route status.
func isRouteRecord(ev *Event) bool {
	if ev.BGPType != "" {
		return eqFold(ev.BGPType, "RouteStatus")
	}
	return ev.Route != nil || isRouteStatus(ev.BGPStatus)
}

// classifyRoute: a RouteStatus record's details appear only when AWS denied
// the route; otherwise its status is its news.
func classifyRoute(ev *Event, details string) catalog.Category {
	if details != "" {
		if c, ok := classifyDenied(details, &ev.Fields); ok {
			return c
		}
		return catalog.Unknown
	}
	switch {
	case eqFold(ev.BGPStatus, "advertised"):
		return catalog.RouteAdvertised
	case eqFold(ev.BGPStatus, "updated"):
		return catalog.RouteUpdated
	case eqFold(ev.BGPStatus, "withdrawn"):
		return catalog.RouteWithdrawn
	}
	return catalog.Unknown
}

// classifyText classifies a trimmed details text: strict fast paths for the
// routine messages, then the documented message openings ("heads"), then the
// ordered keyword rules for anything worded differently.
func classifyText(s string, f *Fields) (catalog.Category, Direction) {
	if s == "" {
		return catalog.Unknown, DirNone
	}
	var heads []head
	rest := s
	layer := StreamUnknown
	if r, ok := cutPrefixFold(s, "AWS tunnel "); ok {
		if fastIKENegotiation(r, f) {
			return catalog.IKENegotiation, fastNegotiationDirection(r)
		}
		heads, rest, layer = ikeHeads[:], r, StreamIKE
	} else if r, ok := cutPrefixFold(s, "AWS-side peer "); ok {
		if c, ok := fastBGPStateChange(r, f); ok {
			return c, DirNone
		}
		heads, rest, layer = bgpHeads[:], r, StreamBGP
	} else {
		heads = bareHeads[:]
	}
	if rest != "" {
		first := lowerTable[rest[0]]
		for _, h := range heads {
			if lowerTable[h.text[0]] != first {
				continue
			}
			if _, ok := cutPrefixFold(rest, h.text); !ok {
				continue
			}
			if c, d, ok := runRule(h.rule, s, f); ok {
				return c, d
			}
			*f = Fields{} // the head's rule declined: start over on the general path
			break
		}
	}
	return classifyKeywords(s, f, layer)
}

// ruleID names one rule: a function that recognises one message class
// anywhere in a text and extracts its placeholders, writing to f only when it
// reports ok. Rules are dispatched by a switch rather than through function
// values so that f provably stays where the caller put it (no allocation).
type ruleID uint8

const (
	rStateChange ruleID = iota
	rHoldTimer
	rCease
	rBadOpen
	rOpen
	rPrefixLimit
	rConnecting
	rEndOfRIB
	rUpdate
	rDPD
	rPSK
	rAuth
	rProposal
	rTS
	rPhase2Failed
	rPhase1Timeout
	rCollision
	rDelete
	rNegotiation
	rRUThere
	rKeepalive
	rDenied
)

func runRule(id ruleID, s string, f *Fields) (catalog.Category, Direction, bool) {
	switch id {
	case rStateChange:
		return ruleStateChange(s, f)
	case rHoldTimer:
		return ruleHoldTimer(s, f)
	case rCease:
		return ruleCease(s, f)
	case rBadOpen:
		return ruleBadOpen(s, f)
	case rOpen:
		return ruleOpen(s, f)
	case rPrefixLimit:
		return rulePrefixLimit(s, f)
	case rConnecting:
		return ruleConnecting(s, f)
	case rEndOfRIB:
		return ruleEndOfRIB(s, f)
	case rUpdate:
		return ruleUpdate(s, f)
	case rDPD:
		return ruleDPD(s, f)
	case rPSK:
		return rulePSK(s, f)
	case rAuth:
		return ruleAuth(s, f)
	case rProposal:
		return ruleProposal(s, f)
	case rTS:
		return ruleTS(s, f)
	case rPhase2Failed:
		return rulePhase2Failed(s, f)
	case rPhase1Timeout:
		return rulePhase1Timeout(s, f)
	case rCollision:
		return ruleCollision(s, f)
	case rDelete:
		return ruleDelete(s, f)
	case rNegotiation:
		return ruleNegotiation(s, f)
	case rRUThere:
		return ruleRUThere(s, f)
	case rKeepalive:
		return ruleKeepalive(s, f)
	case rDenied:
		return ruleDenied(s, f)
	}
	return "", DirNone, false
}

// head maps the opening words of a documented message to the rule that
// decides it, so a documented message costs one rule instead of a scan
// through all of them. Texts are matched after "AWS-side peer " / "AWS
// tunnel " (or from the start for bareHeads), ignoring case; they are
// written in AWS's casing so the exact comparison usually settles it.
type head struct {
	text string
	rule ruleID
}

var bgpHeads = [...]head{
	{"BGP session state", rStateChange},
	{"sent a Hold Timer", rHoldTimer},
	{"sent a notification", rCease},
	{"sent notification", rCease},
	{"received notification", rCease},
	{"received a notification", rCease},
	{"sent an OPEN message", rOpen},
	{"received an OPEN message", rOpen},
	{"sent an End-of-RIB", rEndOfRIB},
	{"received update", rUpdate},
	{"is reporting a maximum prefix limit", rPrefixLimit},
	{"is initiating a connection", rConnecting},
	{"detected the maximum prefix limit", rPrefixLimit},
	{"detected a bad OPEN", rBadOpen},
}

var ikeHeads = [...]head{
	{"received DELETE for", rDelete},
	{"DPD timed out", rDPD},
	{"detected a (CHILD_REKEY) collision", rCollision},
	{"detected a pre-shared key", rPSK},
	{"(CHILD_SA) redundant SA", rCollision},
	{"is sending AUTHENTICATION_FAILED", rAuth},
	{"payload decryption", rPSK},
	{"Phase 2 was unable", rPhase2Failed},
	{"Timeout: deleting un-established", rPhase1Timeout},
}

var bareHeads = [...]head{
	{"DENIED", rDenied},
	{"Peer is not responsive", rDPD},
	{"No Proposal Match Found", rProposal},
	{"AWS: Traffic Selector", rTS},
}

// bgpRuleList and ikeRuleList are the general path, most specific first:
// a state change names its two states, hold timer goes before Cease (both are
// NOTIFICATIONs), bad OPEN before OPEN; IKE errors go before routine
// negotiation so an error that mentions an exchange is still an error, and
// collision before DELETE because collision messages talk about deleting SAs.
var bgpRuleList = [...]ruleID{
	rStateChange, rHoldTimer, rCease, rBadOpen, rOpen, rPrefixLimit,
	rConnecting, rEndOfRIB, rUpdate,
}

var ikeRuleList = [...]ruleID{
	rDPD, rPSK, rAuth, rProposal, rTS, rPhase2Failed, rPhase1Timeout,
	rCollision, rDelete, rNegotiation, rRUThere, rKeepalive,
}

// fastNegotiationDirection: "processed" means AWS received the message, "is
// sending" that AWS sent it. rest is the text after "AWS tunnel ", already
// checked by fastIKENegotiation.
func fastNegotiationDirection(rest string) Direction {
	if rest != "" && (rest[0] == 'p' || rest[0] == 'P') {
		return DirReceived
	}
	return DirSent
}

// fastIKENegotiation parses exactly
// "(processed|is sending) (request|response) (id=N) for EXCHANGE" with a
// known exchange name and nothing after it. That shape cannot hold an error
// keyword, so answering early is safe; anything else goes to the keyword rules.
func fastIKENegotiation(rest string, f *Fields) bool {
	r, ok := cutPrefixFold(rest, "processed ")
	if !ok {
		if r, ok = cutPrefixFold(rest, "is sending "); !ok {
			return false
		}
	}
	if r2, ok := cutPrefixFold(r, "request "); ok {
		r = r2
	} else if r2, ok := cutPrefixFold(r, "response "); ok {
		r = r2
	} else {
		return false
	}
	r, ok = cutPrefixFold(r, "(id=")
	if !ok {
		return false
	}
	n := 0
	for n < len(r) && r[n] >= '0' && r[n] <= '9' {
		n++
	}
	if n == 0 || n >= len(r) || r[n] != ')' {
		return false
	}
	id := r[:n]
	r, ok = cutPrefixFold(r[n+1:], " for ")
	if !ok {
		return false
	}
	ex, end := tokenAt(r, 0)
	if !isExchangeName(ex) || trimText(r[end:]) != "" {
		return false
	}
	f.RequestID, f.Exchange, f.IKEVersion = id, ex, 2
	return true
}

// ikeExchanges are the IKEv2 exchange types (RFC 7296 §3.1).
var ikeExchanges = [...]string{"CREATE_CHILD_SA", "IKE_SA_INIT", "IKE_AUTH", "INFORMATIONAL"}

func isExchangeName(s string) bool {
	for _, e := range ikeExchanges {
		if eqFold(s, e) {
			return true
		}
	}
	return false
}

// bgpFSMStates are the names the fast path accepts in a state change; any
// other word goes through the keyword rules.
var bgpFSMStates = [...]string{"Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established", "Clearing", "Deleted"}

func isFSMState(s string) bool {
	for _, st := range bgpFSMStates {
		if eqFold(s, st) {
			return true
		}
	}
	return false
}

// fastBGPStateChange parses exactly
// "BGP session state has changed from X to Y with neighbor IP".
func fastBGPStateChange(rest string, f *Fields) (catalog.Category, bool) {
	r, ok := cutPrefixFold(rest, "BGP session state has changed from ")
	if !ok {
		return "", false
	}
	from, i := tokenAt(r, 0)
	r, ok = cutPrefixFold(r[i:], " to ")
	if !ok || !isFSMState(from) {
		return "", false
	}
	to, i := tokenAt(r, 0)
	r, ok = cutPrefixFold(r[i:], " with neighbor ")
	if !ok || !isFSMState(to) {
		return "", false
	}
	nb, i := tokenAt(r, 0)
	if trimText(r[i:]) != "" {
		return "", false
	}
	f.FromState, f.ToState, f.NeighborIP = from, to, nb
	return stateChangeCategory(from, to), true
}

func stateChangeCategory(from, to string) catalog.Category {
	switch {
	case eqFold(to, "established"):
		return catalog.BGPEstablished
	case eqFold(from, "connect") && eqFold(to, "active"):
		return catalog.BGPConnectActive
	}
	return catalog.BGPStateChange
}

// classifyKeywords is the tolerant path: a route denial first, then the rules
// of the layer the text's prefix names ("AWS tunnel" is the IKE log's voice,
// "AWS-side peer" the BGP log's), or both layers when there is no prefix.
func classifyKeywords(s string, f *Fields, layer StreamKind) (catalog.Category, Direction) {
	if c, d, ok := ruleDenied(s, f); ok {
		return c, d
	}
	if layer != StreamIKE {
		for _, r := range bgpRuleList {
			if c, d, ok := runRule(r, s, f); ok {
				return c, d
			}
		}
	}
	if layer != StreamBGP {
		for _, r := range ikeRuleList {
			if c, d, ok := runRule(r, s, f); ok {
				return c, d
			}
		}
	}
	return catalog.Unknown, DirNone
}

// ruleDenied recognises "DENIED due to: X" (AWS's RouteStatus details).
func ruleDenied(s string, f *Fields) (catalog.Category, Direction, bool) {
	c, ok := classifyDenied(s, f)
	return c, DirNone, ok
}

func classifyDenied(s string, f *Fields) (catalog.Category, bool) {
	var reason string
	if _, e := indexFold(s, "denied due to", 0); e >= 0 {
		reason = s[e:]
	} else if r, ok := cutPrefixFold(s, "denied"); ok {
		reason = r
	} else {
		return "", false
	}
	reason = trimReason(reason)
	f.DenyReason = reason
	switch {
	case containsAnyFold(reason, "own as", "as-path loop", "as path loop", "as_path loop", "aspath loop"):
		return catalog.RouteDeniedASLoop, true
	case containsAnyFold(reason, "non-connected", "nonconnected", "not connected", "unconnected", "non connected"):
		return catalog.RouteDeniedNextHop, true
	}
	return catalog.RouteDeniedOther, true
}

// trimReason strips the ":" after "due to", surrounding whitespace and a
// trailing period.
func trimReason(r string) string {
	i := 0
	for i < len(r) && (isSpace(r[i]) || r[i] == ':' || r[i] == '-') {
		i++
	}
	r = r[i:]
	j := len(r)
	for j > 0 && (isSpace(r[j-1]) || r[j-1] == '.') {
		j--
	}
	return r[:j]
}

// ---- BGP rules ----

func ruleStateChange(s string, f *Fields) (catalog.Category, Direction, bool) {
	e := firstEnd(s, "changed from", "went from", "transitioned from", "moved from")
	if e < 0 {
		return "", DirNone, false
	}
	from, i := tokenAt(s, e)
	var to string
	if j := indexWordFold(s, "to", i); j >= 0 {
		to, _ = tokenAt(s, j+2)
	}
	f.FromState, f.ToState = from, to
	f.NeighborIP = neighborIP(s)
	return stateChangeCategory(from, to), DirNone, true
}

func ruleHoldTimer(s string, f *Fields) (catalog.Category, Direction, bool) {
	if firstEnd(s, "hold timer", "holdtimer", "hold-timer") < 0 {
		return "", DirNone, false
	}
	f.NeighborIP = neighborIP(s)
	d := verbDirection(s)
	if d == DirNone {
		d = DirSent
	}
	return catalog.BGPHoldTimerExpired, d, true
}

// ruleCease: "Cease", or a 6/N code in a notification. A subcode the
// contract has no id for (8 and up) is bgp.cease.other, with its code kept.
func ruleCease(s string, f *Fields) (catalog.Category, Direction, bool) {
	code, codeStr := ceaseCode(s)
	if indexWordFold(s, "cease", 0) < 0 && (code == 0 || indexWordFold(s, "notification", 0) < 0) {
		return "", DirNone, false
	}
	if code == 0 {
		code = ceaseByName(s)
		if code > 0 && code < len(ceaseCodeStrings) {
			codeStr = ceaseCodeStrings[code]
		}
	}
	f.CeaseCode = codeStr
	f.NeighborIP = neighborIP(s)
	d := verbDirection(s)
	if d == DirNone {
		d = neighborDirection(s)
	}
	c := catalog.Unknown // "cease" with no subcode we can read
	switch {
	case code >= 1 && code <= 7:
		c = ceaseCategories[code]
	case code >= 8:
		c = catalog.BGPCeaseOther
	}
	return c, d, true
}

func ruleBadOpen(s string, f *Fields) (catalog.Category, Direction, bool) {
	if firstEnd(s, "bad open", "bad peer as") < 0 {
		return "", DirNone, false
	}
	if e := firstEnd(s, "remote as"); e >= 0 {
		f.RemoteAS = numberAfter(s, e)
	}
	if i := indexWordFold(s, "expected", 0); i >= 0 {
		f.ExpectedAS = numberAfter(s, i+len("expected"))
	}
	f.NeighborIP = neighborIP(s)
	return catalog.BGPBadOpenASN, DirReceived, true
}

func ruleOpen(s string, f *Fields) (catalog.Category, Direction, bool) {
	if firstEnd(s, "open message") < 0 {
		return "", DirNone, false
	}
	parseOpen(s, f)
	f.NeighborIP = neighborIP(s)
	d := verbDirection(s)
	if d == DirNone {
		d = neighborDirection(s)
	}
	return catalog.BGPOpen, d, true
}

func rulePrefixLimit(s string, f *Fields) (catalog.Category, Direction, bool) {
	if firstEnd(s, "prefix limit", "maximum prefix", "max prefix", "prefix-limit", "max-prefix", "maximum-prefix") < 0 {
		return "", DirNone, false
	}
	c := catalog.BGPPrefixLimitWarn
	if firstEnd(s, "exceed") >= 0 {
		c = catalog.BGPPrefixLimitExceed
	}
	if i := indexWordFold(s, "received", 0); i >= 0 {
		f.Prefixes = numberAfter(s, i+len("received"))
	}
	f.Limit = limitValue(s)
	f.NeighborIP = neighborIP(s)
	return c, DirNone, true
}

func ruleConnecting(s string, f *Fields) (catalog.Category, Direction, bool) {
	if firstEnd(s, "initiating a connection", "initiating connection", "initiating a tcp connection") < 0 {
		return "", DirNone, false
	}
	f.NeighborIP = neighborIP(s)
	return catalog.BGPConnecting, DirNone, true
}

func ruleEndOfRIB(s string, f *Fields) (catalog.Category, Direction, bool) {
	if firstEnd(s, "end-of-rib", "end of rib", "endofrib", "end_of_rib") < 0 && indexWordFold(s, "eor", 0) < 0 {
		return "", DirNone, false
	}
	f.NeighborIP = neighborIP(s)
	d := verbDirection(s)
	if d == DirNone {
		d = DirSent
	}
	return catalog.BGPEndOfRIB, d, true
}

func ruleUpdate(s string, f *Fields) (catalog.Category, Direction, bool) {
	e := firstEnd(s, "as path", "as-path", "aspath", "as_path")
	if e < 0 && firstEnd(s, "update with attributes", "received update", "received an update") < 0 {
		return "", DirNone, false
	}
	if e >= 0 {
		f.ASPath = restValue(s, e)
	}
	f.NeighborIP = neighborIP(s)
	d := verbDirection(s)
	if d == DirNone {
		d = DirReceived
	}
	return catalog.BGPUpdateReceived, d, true
}

var ceaseCategories = [8]catalog.Category{
	1: catalog.BGPCeaseMaxPrefixes,
	2: catalog.BGPCeaseAdminShut,
	3: catalog.BGPCeasePeerDeconf,
	4: catalog.BGPCeaseAdminReset,
	5: catalog.BGPCeaseConnRejected,
	6: catalog.BGPCeaseConfigChange,
	7: catalog.BGPCeaseCollision,
}

var ceaseCodeStrings = [8]string{"", "6/1", "6/2", "6/3", "6/4", "6/5", "6/6", "6/7"}

// ceaseNames maps the subcode names (RFC 4486 and AWS's wording, which calls
// 6/3 "Peer Unconfigured") when the number is missing.
var ceaseNames = [...]struct {
	pat  string
	code int
}{
	{"maximum number of prefixes", 1}, {"max prefixes", 1}, {"maximum prefixes", 1},
	{"administrative shutdown", 2}, {"admin shutdown", 2},
	{"peer unconfigured", 3}, {"peer de-configured", 3}, {"peer deconfigured", 3}, {"peer de configured", 3},
	{"administrative reset", 4}, {"admin reset", 4},
	{"connection rejected", 5},
	{"configuration change", 6},
	{"collision", 7},
}

func ceaseByName(s string) int {
	for _, n := range ceaseNames {
		if i, _ := indexFold(s, n.pat, 0); i >= 0 {
			return n.code
		}
	}
	return 0
}

// ceaseCode finds "6/N" standing on its own (not the tail of "172.16/12").
func ceaseCode(s string) (int, string) {
	for from := 0; from < len(s); {
		k := strings.IndexByte(s[from:], '/')
		if k < 0 {
			break
		}
		i := from + k - 1 // the '6'
		from += k + 1
		if i < 0 || s[i] != '6' || (i > 0 && (isDigit(s[i-1]) || s[i-1] == '.' || s[i-1] == '/')) {
			continue
		}
		j, n := i+2, 0
		for j < len(s) && isDigit(s[j]) && j-i < 5 {
			n = n*10 + int(s[j]-'0')
			j++
		}
		if j > i+2 {
			return n, s[i:j]
		}
	}
	return 0, ""
}

// parseOpen reads "version 4, AS 65000, holdtime 30, router-id 192.0.2.1".
func parseOpen(s string, f *Fields) {
	from := 0
	if i := indexWordFold(s, "version", 0); i >= 0 {
		from = i + len("version")
		f.BGPVersion = int(numberAfter(s, from))
	}
	for i := indexWordFold(s, "as", from); i >= 0; i = indexWordFold(s, "as", i+2) {
		if tok, _ := tokenAt(s, i+2); tok != "" && isDigit(tok[0]) {
			f.AS = parseNumber(tok)
			break
		}
	}
	if e := firstEnd(s, "holdtime", "hold time", "hold-time"); e >= 0 {
		f.HoldTime = int(numberAfter(s, e))
	}
	if e := firstEnd(s, "router-id", "router id", "routerid", "router_id", "bgp identifier"); e >= 0 {
		f.RouterID, _ = tokenAt(s, e)
	}
}

// limitValue finds the number after a "limit" ("limit is 100", "limit: 100").
func limitValue(s string) int64 {
	for i := indexWordFold(s, "limit", 0); i >= 0; i = indexWordFold(s, "limit", i+5) {
		tok, j := tokenAt(s, i+5)
		if eqFold(tok, "is") || eqFold(tok, "of") {
			tok, _ = tokenAt(s, j)
		}
		if tok != "" && isDigit(tok[0]) {
			return parseNumber(tok)
		}
	}
	return 0
}

// ---- IKE rules ----

func ruleDPD(s string, f *Fields) (catalog.Category, Direction, bool) {
	if firstEnd(s, "declaring peer dead", "peer dead", "not responsive", "unresponsive", "dpd timed out", "dpd timeout", "dpd time out", "dpd timed-out") < 0 &&
		(indexWordFold(s, "dpd", 0) < 0 || firstEnd(s, "timed out", "timeout", "dead") < 0) {
		return "", DirNone, false
	}
	switch {
	case firstEnd(s, "retransmit") >= 0:
		f.IKEVersion = 2
		if i := indexWordFold(s, "after", 0); i >= 0 {
			f.RetryCount = int(numberAfter(s, i+len("after")))
		}
	case firstEnd(s, "not responsive", "declaring peer dead") >= 0:
		f.IKEVersion = 1
	}
	return catalog.IKEDPDTimeout, DirNone, true
}

func rulePSK(s string, f *Fields) (catalog.Category, Direction, bool) {
	if firstEnd(s, "pre-shared key", "pre shared key", "preshared key", "pre-shared-key", "payload decryption") < 0 && indexWordFold(s, "psk", 0) < 0 {
		return "", DirNone, false
	}
	switch {
	case firstEnd(s, "decryption") >= 0:
		f.IKEVersion = 1
	case firstEnd(s, "mismatch with cgw") >= 0:
		f.IKEVersion = 2
	}
	f.Phase = 1
	f.CGWIP = cgwAddress(s)
	return catalog.IKEPSKMismatch, DirNone, true
}

func ruleAuth(s string, f *Fields) (catalog.Category, Direction, bool) {
	if firstEnd(s, "authentication_failed", "authentication failed", "authentication failure", "auth failed") < 0 {
		return "", DirNone, false
	}
	f.Phase, f.IKEVersion = 1, 2
	return catalog.IKEAuthFailed, verbDirection(s), true
}

// ruleProposal: AWS's IKEv1 table reads "by AWS" as phase 1 and the "No
// proposal chosen" notify as phase 2. Classify may override from the phase 1
// state of the record.
func ruleProposal(s string, f *Fields) (catalog.Category, Direction, bool) {
	if firstEnd(s, "no proposal", "no_proposal_chosen", "proposal mismatch", "proposal match") < 0 {
		return "", DirNone, false
	}
	switch {
	case firstEnd(s, "by aws") >= 0:
		f.Phase = 1
	case firstEnd(s, "notifying") >= 0:
		f.Phase = 2
	}
	return catalog.IKEProposalMismatch, verbDirection(s), true
}

func ruleTS(s string, f *Fields) (catalog.Category, Direction, bool) {
	if firstEnd(s, "ts_unacceptable", "ts unacceptable", "traffic selector") < 0 {
		return "", DirNone, false
	}
	f.Phase, f.IKEVersion = 2, 2
	return catalog.IKETSUnacceptable, verbDirection(s), true
}

func rulePhase2Failed(s string, f *Fields) (catalog.Category, Direction, bool) {
	if firstEnd(s, "unable to establish", "phase 2 failed", "failed to establish phase 2", "child_sa failed") < 0 {
		return "", DirNone, false
	}
	f.Phase, f.IKEVersion = 2, 2
	return catalog.IKEPhase2Failed, DirNone, true
}

func rulePhase1Timeout(s string, f *Fields) (catalog.Category, Direction, bool) {
	if firstEnd(s, "un-established", "unestablished", "half-open", "half open") < 0 {
		return "", DirNone, false
	}
	f.Phase, f.IKEVersion = 1, 2
	f.CGWIP = cgwAddress(s)
	return catalog.IKEPhase1Timeout, DirNone, true
}

func ruleCollision(s string, f *Fields) (catalog.Category, Direction, bool) {
	if firstEnd(s, "collision", "redundant sa", "child_rekey") < 0 {
		return "", DirNone, false
	}
	f.Phase, f.IKEVersion = 2, 2
	return catalog.IKERekeyCollision, DirNone, true
}

// ruleDelete: a DELETE from the customer gateway, for a phase 2 SA (SPI) or
// for the IKE SA.
func ruleDelete(s string, f *Fields) (catalog.Category, Direction, bool) {
	if indexWordFold(s, "delete", 0) < 0 && firstEnd(s, "delete_sa", "deleting") < 0 {
		return "", DirNone, false
	}
	spi := indexWordFold(s, "spi", 0)
	if spi >= 0 || firstEnd(s, "phase 2", "phase2", "child_sa", "child sa", "ipsec sa") >= 0 {
		if spi >= 0 {
			f.SPI, _ = tokenAt(s, spi+len("spi"))
		}
		f.Phase = 2
		return catalog.IKECGWDeleteChildSA, DirReceived, true
	}
	if firstEnd(s, "ike_sa", "ike sa", "phase 1", "phase1", "isakmp") >= 0 {
		f.Phase = 1
		return catalog.IKECGWDeleteIKESA, DirReceived, true
	}
	return "", DirNone, false
}

// ruleNegotiation: a request/response for an exchange, worded more loosely
// than the fast path accepts.
func ruleNegotiation(s string, f *Fields) (catalog.Category, Direction, bool) {
	e := firstEnd(s, "(id=", "(id =")
	ex := findExchange(s)
	if e < 0 && (ex == "" || firstEnd(s, "request", "response") < 0) {
		return "", DirNone, false
	}
	var id string
	if e >= 0 {
		tok, _ := tokenAt(s, e)
		id = digitsPrefix(tok)
	}
	if i := indexWordFold(s, "for", 0); i >= 0 {
		if tok, _ := tokenAt(s, i+3); isExchangeName(tok) {
			ex = tok
		}
	}
	if id == "" && ex == "" {
		return "", DirNone, false
	}
	f.RequestID, f.Exchange, f.IKEVersion = id, ex, 2
	return catalog.IKENegotiation, verbDirection(s), true
}

// ruleRUThere: IKEv1 DPD keepalives (RFC 3706).
func ruleRUThere(s string, f *Fields) (catalog.Category, Direction, bool) {
	if firstEnd(s, "r-u-there", "r_u_there", "r u there") < 0 {
		return "", DirNone, false
	}
	f.IKEVersion = 1
	return catalog.IKENegotiation, verbDirection(s), true
}

// ruleKeepalive: a DPD or liveness message that is not a timeout (ruleDPD
// comes first).
func ruleKeepalive(s string, f *Fields) (catalog.Category, Direction, bool) {
	if indexWordFold(s, "dpd", 0) < 0 && firstEnd(s, "keepalive", "keep-alive", "liveness") < 0 {
		return "", DirNone, false
	}
	return catalog.IKENegotiation, verbDirection(s), true
}

// findExchange returns the first IKEv2 exchange name in s (as written there).
func findExchange(s string) string {
	for _, e := range ikeExchanges {
		if i, end := indexFold(s, e, 0); i >= 0 {
			return s[i:end]
		}
	}
	return ""
}

func cgwAddress(s string) string {
	if i := indexWordFold(s, "cgw", 0); i >= 0 {
		tok, _ := tokenAt(s, i+3)
		return tok
	}
	return ""
}

func neighborIP(s string) string {
	for _, w := range [...]string{"neighbor", "neighbour"} {
		if i := indexWordFold(s, w, 0); i >= 0 {
			tok, _ := tokenAt(s, i+len(w))
			return tok
		}
	}
	return ""
}

// neighborDirection: "to neighbor" means AWS sent, "from neighbor" received.
func neighborDirection(s string) Direction {
	ti := indexWordFold(s, "to", 0)
	fi := indexWordFold(s, "from", 0)
	switch {
	case ti >= 0 && (fi < 0 || ti < fi):
		return DirSent
	case fi >= 0:
		return DirReceived
	}
	return DirNone
}

// verbDirection reads the AWS side's verb: whichever of "sent/sending" or
// "received/processed" comes first. One pass over the words.
func verbDirection(s string) Direction {
	for i := 0; i < len(s); {
		if !isWordByte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isWordByte(s[j]) {
			j++
		}
		switch w := s[i:j]; lowerTable[w[0]] {
		case 's':
			if eqFold(w, "sent") || eqFold(w, "sending") || eqFold(w, "sends") {
				return DirSent
			}
		case 'n':
			if eqFold(w, "notifying") {
				return DirSent
			}
		case 'r':
			if eqFold(w, "received") || eqFold(w, "receiving") || eqFold(w, "receives") {
				return DirReceived
			}
		case 'p':
			if eqFold(w, "processed") {
				return DirReceived
			}
		}
		i = j
	}
	return DirNone
}

// ---- scanning helpers (ASCII case folding; patterns are lower case) ----

// Byte classes, looked up in a table: the scanners below run over every byte
// of a message several times, and a table load beats a chain of comparisons.
const (
	clSpace = 1 << iota // ASCII whitespace
	clWord              // letter, digit, underscore
	clSep               // skipped before a placeholder value
	clDelim             // ends a placeholder value
	clDigit
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		switch {
		case b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f':
			t[c] |= clSpace | clSep | clDelim
		case b >= '0' && b <= '9':
			t[c] |= clWord | clDigit
		case (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_':
			t[c] |= clWord
		case b >= 0x80: // "•" and other non-ASCII separators
			t[c] |= clSep | clDelim
		}
		switch b {
		case '{', '(', '[', '"', '\'', ':', '=', ',', ';', '-':
			t[c] |= clSep
		}
		switch b {
		case ',', ';', ')', '(', '}', '{', ']', '"', '\'', '<', '>':
			t[c] |= clDelim
		}
	}
	return t
}()

var lowerTable = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		t[c] = byte(c)
		if c >= 'A' && c <= 'Z' {
			t[c] = byte(c) + 'a' - 'A'
		}
	}
	return t
}()

// eqFold is equalFold with the exact comparison first: log keywords almost
// always arrive in the documented case.
func eqFold(a, b string) bool { return a == b || EqualFoldASCII(a, b) }

func isSpace(c byte) bool    { return byteClass[c]&clSpace != 0 }
func isDigit(c byte) bool    { return byteClass[c]&clDigit != 0 }
func isWordByte(c byte) bool { return byteClass[c]&clWord != 0 }
func isTokenSep(c byte) bool { return byteClass[c]&clSep != 0 }

// isTokenDelim: bytes that end a placeholder value.
func isTokenDelim(c byte) bool { return byteClass[c]&clDelim != 0 }

// trimText strips surrounding ASCII whitespace.
func trimText(s string) string {
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

// matchAt reports where pat ends if it matches s at i, else -1, ignoring
// ASCII case. A space in pat matches one or more whitespace bytes.
func matchAt(s string, i int, pat string) int {
	for j := 0; j < len(pat); j++ {
		p := pat[j]
		if p == ' ' {
			if i >= len(s) || !isSpace(s[i]) {
				return -1
			}
			for i < len(s) && isSpace(s[i]) {
				i++
			}
			continue
		}
		if i >= len(s) || lowerTable[s[i]] != lowerTable[p] {
			return -1
		}
		i++
	}
	return i
}

// indexFold finds pat in s at or after from, ignoring ASCII case (a space in
// pat matches a whitespace run): start and end, or -1, -1.
// Candidates come from strings.IndexByte on both cases of the first byte,
// which skips most of the text in machine-word strides.
func indexFold(s, pat string, from int) (int, int) {
	if pat == "" || from < 0 || from >= len(s) {
		return -1, -1
	}
	lo := lowerTable[pat[0]]
	up := lo
	if lo >= 'a' && lo <= 'z' {
		up = lo - ('a' - 'A')
	}
	nextLo, nextUp := -2, -2 // -2: not searched yet; -1: none left
	for i := from; i < len(s); {
		if nextLo != -1 && nextLo < i {
			if k := strings.IndexByte(s[i:], lo); k >= 0 {
				nextLo = i + k
			} else {
				nextLo = -1
			}
		}
		if up != lo && nextUp != -1 && nextUp < i {
			if k := strings.IndexByte(s[i:], up); k >= 0 {
				nextUp = i + k
			} else {
				nextUp = -1
			}
		}
		c := nextLo
		if up != lo && nextUp >= 0 && (c < 0 || nextUp < c) {
			c = nextUp
		}
		if c < 0 {
			break
		}
		if e := matchAt(s, c, pat); e >= 0 {
			return c, e
		}
		i = c + 1
	}
	return -1, -1
}

// indexWordFold finds pat as a whole word (no letter, digit or underscore on
// either side) at or after from, returning its start or -1.
func indexWordFold(s, pat string, from int) int {
	for from < len(s) {
		i, e := indexFold(s, pat, from)
		if i < 0 {
			return -1
		}
		if (i == 0 || !isWordByte(s[i-1]) || !isWordByte(pat[0])) &&
			(e == len(s) || !isWordByte(s[e]) || !isWordByte(pat[len(pat)-1])) {
			return i
		}
		from = i + 1
	}
	return -1
}

// firstEnd returns the end of the first of pats found in s, or -1.
func firstEnd(s string, pats ...string) int {
	for _, p := range pats {
		if _, e := indexFold(s, p, 0); e >= 0 {
			return e
		}
	}
	return -1
}

func containsAnyFold(s string, pats ...string) bool { return firstEnd(s, pats...) >= 0 }

// cutPrefixFold cuts pat from the start of s, ignoring case and whitespace
// runs. Patterns are written in AWS's own casing, so the exact comparison,
// tried first, settles almost every call.
func cutPrefixFold(s, pat string) (string, bool) {
	if len(s) >= len(pat) && s[:len(pat)] == pat {
		return s[len(pat):], true
	}
	if e := matchAt(s, 0, pat); e >= 0 {
		return s[e:], true
	}
	return s, false
}

// isLabel reports a placeholder label such as "ip" in "{ip: 10.0.0.1}".
func isLabel(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
			return false
		}
	}
	return true
}

// tokenAt returns the placeholder value that starts at or after i, skipping
// separators, a "<br>" and a "label:" prefix, without its trailing period;
// and the index after it.
func tokenAt(s string, i int) (string, int) {
	for guard := 0; guard < 4; guard++ {
		for i < len(s) {
			if isTokenSep(s[i]) {
				i++
			} else if e := matchAt(s, i, "<br>"); e >= 0 {
				i = e
			} else {
				break
			}
		}
		j := i
		for j < len(s) && !isTokenDelim(s[j]) {
			j++
		}
		tok := s[i:j]
		if n := len(tok); n > 1 && tok[n-1] == ':' && isLabel(tok[:n-1]) {
			i = j
			continue
		}
		for len(tok) > 0 && (tok[len(tok)-1] == '.' || tok[len(tok)-1] == ':') {
			tok = tok[:len(tok)-1]
		}
		return tok, j
	}
	return "", i
}

// restValue returns the rest of a field up to the next clause separator
// (used for the space-separated AS path).
func restValue(s string, i int) string {
	for i < len(s) && (isSpace(s[i]) || s[i] == ':' || s[i] == '=' || s[i] == '{') {
		i++
	}
	j := i
	for j < len(s) {
		c := s[j]
		if c == ',' || c == ';' || c == '}' || c == ')' || c == ']' || c == '"' || c == '<' || c >= 0x80 || c == '\n' {
			break
		}
		j++
	}
	for j > i && (isSpace(s[j-1]) || s[j-1] == '.' || s[j-1] == '-') {
		j--
	}
	return s[i:j]
}

func digitsPrefix(s string) string {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return s[:n]
}

// parseNumber reads the leading decimal digits of s; 0 when there are none
// (a missing or literal "xxx" placeholder). It saturates instead of overflowing.
func parseNumber(s string) int64 {
	var n int64
	for i := 0; i < len(s) && isDigit(s[i]); i++ {
		if n > (1<<62)/10 {
			return 1 << 62
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n
}

// numberAfter reads the number that follows index i, skipping a linking "is"
// ("remote AS is 65010", "expected 65000", "after 3 retransmits").
func numberAfter(s string, i int) int64 {
	tok, j := tokenAt(s, i)
	if eqFold(tok, "is") || eqFold(tok, "as") || eqFold(tok, "of") {
		tok, _ = tokenAt(s, j)
	}
	return parseNumber(tok)
}
