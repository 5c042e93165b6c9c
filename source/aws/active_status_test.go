package aws_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
)

// GetActiveVpnTunnelStatus through the real EC2 client: what a tunnel
// negotiated, field by field; a tunnel the fake was told nothing of is
// provisioned with nothing negotiated; an unknown tunnel or connection is
// refused; the second question is answered from the cache; a denied call
// names the permission.
func TestActiveStatusThroughEC2(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	f.SetActiveStatus(hq, "203.0.113.10", fakeaws.TunnelActiveStatus{IkeVersion: "ikev2",
		Phase1EncryptionAlgorithm: "AES256-GCM-16", Phase1IntegrityAlgorithm: "SHA2-384", Phase1DHGroup: 21,
		Phase2EncryptionAlgorithm: "AES128", Phase2IntegrityAlgorithm: "SHA2-256", Phase2DHGroup: 14,
		ProvisioningStatus: "pending", ProvisioningStatusReason: "tunnel options are being modified"})
	f.SetActiveStatus(hq, "203.0.113.20", fakeaws.TunnelActiveStatus{})
	src := newSource(t, f, nil)
	ctx := context.Background()
	a, err := src.ActiveStatus(ctx, hq, "203.0.113.10")
	if err != nil {
		t.Fatal(err)
	}
	want := source.ActiveStatus{TunnelIP: "203.0.113.10", IKEVersion: "ikev2", Phase1Encryption: "AES256-GCM-16", Phase1Integrity: "SHA2-384", Phase1DHGroup: 21,
		Phase2Encryption: "AES128", Phase2Integrity: "SHA2-256", Phase2DHGroup: 14, ProvisioningStatus: "pending", ProvisioningStatusReason: "tunnel options are being modified"}
	if *a != want {
		t.Errorf("tunnel 1 = %+v\nwant %+v", *a, want)
	}
	a, err = src.ActiveStatus(ctx, hq, "203.0.113.20")
	if err != nil || a.Negotiated() || a.ProvisioningStatus != "" {
		t.Errorf("tunnel 2 (set empty) = %+v, %v", a, err)
	}
	a, err = src.ActiveStatus(ctx, branch, "203.0.113.30")
	if err != nil || a.Negotiated() || a.ProvisioningStatus != "available" {
		t.Errorf("a tunnel the fake knows nothing of = %+v, %v", a, err)
	}
	var se *source.Error
	if _, err := src.ActiveStatus(ctx, "vpn-0nope0000000000000", "203.0.113.10"); err == nil {
		t.Error("an unknown connection answered")
	}
	if _, err := src.ActiveStatus(ctx, hq, "198.51.100.99"); !errors.As(err, &se) || !strings.Contains(err.Error(), "198.51.100.99") {
		t.Errorf("a tunnel the connection does not have: %v", err)
	}
	// The options and a diagnosis of the same tunnel: one call.
	n := f.Counts()["GetActiveVpnTunnelStatus"]
	if _, err := src.ActiveStatus(ctx, hq, "203.0.113.10"); err != nil || f.Counts()["GetActiveVpnTunnelStatus"] != n {
		t.Errorf("the repeated question made a call (%v): %d calls, then %d", err, n, f.Counts()["GetActiveVpnTunnelStatus"])
	}
	f.Deny("GetActiveVpnTunnelStatus")
	src.Forget()
	_, err = src.ActiveStatus(ctx, hq, "203.0.113.10")
	if !errors.As(err, &se) || se.Cause != "AccessDenied" || !strings.Contains(err.Error(), "ec2:GetActiveVpnTunnelStatus") {
		t.Errorf("denied: %v", err)
	}
}
