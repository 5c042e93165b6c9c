package main

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Message texts follow the AWS Site-to-Site VPN logs user guide word for
// word; placeholders are filled in, and a line break in the doc's table
// (`<br>• `) is written as " - ".

const (
	msgDPDTimeoutV2      = "AWS tunnel DPD timed out after 3 retransmits"
	msgPeerDeadV1        = "Peer is not responsive - Declaring peer dead"
	msgDeleteIKESA       = "AWS tunnel received DELETE for IKE_SA from CGW"
	msgNoProposal        = "No Proposal Match Found by AWS"
	msgRekeyCollision    = "AWS tunnel detected a (CHILD_REKEY) collision as CHILD_DELETE"
	msgRedundantSADelete = "AWS tunnel (CHILD_SA) redundant SA is being deleted due to detected collision"
)

func msgPSKMismatch(cgwIP string) string {
	return "AWS tunnel detected a pre-shared key mismatch with cgw: " + cgwIP
}

func msgPhase1Timeout(cgwIP string) string {
	return "AWS tunnel Timeout: deleting un-established Phase 1 IKE_SA with cgw: " + cgwIP
}

func msgDeletePhase2(spi string) string {
	return "AWS tunnel received DELETE for Phase 2 SA with SPI: " + spi
}

func msgSendingRequest(id int) string {
	return fmt.Sprintf("AWS tunnel is sending request (id=%d) for CREATE_CHILD_SA", id)
}

func msgProcessedResponse(id int) string {
	return fmt.Sprintf("AWS tunnel processed response (id=%d) for CREATE_CHILD_SA", id)
}

func msgProcessedRequest(id int) string {
	return fmt.Sprintf("AWS tunnel processed request (id=%d) for CREATE_CHILD_SA", id)
}

func msgSendingResponse(id int) string {
	return fmt.Sprintf("AWS tunnel is sending response (id=%d) for CREATE_CHILD_SA", id)
}

func msgBGPState(from, to, neighbor string) string {
	return fmt.Sprintf("AWS-side peer BGP session state has changed from %s to %s with neighbor %s", from, to, neighbor)
}

func msgConnecting(neighbor string) string {
	return "AWS-side peer is initiating a connection (via Connect) to neighbor " + neighbor
}

func msgOpenSent(neighbor string, as int, routerID string) string {
	return fmt.Sprintf("AWS-side peer sent an OPEN message to neighbor %s - version 4, AS %d, holdtime 30, router-id %s", neighbor, as, routerID)
}

func msgOpenReceived(neighbor string, as int, routerID string) string {
	return fmt.Sprintf("AWS-side peer received an OPEN message from neighbor %s - version 4, AS %d, holdtime 30, router-id %s", neighbor, as, routerID)
}

func msgBadOpen(neighbor string, remoteAS, expectedAS int) string {
	return fmt.Sprintf("AWS-side peer detected a bad OPEN message from neighbor %s - remote AS is %d, expected %d", neighbor, remoteAS, expectedAS)
}

func msgEndOfRIB(neighbor string) string {
	return "AWS-side peer sent an End-of-RIB message to neighbor " + neighbor
}

func msgUpdateReceived(neighbor, asPath string) string {
	return fmt.Sprintf("AWS-side peer received update with attributes from neighbor %s - AS path: %s", neighbor, asPath)
}

func msgHoldTimerExpired(neighbor string) string {
	return "AWS-side peer sent a Hold Timer Expired notification to neighbor " + neighbor
}

func msgConnectionRejectedReceived(neighbor string) string {
	return "AWS-side peer received notification 6/5 (Cease/Connection Rejected) from neighbor " + neighbor
}

func msgMaxPrefixSent(neighbor string) string {
	return "AWS-side peer sent a notification 6/1 (Cease/Maximum Number of Prefixes Reached) to neighbor " + neighbor
}

func msgPrefixWarning(count int, neighbor string, limit int) string {
	return fmt.Sprintf("AWS-side peer is reporting a maximum prefix limit warning - received %d prefixes from neighbor %s, limit is %d", count, neighbor, limit)
}

func msgPrefixExceeded(count int, neighbor string, limit int) string {
	return fmt.Sprintf("AWS-side peer detected the maximum prefix limit was exceeded - received %d prefixes from neighbor %s, limit is %d", count, neighbor, limit)
}

const denyASLoop = "DENIED due to: as-path contains our own AS"

// bgpOpenExchange logs the AWS side opening a session from Idle up to the
// peer's OPEN arriving, starting at t. It returns the time of the last record.
func (tn *tunnel) bgpOpenExchange(r *rand.Rand, t time.Time, peerAS int) time.Time {
	nb := tn.cgwInside
	tn.bgpAt(t, "DOWN", msgBGPState("Idle", "Connect", nb))
	t = t.Add(ms(1))
	tn.bgpAt(t, "DOWN", msgConnecting(nb))
	t = t.Add(jitter(r, ms(25), ms(70)))
	tn.bgpAt(t, "DOWN", msgBGPState("Connect", "OpenSent", nb))
	t = t.Add(ms(1))
	tn.bgpAt(t, "DOWN", msgOpenSent(nb, tn.conn.awsASN, tn.awsInside))
	t = t.Add(jitter(r, ms(18), ms(45)))
	tn.bgpAt(t, "DOWN", msgOpenReceived(nb, peerAS, tn.conn.cgwRouterID))
	return t
}

// bgpUp logs a full session establishment starting at t: state walk, OPENs,
// the CGW's routes arriving, End-of-RIB. It returns the Established time.
func (tn *tunnel) bgpUp(r *rand.Rand, t time.Time, routes []prefix, med int) time.Time {
	nb := tn.cgwInside
	t = tn.bgpOpenExchange(r, t, tn.conn.cgwASN)
	t = t.Add(ms(1))
	tn.bgpAt(t, "DOWN", msgBGPState("OpenSent", "OpenConfirm", nb))
	t = t.Add(jitter(r, ms(8), ms(30)))
	tn.bgpAt(t, "UP", msgBGPState("OpenConfirm", "Established", nb))
	established := t
	t = t.Add(jitter(r, ms(120), ms(260)))
	t = tn.receiveRoutes(r, t, "ADVERTISED", routes, med, "")
	t = t.Add(jitter(r, ms(200), ms(400)))
	tn.bgpAt(t, "UP", msgEndOfRIB(nb))
	return established
}

// receiveRoutes logs UPDATE messages from the CGW: one "received update with
// attributes" per AS path, each followed by the RouteStatus of its prefixes.
func (tn *tunnel) receiveRoutes(r *rand.Rand, t time.Time, status string, routes []prefix, med int, details string) time.Time {
	var paths []string
	seen := map[string]bool{}
	for _, p := range routes {
		if !seen[p.asPath] {
			seen[p.asPath] = true
			paths = append(paths, p.asPath)
		}
	}
	for i, path := range paths {
		if i > 0 {
			t = t.Add(jitter(r, ms(3), ms(20)))
		}
		tn.bgpAt(t, "UP", msgUpdateReceived(tn.cgwInside, path))
		for _, p := range routes {
			if p.asPath == path {
				t = t.Add(ms(1))
				tn.routeAt(t, status, p, med, details)
			}
		}
	}
	return t
}

// bgpDown logs the session leaving Established at t and every route the CGW
// had sent being withdrawn. It returns the time of the last record.
func (tn *tunnel) bgpDown(t time.Time, routes []prefix, med int) time.Time {
	tn.bgpAt(t, "DOWN", msgBGPState("Established", "Idle", tn.cgwInside))
	return tn.withdrawRoutes(t.Add(ms(1)), routes, med)
}

// withdrawRoutes logs routes withdrawn from t on, two per millisecond. A
// withdrawal carries no path attributes, so no "received update" line.
func (tn *tunnel) withdrawRoutes(t time.Time, routes []prefix, med int) time.Time {
	for i, p := range routes {
		if i > 0 && i%2 == 0 {
			t = t.Add(ms(1))
		}
		tn.routeAt(t, "WITHDRAWN", p, med, "")
	}
	return t
}
