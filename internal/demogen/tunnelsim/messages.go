package tunnelsim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Message texts follow the AWS Site-to-Site VPN logs user guide word for
// word; placeholders are filled in, and a line break in the doc's table
// (`<br>• `) is written as " - ".

const (
	MsgDPDTimeoutV2      = "AWS tunnel DPD timed out after 3 retransmits"
	MsgPeerDeadV1        = "Peer is not responsive - Declaring peer dead"
	MsgDeleteIKESA       = "AWS tunnel received DELETE for IKE_SA from CGW"
	MsgNoProposal        = "No Proposal Match Found by AWS"
	MsgRekeyCollision    = "AWS tunnel detected a (CHILD_REKEY) collision as CHILD_DELETE"
	MsgRedundantSADelete = "AWS tunnel (CHILD_SA) redundant SA is being deleted due to detected collision"

	MsgPSKInvalidV1        = "AWS tunnel payload decryption was unsuccessful due to invalid Pre-shared Key"
	MsgNoProposalChosen    = `No Proposal Match Found. Notifying with "No proposal chosen"`
	MsgAuthFailed          = "AWS tunnel is sending AUTHENTICATION_FAILED as the response"
	MsgTSUnacceptable      = "AWS: Traffic Selector: TS_UNACCEPTABLE: received from responder"
	MsgPhase2UnableToEstab = "AWS tunnel Phase 2 was unable to establish while keeping Phase 1"
	MsgDenyNextHop         = "DENIED due to: non-connected next-hop"
)

// Cease subcodes (RFC 4486) with the names the AWS doc prints for them.
var CeaseNames = map[int]string{
	1: "Maximum Number of Prefixes Reached",
	2: "Administrative Shutdown",
	3: "Peer Unconfigured",
	4: "Administrative Reset",
	5: "Connection Rejected",
	6: "Other Configuration Change",
	7: "Connection Collision Resolution",
}

// MsgCeaseSent is AWS sending a Cease NOTIFICATION 6/sub to the neighbor.
func MsgCeaseSent(sub int, neighbor string) string {
	return fmt.Sprintf("AWS-side peer sent a notification 6/%d (Cease/%s) to neighbor %s", sub, CeaseNames[sub], neighbor)
}

// MsgCeaseReceived is AWS receiving a Cease NOTIFICATION 6/sub from the neighbor.
func MsgCeaseReceived(sub int, neighbor string) string {
	return fmt.Sprintf("AWS-side peer received notification 6/%d (Cease/%s) from neighbor %s", sub, CeaseNames[sub], neighbor)
}

func MsgPSKMismatch(cgwIP string) string {
	return "AWS tunnel detected a pre-shared key mismatch with cgw: " + cgwIP
}

func MsgPhase1Timeout(cgwIP string) string {
	return "AWS tunnel Timeout: deleting un-established Phase 1 IKE_SA with cgw: " + cgwIP
}

func MsgDeletePhase2(spi string) string {
	return "AWS tunnel received DELETE for Phase 2 SA with SPI: " + spi
}

func MsgSendingRequest(id int) string { return MsgSendingRequestFor(id, ExchangeCreateChildSA) }

func MsgProcessedResponse(id int) string { return MsgProcessedResponseFor(id, ExchangeCreateChildSA) }

// MsgSendingRequestFor is AWS sending request id of an IKEv2 exchange.
func MsgSendingRequestFor(id int, exchange string) string {
	return fmt.Sprintf("AWS tunnel is sending request (id=%d) for %s", id, exchange)
}

// MsgProcessedResponseFor is AWS processing the peer's response to its
// request id.
func MsgProcessedResponseFor(id int, exchange string) string {
	return fmt.Sprintf("AWS tunnel processed response (id=%d) for %s", id, exchange)
}

func MsgProcessedRequest(id int) string {
	return fmt.Sprintf("AWS tunnel processed request (id=%d) for CREATE_CHILD_SA", id)
}

func MsgSendingResponse(id int) string {
	return fmt.Sprintf("AWS tunnel is sending response (id=%d) for CREATE_CHILD_SA", id)
}

func MsgBGPState(from, to, neighbor string) string {
	return fmt.Sprintf("AWS-side peer BGP session state has changed from %s to %s with neighbor %s", from, to, neighbor)
}

func MsgConnecting(neighbor string) string {
	return "AWS-side peer is initiating a connection (via Connect) to neighbor " + neighbor
}

func MsgOpenSent(neighbor string, as int, routerID string) string {
	return fmt.Sprintf("AWS-side peer sent an OPEN message to neighbor %s - version 4, AS %d, holdtime 30, router-id %s", neighbor, as, routerID)
}

func MsgOpenReceived(neighbor string, as int, routerID string) string {
	return fmt.Sprintf("AWS-side peer received an OPEN message from neighbor %s - version 4, AS %d, holdtime 30, router-id %s", neighbor, as, routerID)
}

func MsgBadOpen(neighbor string, remoteAS, expectedAS int) string {
	return fmt.Sprintf("AWS-side peer detected a bad OPEN message from neighbor %s - remote AS is %d, expected %d", neighbor, remoteAS, expectedAS)
}

func MsgEndOfRIB(neighbor string) string {
	return "AWS-side peer sent an End-of-RIB message to neighbor " + neighbor
}

func MsgUpdateReceived(neighbor, asPath string) string {
	return fmt.Sprintf("AWS-side peer received update with attributes from neighbor %s - AS path: %s", neighbor, asPath)
}

func MsgHoldTimerExpired(neighbor string) string {
	return "AWS-side peer sent a Hold Timer Expired notification to neighbor " + neighbor
}

func MsgConnectionRejectedReceived(neighbor string) string {
	return "AWS-side peer received notification 6/5 (Cease/Connection Rejected) from neighbor " + neighbor
}

func MsgMaxPrefixSent(neighbor string) string {
	return "AWS-side peer sent a notification 6/1 (Cease/Maximum Number of Prefixes Reached) to neighbor " + neighbor
}

func MsgPrefixWarning(count int, neighbor string, limit int) string {
	return fmt.Sprintf("AWS-side peer is reporting a maximum prefix limit warning - received %d prefixes from neighbor %s, limit is %d", count, neighbor, limit)
}

func MsgPrefixExceeded(count int, neighbor string, limit int) string {
	return fmt.Sprintf("AWS-side peer detected the maximum prefix limit was exceeded - received %d prefixes from neighbor %s, limit is %d", count, neighbor, limit)
}

const DenyASLoop = "DENIED due to: as-path contains our own AS"

// BGPOpenExchange logs the AWS side opening a session from Idle up to the
// peer's OPEN arriving, starting at t. It returns the time of the last record.
func (tn *Tunnel) BGPOpenExchange(r *rand.Rand, t time.Time, peerAS int) time.Time {
	nb := tn.CGWInside
	tn.BGPAt(t, "DOWN", MsgBGPState("Idle", "Connect", nb))
	t = t.Add(Ms(1))
	tn.BGPAt(t, "DOWN", MsgConnecting(nb))
	t = t.Add(Jitter(r, Ms(25), Ms(70)))
	tn.BGPAt(t, "DOWN", MsgBGPState("Connect", "OpenSent", nb))
	t = t.Add(Ms(1))
	tn.BGPAt(t, "DOWN", MsgOpenSent(nb, tn.Conn.AWSASN, tn.AWSInside))
	t = t.Add(Jitter(r, Ms(18), Ms(45)))
	tn.BGPAt(t, "DOWN", MsgOpenReceived(nb, peerAS, tn.Conn.CGWRouterID))
	return t
}

// BGPUp logs a full session establishment starting at t: state walk, OPENs,
// the CGW's routes arriving, End-of-RIB. It returns the Established time.
func (tn *Tunnel) BGPUp(r *rand.Rand, t time.Time, routes []Prefix, med int) time.Time {
	nb := tn.CGWInside
	t = tn.BGPOpenExchange(r, t, tn.Conn.CGWASN)
	t = t.Add(Ms(1))
	tn.BGPAt(t, "DOWN", MsgBGPState("OpenSent", "OpenConfirm", nb))
	t = t.Add(Jitter(r, Ms(8), Ms(30)))
	tn.BGPAt(t, "UP", MsgBGPState("OpenConfirm", "Established", nb))
	established := t
	t = t.Add(Jitter(r, Ms(120), Ms(260)))
	t = tn.ReceiveRoutes(r, t, "ADVERTISED", routes, med, "")
	t = t.Add(Jitter(r, Ms(200), Ms(400)))
	tn.BGPAt(t, "UP", MsgEndOfRIB(nb))
	return established
}

// ReceiveRoutes logs UPDATE messages from the CGW: one "received update with
// attributes" per AS path, each followed by the RouteStatus of its prefixes.
func (tn *Tunnel) ReceiveRoutes(r *rand.Rand, t time.Time, status string, routes []Prefix, med int, details string) time.Time {
	var paths []string
	seen := map[string]bool{}
	for _, p := range routes {
		if !seen[p.ASPath] {
			seen[p.ASPath] = true
			paths = append(paths, p.ASPath)
		}
	}
	for i, path := range paths {
		if i > 0 {
			t = t.Add(Jitter(r, Ms(3), Ms(20)))
		}
		tn.BGPAt(t, "UP", MsgUpdateReceived(tn.CGWInside, path))
		for _, p := range routes {
			if p.ASPath == path {
				t = t.Add(Ms(1))
				tn.RouteAt(t, status, p, med, details)
			}
		}
	}
	return t
}

// BGPDown logs the session leaving Established at t and every route the CGW
// had sent being withdrawn. It returns the time of the last record.
func (tn *Tunnel) BGPDown(t time.Time, routes []Prefix, med int) time.Time {
	tn.BGPAt(t, "DOWN", MsgBGPState("Established", "Idle", tn.CGWInside))
	return tn.WithdrawRoutes(t.Add(Ms(1)), routes, med)
}

// WithdrawRoutes logs routes withdrawn from t on, two per millisecond. A
// withdrawal carries no path attributes, so no "received update" line.
func (tn *Tunnel) WithdrawRoutes(t time.Time, routes []Prefix, med int) time.Time {
	for i, p := range routes {
		if i > 0 && i%2 == 0 {
			t = t.Add(Ms(1))
		}
		tn.RouteAt(t, "WITHDRAWN", p, med, "")
	}
	return t
}
