package investigate

import (
	"context"
	"fmt"
	"strings"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/source"
)

// NegotiatedView is what AWS reports as negotiated on a tunnel now
// (GetActiveVpnTunnelStatus), each phase as encryption/integrity/DH group.
type NegotiatedView struct {
	IKEVersion   string `json:"ike_version,omitempty"`
	Phase1       string `json:"phase1,omitempty" jsonschema:"the IKE SA's encryption/integrity/DH group, e.g. AES256/SHA2-256/DH20"`
	Phase2       string `json:"phase2,omitempty" jsonschema:"the IPsec SA's encryption/integrity/PFS DH group"`
	Provisioning string `json:"provisioning,omitempty" jsonschema:"provisioning status (available, pending, failed) and AWS's reason"`
}

// text is the view on one line.
func (v *NegotiatedView) text() string {
	var parts []string
	if v.IKEVersion != "" {
		parts = append(parts, "IKE "+v.IKEVersion)
	}
	if v.Phase1 != "" {
		parts = append(parts, "P1 "+v.Phase1)
	}
	if v.Phase2 != "" {
		parts = append(parts, "P2 "+v.Phase2)
	}
	if v.Provisioning != "" {
		parts = append(parts, "provisioning "+v.Provisioning)
	}
	return strings.Join(parts, "; ")
}

// tunnelActiveStatus is the service's source of negotiated parameters.
func (svc *Service) tunnelActiveStatus() source.ActiveTunnelStatus {
	if a, ok := svc.Logs.(source.ActiveTunnelStatus); ok {
		return a
	}
	return nil
}

// phaseText is one phase's negotiated algorithms, "" when AWS named none.
func phaseText(enc, integ string, dh int) string {
	var parts []string
	for _, p := range []string{enc, integ} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if dh != 0 {
		parts = append(parts, fmt.Sprintf("DH%d", dh))
	}
	return strings.Join(parts, "/")
}

// negotiatedView shapes a status; nil when AWS said nothing at all.
func negotiatedView(a *source.ActiveStatus) *NegotiatedView {
	v := &NegotiatedView{IKEVersion: a.IKEVersion, Phase1: phaseText(a.Phase1Encryption, a.Phase1Integrity, a.Phase1DHGroup),
		Phase2: phaseText(a.Phase2Encryption, a.Phase2Integrity, a.Phase2DHGroup), Provisioning: a.ProvisioningStatus}
	if a.ProvisioningStatusReason != "" {
		v.Provisioning += ": " + a.ProvisioningStatusReason
	}
	if *v == (NegotiatedView{}) {
		return nil
	}
	return v
}

// AddActiveStatus adds what each tunnel negotiated to the options answer,
// when the source knows; a tunnel whose status cannot be read gets a note
// saying why, and the options still answer.
func (svc *Service) AddActiveStatus(ctx context.Context, res *TunnelOptionsResult) {
	src := svc.tunnelActiveStatus()
	if src == nil {
		return
	}
	for i := range res.Tunnels {
		t := &res.Tunnels[i]
		a, err := src.ActiveStatus(ctx, res.VPNConnectionID, t.OutsideIP)
		if err != nil {
			t.Notes = append(t.Notes, fmt.Sprintf("what AWS negotiated on this tunnel could not be read: %v", err))
			continue
		}
		if a == nil {
			continue
		}
		t.NegotiatedNow = negotiatedView(a)
		if t.NegotiatedNow != nil && !a.Negotiated() {
			t.Notes = append(t.Notes, "AWS reports nothing negotiated on this tunnel now: no IKE SA is up")
		}
	}
}

// negotiatedLookup gives proposal-mismatch advice what AWS last negotiated
// for a tunnel (nil: not known).
type negotiatedLookup func(tunnelIP string) *catalog.Negotiated

// lastNegotiated looks up what AWS negotiated on a tunnel of conn, or, when
// that tunnel has nothing negotiated, on its other tunnel (which usually
// shares the customer gateway's configuration). It asks only when advice
// needs it, once per tunnel; a status that cannot be read is added to
// notes.
func (svc *Service) lastNegotiated(ctx context.Context, conn *source.Connection, notes *[]string) negotiatedLookup {
	src := svc.tunnelActiveStatus()
	if src == nil {
		return nil
	}
	asked := map[string]*source.ActiveStatus{}
	failed := false // one failure is noted; the other tunnel would fail alike
	status := func(t *source.Tunnel) *source.ActiveStatus {
		if a, ok := asked[t.OutsideIP]; ok || failed {
			return a
		}
		a, err := src.ActiveStatus(ctx, conn.ID, t.OutsideIP)
		if err != nil {
			*notes = append(*notes, fmt.Sprintf("what AWS negotiated on tunnel %d (%s) could not be read, so the advice goes by the tunnel's options alone: %v", t.Number, t.OutsideIP, err))
			a, failed = nil, true
		}
		if a != nil && !a.Negotiated() {
			a = nil
		}
		asked[t.OutsideIP] = a
		return a
	}
	return func(ip string) *catalog.Negotiated {
		order := make([]*source.Tunnel, 0, len(conn.Tunnels))
		for i := range conn.Tunnels {
			if conn.Tunnels[i].OutsideIP == ip {
				order = append([]*source.Tunnel{&conn.Tunnels[i]}, order...)
			} else {
				order = append(order, &conn.Tunnels[i])
			}
		}
		for _, t := range order {
			a := status(t)
			if a == nil {
				continue
			}
			n := &catalog.Negotiated{Where: "this tunnel", IKEVersion: a.IKEVersion,
				Phase1Encryption: a.Phase1Encryption, Phase1Integrity: a.Phase1Integrity, Phase1DHGroup: a.Phase1DHGroup,
				Phase2Encryption: a.Phase2Encryption, Phase2Integrity: a.Phase2Integrity, Phase2DHGroup: a.Phase2DHGroup}
			if t.OutsideIP != ip {
				n.Where, n.OtherTunnel = fmt.Sprintf("tunnel %d (%s)", t.Number, t.OutsideIP), true
			}
			return n
		}
		return nil
	}
}
